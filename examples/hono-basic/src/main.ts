/** Runs the Hono example against the emulator: `npx -y pnpm@10.34.8 --filter @banana-relay/example-hono-basic start`. */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { serve } from '@hono/node-server';
import { createRelay, geminiCarrier, localDiskStorage } from '@banana-relay/core';
import { startEmulator } from '@banana-relay/emulator';
import { createApp } from './app.js';

const port = Number(process.env.PORT ?? 3001);
const emulator = await startEmulator();
const dir = resolve(process.env.ARTIFACT_DIR ?? '.artifacts');
mkdirSync(dir, { recursive: true });
const relay = createRelay({
  carriers: [geminiCarrier({ id: 'gemini-emulated', apiKey: 'demo-key', baseUrl: emulator.url })],
  storage: localDiskStorage({ dir, publicBaseUrl: `http://localhost:${port}` }),
  // A prompt alone (text to image) is Beta in the contract, off by default.
  capabilities: { textToImage: true },
});
serve({ fetch: createApp(relay).fetch, port }, () => console.log(`Hono example on http://localhost:${port}`));
