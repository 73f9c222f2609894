/**
 * The demo: the Google API emulator and the example app on port 3000, with artifacts on local disk
 * (or Cloud Storage / S3: see storage-from-env.ts).
 * With GEMINI_API_KEY or GOOGLE_CLOUD_PROJECT set, the same app talks to the real Google APIs instead.
 */
import { createRelay, geminiCarrier, vertexCarrier, type Carrier } from '@banana-relay/core';
import { prometheusMetrics } from '@banana-relay/core/metrics';
import { startEmulator } from '@banana-relay/emulator';
import { pino } from 'pino';
import { createApp } from './app.js';
import { carriersFromEnv, upstreamModeFromEnv } from './carriers-from-env.js';
import { storageFromEnv } from './storage-from-env.js';

const port = Number(process.env.PORT ?? 3000);
const origin = `http://localhost:${port}`;
const log = pino({ level: process.env.LOG_LEVEL ?? 'info' });
const mode = upstreamModeFromEnv();

let carriers: Carrier[];
let stopEmulator: (() => Promise<void>) | undefined;
if (mode === 'emulator') {
  const emulator = await startEmulator({ port: Number(process.env.EMULATOR_PORT ?? 0) });
  stopEmulator = () => emulator.close();
  carriers = [
    vertexCarrier({ id: 'vertex-emulated', project: emulator.serviceAccount.project_id, credentials: emulator.serviceAccount, baseUrl: emulator.url }),
    geminiCarrier({ id: 'gemini-emulated', apiKey: 'demo-key', baseUrl: emulator.url }),
  ];
  log.info({ emulator: emulator.url }, 'Google API emulator started');
} else {
  carriers = carriersFromEnv();
  log.info({ mode }, 'using the real Google API');
}

const { storage, where } = await storageFromEnv(process.env, { origin });
const metrics = prometheusMetrics();
const relay = createRelay({
  carriers,
  storage,
  // The demo fetches its own sample references over loopback; nothing else on loopback is reachable.
  references: { allowHosts: [`localhost:${port}`, `127.0.0.1:${port}`] },
  // A prompt alone (text to image) is Beta in the contract, off by default: the playground offers it.
  capabilities: { textToImage: true },
  onEvent: (event) => {
    log.info(event, event.type);
    metrics.onEvent(event);
  },
});

const app = await createApp(relay, { metrics });
const server = app.listen(port, () => {
  const example = {
    model: 'nano-banana-pro',
    prompt: 'Turn this product image into an ultra-wide hero KV with a cleaner background while preserving the subject',
    image_input: [`${origin}/samples/image36.webp`],
    resolution: '4K',
    aspect_ratio: '21:9',
    output_format: 'png',
  };
  console.log(`
banana-relay demo on ${origin} (upstream: ${mode}), artifacts in ${where}
Playground: ${origin}/ · OpenAPI: ${origin}/v1/images/openapi.json · metrics: ${origin}/metrics

Try it:
curl -s -X POST ${origin}/v1/images/generations \\
  -H "Content-Type: application/json" \\
  -d '${JSON.stringify(example)}'

Two references:
curl -s -X POST ${origin}/v1/images/generations -H "Content-Type: application/json" \\
  -d '${JSON.stringify({ model: 'nano-banana-pro', prompt: 'Blend the subject and composition from these two references into one high-quality hero visual', image_input: [`${origin}/samples/ref-1.png`, `${origin}/samples/ref-2.png`], resolution: '1K', aspect_ratio: '1:1' })}'
`);
});

const shutdown = (): void => {
  server.close();
  void relay.close();
  void stopEmulator?.();
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
