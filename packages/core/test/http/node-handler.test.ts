import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRelay, geminiCarrier, memoryStorage, nodeHandler, type Relay } from '@banana-relay/core';
import { startEmulator, type Emulator } from '@banana-relay/emulator';

describe('nodeHandler: plain node:http, no framework', () => {
  let emulator: Emulator;
  let relay: Relay;
  let server: Server;
  let origin: string;
  beforeAll(async () => {
    emulator = await startEmulator();
    server = createServer((req, res) => nodeHandler(relay)(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    relay = createRelay({
      carriers: [geminiCarrier({ id: 'g', apiKey: 'k', baseUrl: emulator.url })],
      storage: memoryStorage({ publicBaseUrl: origin }),
    });
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await relay.close();
    await emulator.close();
  });

  test('serves the route and the artifact', async () => {
    const res = await fetch(`${origin}/v1/images/generations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'nano-banana-pro', prompt: 'a banana' }),
    });
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as { data: Array<{ url: string }> };
    const file = await fetch(data[0]!.url);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/png');
  });

  test('without a next handler, other paths get an OpenAI-shaped 404', async () => {
    const res = await fetch(`${origin}/elsewhere`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });
});
