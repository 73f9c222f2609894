import { createHash } from 'node:crypto';
import { gcsStorage, type GcsStorageOptions } from '@banana-relay/core/gcs';
import { startEmulator, type Emulator } from '@banana-relay/emulator';
import { bytesOf } from '../storage/helpers.js';
import { startFaultProxy, type FaultProxy } from './support/fault-proxy.js';
import { onlyLoopback, type LoopbackGuard } from './support/loopback-only.js';
import { deletesAnswered, eventually, gcsFault, uploadsBytes } from './support/store-faults.js';

const PUBLIC = 'relay-public';
const PRIVATE = 'relay-private';
let guard: LoopbackGuard;
let emu: Emulator;
let proxy: FaultProxy;
let serial = 0;

beforeAll(async () => {
  guard = onlyLoopback();
  emu = await startEmulator();
  emu.gcs.createBucket(PUBLIC, { public: true });
  emu.gcs.createBucket(PRIVATE);
});
afterAll(async () => {
  await emu.close();
  guard.restore();
  expect(guard.refused).toEqual([]);
});
beforeEach(async () => {
  proxy = await startFaultProxy(emu.url);
});
afterEach(() => proxy.close());

/** A gcsStorage with the real client, on the emulator behind the fault proxy. */
function storage(extra: Partial<GcsStorageOptions> = {}): ReturnType<typeof gcsStorage> {
  return gcsStorage({ bucket: PUBLIC, apiEndpoint: proxy.url, credentials: emu.serviceAccount, ...extra });
}

const newKey = (): string => `task-artifacts/2026/03/30/sync-image/test${++serial}-1.png`;
const meta = { contentType: 'image/png', metadata: { requestId: 'req-1', carrierId: 'vertex-a' } };
const putRequests = (): typeof proxy.requests => proxy.requests.filter((r) => r.method === 'PUT');

async function* chunks(bytes: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

describe('gcsStorage with @google-cloud/storage against the emulator', () => {
  test('stores the bytes with their type, immutable caching and the request metadata; the public URL serves them', async () => {
    const key = newKey();
    const body = bytesOf(70_000);
    const result = await storage().put(key, body, meta);

    expect(result).toEqual({ url: `${proxy.url}/${PUBLIC}/${key}`, bytes: body.length });
    const stored = emu.gcs.object(PUBLIC, key)!;
    expect(stored.bytes.equals(body)).toBe(true);
    expect(stored).toMatchObject({ contentType: 'image/png', cacheControl: 'public, max-age=31536000, immutable', metadata: meta.metadata });

    const res = await fetch(result.url);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(body)).toBe(true);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('x-goog-meta-requestid')).toBe('req-1');
    // A create-only resumable upload: one session, one PUT with the whole body.
    expect(proxy.requests[0]!.url).toContain('ifGenerationMatch=0');
    expect(putRequests().map((r) => r.headers['content-range'])).toEqual([`bytes 0-${body.length - 1}/${body.length}`]);
  });

  test('a streamed body goes up in chunks, each its own request', async () => {
    const key = newKey();
    const body = bytesOf(700 * 1024, 9);
    const result = await storage({ chunkSizeBytes: 256 * 1024 }).put(key, chunks(body, 10_000), meta);

    expect(result.bytes).toBe(body.length);
    expect(emu.gcs.object(PUBLIC, key)!.bytes.equals(body)).toBe(true);
    expect(putRequests().map((r) => [r.bodyBytes, r.status])).toEqual([
      [256 * 1024, 308],
      [256 * 1024, 308],
      [188 * 1024, 200],
    ]);
  });

  test('the client checks the checksum of what was stored: a body corrupted in transit fails and is deleted', async () => {
    const key = newKey();
    proxy.script({ type: 'corrupt' }, { match: uploadsBytes });
    await expect(storage().put(key, bytesOf(5000), meta)).rejects.toThrow(/match/i);
    await deletesAnswered(proxy, 2); // the client's own, then the storage's
    expect(emu.gcs.object(PUBLIC, key)).toBeUndefined();
  });

  test('md5 validation works the same way', async () => {
    const key = newKey();
    const body = bytesOf(3000, 4);
    await storage({ validation: 'md5' }).put(key, body, meta);
    expect(emu.gcs.object(PUBLIC, key)!.md5Hash).toBe(createHash('md5').update(body).digest('base64'));
  });

  test('prefix, publicBaseUrl and delete', async () => {
    const key = newKey();
    const s = storage({ prefix: 'tenant-a', publicBaseUrl: 'https://cdn.example.com/' });
    const result = await s.put(key, bytesOf(10), meta);
    expect(result.url).toBe(`https://cdn.example.com/tenant-a/${key}`);
    expect(emu.gcs.object(PUBLIC, `tenant-a/${key}`)).toBeDefined();
    await s.delete!(key);
    expect(emu.gcs.object(PUBLIC, `tenant-a/${key}`)).toBeUndefined();
  });

  test('private bucket: the V4 signed URL serves the object, the bare URL is refused', async () => {
    const key = newKey();
    const body = bytesOf(4000, 2);
    const result = await storage({ bucket: PRIVATE, signedUrlTtlSeconds: 3600 }).put(key, body, meta);

    const url = new URL(result.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${proxy.url}/${PRIVATE}/${key}`);
    expect(url.searchParams.get('X-Goog-Algorithm')).toBe('GOOG4-RSA-SHA256');
    expect(url.searchParams.get('X-Goog-Expires')).toBe('3600');
    const res = await fetch(result.url);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(body)).toBe(true);
    const bare = await fetch(`${url.origin}${url.pathname}`);
    expect(bare.status).toBe(403);
  });

  test('a signed URL past its expiry is refused', async () => {
    const result = await storage({ bucket: PRIVATE, signedUrlTtlSeconds: 1 }).put(newKey(), bytesOf(100), meta);
    await new Promise((resolve) => setTimeout(resolve, 2200));
    const res = await fetch(result.url);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('<Code>ExpiredToken</Code>');
  });

  test('a store answering 503 then 200 is retried: the upload resumes and the object is whole', async () => {
    const key = newKey();
    const body = bytesOf(40_000, 6);
    proxy.script(gcsFault(503), { match: uploadsBytes });
    const result = await storage().put(key, body, meta);

    expect(result.bytes).toBe(body.length);
    expect(emu.gcs.object(PUBLIC, key)!.bytes.equals(body)).toBe(true);
    // The failed PUT, a status query for the persisted offset, then the bytes again.
    expect(putRequests().map((r) => [r.status, r.headers['content-range']])).toEqual([
      [503, `bytes 0-${body.length - 1}/${body.length}`],
      [308, 'bytes */*'],
      [200, `bytes 0-${body.length - 1}/${body.length}`],
    ]);
  });

  test('a 503 on starting the upload session is retried too', async () => {
    const key = newKey();
    proxy.script(gcsFault(503), { match: ({ method }) => method === 'POST' });
    await storage().put(key, bytesOf(1000), meta);
    expect(proxy.requests.filter((r) => r.method === 'POST').map((r) => r.status)).toEqual([503, 200]);
    expect(emu.gcs.object(PUBLIC, key)).toBeDefined();
  });

  test('a store always answering 500 fails the put after the bounded retries, leaving nothing', async () => {
    const key = newKey();
    proxy.script(gcsFault(500), { times: Infinity, match: ({ method }) => method === 'PUT' });
    await expect(storage({ maxRetries: 1 }).put(key, bytesOf(1000), meta)).rejects.toThrow();
    expect(putRequests().filter((r) => r.status === 500).length).toBeGreaterThanOrEqual(2);
    await deletesAnswered(proxy);
    expect(emu.gcs.object(PUBLIC, key)).toBeUndefined();
  });

  test('an abort ends the put at once with the signal reason, cancels the upload and leaves nothing', async () => {
    const key = newKey();
    // The emulator stores the object but its answer is held back: the abort races the acknowledgement.
    proxy.script({ type: 'delay', ms: 60_000 }, { match: uploadsBytes });
    const controller = new AbortController();
    const put = storage().put(key, bytesOf(20_000), { ...meta, signal: controller.signal });
    await eventually(() => putRequests().length > 0);
    await eventually(() => emu.gcs.object(PUBLIC, key) !== undefined);
    const reason = new Error('deadline');
    controller.abort(reason);

    await expect(put).rejects.toBe(reason);
    await eventually(() => putRequests()[0]!.clientLeft);
    await deletesAnswered(proxy);
    expect(emu.gcs.object(PUBLIC, key)).toBeUndefined();
  });

  test('refuses bad options at construction and unsafe keys before any request', async () => {
    expect(() => storage({ publicBaseUrl: 'https://cdn.example.com', signedUrlTtlSeconds: 60 })).toThrow(TypeError);
    expect(() => storage({ signedUrlTtlSeconds: 604_801 })).toThrow(RangeError);
    expect(() => storage({ chunkSizeBytes: 1_000_000 })).toThrow(RangeError);
    expect(() => storage({ publicBaseUrl: 'ftp://x' })).toThrow(TypeError);
    await expect(storage().put('a/../b.png', bytesOf(1), meta)).rejects.toThrow('unsafe key');
    expect(proxy.requests).toHaveLength(0);
  });
});
