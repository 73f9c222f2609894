import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRelay, geminiCarrier, localDiskStorage, vertexCarrier, type Relay, type RelayOptions } from '@banana-relay/core';
import { startEmulator, type Emulator } from '@banana-relay/emulator';
import { createApp, type AppOptions } from '../../src/app.js';

/** The example app as the demo runs it (emulated Vertex + Gemini carriers), on a loopback port. */
export interface ExampleServer {
  origin: string;
  relay: Relay;
  emulator: Emulator;
  close(): Promise<void>;
}

/** Starts the example app; `relayOptions` are merged into createRelay's options. */
export async function startExample(appOptions: AppOptions = {}, relayOptions: Partial<RelayOptions> = {}): Promise<ExampleServer> {
  const emulator = await startEmulator();
  const dir = await mkdtemp(join(tmpdir(), 'banana-example-'));
  // The port is known before the relay is built: the app's own samples are fetched over loopback.
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const relay = createRelay({
    carriers: [
      vertexCarrier({ id: 'vertex-emulated', project: emulator.serviceAccount.project_id, credentials: emulator.serviceAccount, baseUrl: emulator.url }),
      geminiCarrier({ id: 'gemini-emulated', apiKey: 'demo-key', baseUrl: emulator.url }),
    ],
    storage: localDiskStorage({ dir, publicBaseUrl: origin }),
    references: { allowHosts: [new URL(origin).host] },
    capabilities: { textToImage: true },
    ...relayOptions,
  });
  server.on('request', await createApp(relay, appOptions));
  return {
    origin,
    relay,
    emulator,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await relay.close();
      await emulator.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
