import { Agent, createServer, request as httpRequest, type Server } from 'node:http';
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
      capabilities: { textToImage: true },
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

  test('a JSON answer is sent whole, with its Content-Length', async () => {
    const res = await fetch(`${origin}/v1/images/generations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'nano-banana-pro', prompt: 'a banana', resolution: '9K' }),
    });
    const text = await res.text();
    expect(res.status).toBe(400);
    expect(res.headers.get('transfer-encoding')).toBeNull();
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    expect((JSON.parse(text) as { error: { param: string } }).error.param).toBe('resolution');
  });

  test('a body sent in chunks without a Content-Length is read, and refused past the size limit', async () => {
    const post = (pieces: string[]): Promise<{ status: number; body: { data?: unknown[]; error?: { code: string } } }> =>
      new Promise((resolve, reject) => {
        const req = httpRequest(`${origin}/v1/images/generations`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as never }));
        });
        req.on('error', reject);
        for (const piece of pieces) req.write(piece);
        req.end();
      });
    const json = JSON.stringify({ model: 'nano-banana-pro', prompt: 'a banana' });
    const ok = await post([json.slice(0, 10), json.slice(10)]);
    expect(ok.status).toBe(200);
    expect(ok.body.data).toHaveLength(1);
    const tooLarge = await post([json.slice(0, -1), `,"user":"${'x'.repeat(1024 * 1024)}"}`]);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.error?.code).toBe('request_too_large');
  });

  test("a keep-alive client's next request is served after a 413 on a chunked body", async () => {
    // One connection, reused: the refused body must not leave it stuck for the next request.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const post = (pieces: string[]): Promise<{ status: number; connection: string | undefined; code?: string }> =>
      new Promise((resolve, reject) => {
        const req = httpRequest(`${origin}/v1/images/generations`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, code: (JSON.parse(text) as { error?: { code: string } }).error?.code }));
        });
        req.setTimeout(4000, () => req.destroy(new Error('no answer within 4 s')));
        req.on('error', reject);
        for (const piece of pieces) req.write(piece);
        req.end();
      });
    try {
      const json = JSON.stringify({ model: 'nano-banana-pro', prompt: 'a banana' });
      for (const extra of [1.5 * 1024 * 1024, 12 * 1024 * 1024]) {
        // Past the 1 MiB limit by a little (read to its end, the connection kept) and by a lot (the connection closed).
        const tooLarge = await post([json.slice(0, -1), `,"user":"`, ...Array.from({ length: extra / 65536 }, () => 'x'.repeat(65536)), '"}']);
        // Read to its end, the connection stays open; given up on, it is closed after the answer.
        expect(tooLarge).toMatchObject({ status: 413, code: 'request_too_large', connection: extra > 8 * 1024 * 1024 ? 'close' : 'keep-alive' });
        const next = await post([json]);
        expect(next).toMatchObject({ status: 200 });
      }
    } finally {
      agent.destroy();
    }
  });

  test('a client that stops sending the rest of a refused body gets its 413 within seconds, and the connection is closed', async () => {
    const started = Date.now();
    const answer = await new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
      const req = httpRequest(`${origin}/v1/images/generations`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, connection: res.headers.connection });
        req.destroy();
      });
      req.on('error', reject);
      // Past the 1 MiB limit, then nothing more, never ending the body.
      req.write(`{"model":"nano-banana-pro","prompt":"${'x'.repeat(1100 * 1024)}`);
    });
    expect(answer).toEqual({ status: 413, connection: 'close' });
    expect(Date.now() - started).toBeLessThan(9_000);
  }, 15_000);

  test('without a next handler, other paths get an OpenAI-shaped 404', async () => {
    const res = await fetch(`${origin}/elsewhere`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });
});
