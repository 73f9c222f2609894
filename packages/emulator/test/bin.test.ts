import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

test('banana-emulator starts from args, writes credentials, answers, and exits on SIGTERM', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'banana-emulator-'));
  const file = join(dir, 'sa.json');
  // tsx runs the source with the repo tsconfig's paths, so no build is needed.
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/emulator/src/bin.ts', '--port', '0', '--api-key', 'bin-key', '--write-credentials', file], {
    cwd: repoRoot,
    env: { ...process.env, PORT: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 15000;
    while (!out.includes('credentials written')) {
      if (Date.now() > deadline) throw new Error(`bin did not start: ${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const url = /listening on (http:\/\/\S+)/.exec(out)![1]!;
    const sa = JSON.parse(await readFile(file, 'utf8')) as { type: string; token_uri: string };
    expect(sa).toMatchObject({ type: 'service_account', token_uri: `${url}/token` });

    const res = await fetch(`${url}/v1beta/models/m:generateContent`, { method: 'POST', headers: { 'x-goog-api-key': 'wrong' }, body: '{}' });
    expect(res.status).toBe(400); // Google's answer to a wrong key

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  } finally {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});
