#!/usr/bin/env node
/**
 * `banana-emulator`: runs the emulator as a standalone process for demos and manual testing.
 *   banana-emulator [--port N] [--host H] [--api-key K]... [--project P]... [--latency-ms N] [--write-credentials FILE]
 * `PORT` and `HOST` in the environment work too; flags win.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startEmulator, type EmulatorOptions } from './index.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'api-key': { type: 'string', multiple: true },
      project: { type: 'string', multiple: true },
      'latency-ms': { type: 'string' },
      'token-ttl-seconds': { type: 'string' },
      'write-credentials': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(
      'Usage: banana-emulator [--port N] [--host H] [--api-key K]... [--project P]... [--latency-ms N]\n' +
        '                       [--token-ttl-seconds N] [--write-credentials FILE]\n',
    );
    return;
  }
  const options: EmulatorOptions = {
    host: values.host ?? process.env.HOST ?? '127.0.0.1',
    port: toNumber('port', values.port ?? process.env.PORT ?? '0'),
  };
  if (values['api-key']) options.apiKeys = values['api-key'];
  if (values.project) options.projects = values.project;
  if (values['latency-ms']) options.latencyMs = toNumber('latency-ms', values['latency-ms']);
  if (values['token-ttl-seconds']) options.tokenTtlSeconds = toNumber('token-ttl-seconds', values['token-ttl-seconds']);

  const emulator = await startEmulator(options);
  process.stdout.write(`banana-emulator listening on ${emulator.url}\n`);
  process.stdout.write(`  Gemini API: POST ${emulator.url}/v1beta/models/gemini-3-pro-image-preview:generateContent\n`);
  process.stdout.write(
    `  Vertex AI:  POST ${emulator.url}/v1/projects/${emulator.serviceAccount.project_id}/locations/global/publishers/google/models/gemini-3-pro-image-preview:generateContent\n`,
  );
  process.stdout.write(`  Token URI:  ${emulator.tokenUri}\n`);
  const credentialsFile = values['write-credentials'];
  if (credentialsFile) {
    // The file holds a private key: readable by its owner only.
    await writeFile(credentialsFile, `${JSON.stringify(emulator.serviceAccount, null, 2)}\n`, { mode: 0o600 });
    process.stdout.write(`  Service-account credentials written to ${credentialsFile}\n`);
  }

  const stop = (signal: NodeJS.Signals): void => {
    process.stdout.write(`${signal}: closing\n`);
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function toNumber(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number, got ${value}`);
  return n;
}

main().catch((error: unknown) => {
  process.stderr.write(`banana-emulator: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
