import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { createRelay, geminiCarrier, localDiskStorage, type Relay } from '@banana-relay/core';
import { startEmulator, type Emulator } from '@banana-relay/emulator';
import sharp from 'sharp';
import { createApp } from '../src/app.js';

describe('Hono example (relay.fetch as the only integration)', () => {
  let emulator: Emulator;
  let relay: Relay;
  let server: ServerType;
  let origin: string;
  let dir: string;

  beforeAll(async () => {
    emulator = await startEmulator();
    dir = await mkdtemp(join(tmpdir(), 'relay-hono-'));
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: (req) => createApp(relay).fetch(req), port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    relay = createRelay({
      carriers: [geminiCarrier({ id: 'g', apiKey: 'k', baseUrl: emulator.url })],
      storage: localDiskStorage({ dir, publicBaseUrl: origin }),
      capabilities: { textToImage: true },
    });
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await relay.close();
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('generates over HTTP and serves the artifact', async () => {
    const res = await fetch(`${origin}/v1/images/generations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'hono-req-1' },
      body: JSON.stringify({ model: 'nano-banana-pro', prompt: 'a banana', aspect_ratio: '21:9', output_format: 'jpg' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('hono-req-1');
    const { data } = (await res.json()) as { data: Array<{ url: string }> };
    const file = await fetch(data[0]!.url);
    expect(file.headers.get('content-type')).toBe('image/jpeg');
    const meta = await sharp(Buffer.from(await file.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 1584, 672]);
  });

  test('errors are OpenAI-shaped; the host keeps its other routes', async () => {
    const res = await fetch(`${origin}/v1/images/generations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('missing_required_parameter');
    expect(await (await fetch(`${origin}/`)).text()).toContain('Hono');
    expect((await fetch(`${origin}/elsewhere`)).status).toBe(404);
  });

  test('serves the OpenAPI document through the same handler', async () => {
    const res = await fetch(`${origin}/v1/images/openapi.json`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { openapi: string }).openapi).toMatch(/^3\.1/);
  });
});
