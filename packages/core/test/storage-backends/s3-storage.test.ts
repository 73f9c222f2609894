import { crc32 } from 'node:zlib';
import { s3Storage, type S3StorageOptions } from '@banana-relay/core/s3';
import { bytesOf } from '../storage/helpers.js';
import { startFaultProxy, type FaultProxy } from './support/fault-proxy.js';
import { onlyLoopback, type LoopbackGuard } from './support/loopback-only.js';
import { S3RVER_CREDENTIALS, startS3Server, type S3Server } from './support/s3-server.js';
import { deletesAnswered, eventually, s3Fault, uploadsBytes } from './support/store-faults.js';

const BUCKET = 'relay-images';
let guard: LoopbackGuard;
let s3: S3Server;
let proxy: FaultProxy;
let serial = 0;

beforeAll(async () => {
  guard = onlyLoopback();
  s3 = await startS3Server([BUCKET]);
});
afterAll(async () => {
  await s3.close();
  guard.restore();
  expect(guard.refused).toEqual([]);
});
beforeEach(async () => {
  proxy = await startFaultProxy(s3.endpoint);
});
afterEach(() => proxy.close());

/** An s3Storage on s3rver behind the fault proxy. */
function storage(extra: Partial<S3StorageOptions> = {}): ReturnType<typeof s3Storage> {
  return s3Storage({ bucket: BUCKET, region: 'us-east-1', endpoint: proxy.url, forcePathStyle: true, credentials: S3RVER_CREDENTIALS, ...extra });
}

const newKey = (): string => `task-artifacts/2026/03/30/sync-image/test${++serial}-1.png`;
const meta = { contentType: 'image/png', metadata: { requestId: 'req-1', carrierId: 'gemini-a' } };
/** The object as s3rver holds it, read around the proxy. */
const direct = (name: string): Promise<Response> => fetch(`${s3.endpoint}/${BUCKET}/${name}`);

async function* chunks(bytes: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

describe('s3Storage on a real S3-compatible server (s3rver)', () => {
  test('stores the bytes with their type, immutable caching and the request metadata, behind a CRC32 checksum', async () => {
    const key = newKey();
    const body = bytesOf(70_000);
    const result = await storage().put(key, body, meta);

    expect(result).toEqual({ url: `${proxy.url}/${BUCKET}/${key}`, bytes: body.length });
    const res = await fetch(result.url);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(body)).toBe(true);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('x-amz-meta-requestid')).toBe('req-1');
    expect(res.headers.get('x-amz-meta-carrierid')).toBe('gemini-a');

    const upload = proxy.requests.find((r) => r.method === 'PUT')!;
    const checksum = Buffer.alloc(4);
    checksum.writeUInt32BE(crc32(body));
    expect(upload.headers['x-amz-checksum-crc32']).toBe(checksum.toString('base64'));
  });

  test('a streamed body larger than a part goes up as a multipart upload, each part checksummed', async () => {
    const key = newKey();
    const body = bytesOf(11 * 1024 * 1024, 7);
    const result = await storage().put(key, chunks(body, 64 * 1024), meta);

    expect(result.bytes).toBe(body.length);
    expect(Buffer.from(await (await fetch(result.url)).arrayBuffer()).equals(body)).toBe(true);
    const parts = proxy.requests.filter((r) => r.method === 'PUT');
    // Parts go up concurrently, in any order.
    expect(parts.map((r) => r.bodyBytes).sort((a, b) => b - a)).toEqual([5 * 1024 * 1024, 5 * 1024 * 1024, 1024 * 1024]);
    for (const part of parts) expect(part.headers['x-amz-checksum-crc32']).toMatch(/^[A-Za-z0-9+/]{6}==$/);
    expect(proxy.requests.map((r) => r.method)).toEqual(['POST', 'PUT', 'PUT', 'PUT', 'POST', 'GET']);
  });

  test('keys go under the prefix; delete removes the object', async () => {
    const key = newKey();
    const s = storage({ prefix: 'tenant-a' });
    const result = await s.put(key, bytesOf(10), meta);
    expect(result.url).toBe(`${proxy.url}/${BUCKET}/tenant-a/${key}`);
    expect((await direct(`tenant-a/${key}`)).status).toBe(200);
    await s.delete!(key);
    expect((await direct(`tenant-a/${key}`)).status).toBe(404);
  });

  test('publicBaseUrl (a CDN) is used as is for public URLs', async () => {
    const key = newKey();
    const result = await storage({ publicBaseUrl: 'https://cdn.example.com/images/' }).put(key, bytesOf(10), meta);
    expect(result.url).toBe(`https://cdn.example.com/images/${key}`);
  });

  test('signed mode answers a presigned GET URL that serves the object', async () => {
    const key = newKey();
    const body = bytesOf(5000, 3);
    const result = await storage({ signedUrlTtlSeconds: 3600 }).put(key, body, meta);

    const url = new URL(result.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${proxy.url}/${BUCKET}/${key}`);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('3600');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    const res = await fetch(result.url);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(body)).toBe(true);
  });

  test('a signed URL past its expiry is refused', async () => {
    const result = await storage({ signedUrlTtlSeconds: 1 }).put(newKey(), bytesOf(100), meta);
    await new Promise((resolve) => setTimeout(resolve, 2200));
    const res = await fetch(result.url);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('Request has expired');
  });

  test('a store answering 503 then 200 is retried, and the URL serves the whole object', async () => {
    const key = newKey();
    const body = bytesOf(30_000, 5);
    proxy.script(s3Fault(503), { match: uploadsBytes });
    const result = await storage().put(key, body, meta);

    expect(proxy.requests.filter((r) => r.method === 'PUT').map((r) => r.status)).toEqual([503, 200]);
    expect(Buffer.from(await (await fetch(result.url)).arrayBuffer()).equals(body)).toBe(true);
  });

  test('a store always answering 500 fails the put after the bounded retries, leaving nothing', async () => {
    const key = newKey();
    proxy.script(s3Fault(500), { times: Infinity, match: uploadsBytes });
    await expect(storage({ maxAttempts: 2 }).put(key, bytesOf(1000), meta)).rejects.toThrow();
    expect(proxy.requests.filter((r) => r.method === 'PUT')).toHaveLength(2);
    await deletesAnswered(proxy);
    expect((await direct(key)).status).toBe(404);
  });

  test('an abort ends the put at once with the signal reason, cancels the upload and leaves nothing', async () => {
    const key = newKey();
    // The store keeps the object but holds its answer back: the abort races the acknowledgement.
    proxy.script({ type: 'delay', ms: 60_000 }, { match: uploadsBytes });
    const controller = new AbortController();
    const put = storage().put(key, bytesOf(20_000), { ...meta, signal: controller.signal });
    await eventually(() => proxy.requests.some((r) => r.method === 'PUT'));
    const reason = new Error('deadline');
    controller.abort(reason);

    await expect(put).rejects.toBe(reason);
    await eventually(() => proxy.requests.find((r) => r.method === 'PUT')!.clientLeft);
    await deletesAnswered(proxy);
    expect((await direct(key)).status).toBe(404);
  });

  test('an abort during a multipart upload also aborts the multipart upload on the store', async () => {
    const key = newKey();
    proxy.script({ type: 'delay', ms: 60_000 }, { match: ({ url }) => url.searchParams.get('partNumber') === '2' });
    const controller = new AbortController();
    const put = storage().put(key, bytesOf(11 * 1024 * 1024), { ...meta, signal: controller.signal });
    await eventually(() => proxy.requests.some((r) => r.url.includes('partNumber=2')));
    controller.abort(new Error('deadline'));

    await expect(put).rejects.toThrow('deadline');
    // The cleanup requests are not cancelled by the abort they follow.
    await eventually(() => proxy.requests.some((r) => r.method === 'DELETE' && r.url.includes('uploadId=') && r.status > 0));
    await deletesAnswered(proxy);
    expect((await direct(key)).status).toBe(404);
  });

  test('refuses contradictory or out-of-range URL options at construction', () => {
    expect(() => storage({ publicBaseUrl: 'https://cdn.example.com', signedUrlTtlSeconds: 60 })).toThrow(TypeError);
    expect(() => storage({ signedUrlTtlSeconds: 7 * 24 * 3600 + 1 })).toThrow(RangeError);
    expect(() => storage({ signedUrlTtlSeconds: 0 })).toThrow(RangeError);
    expect(() => storage({ partSizeBytes: 1024 })).toThrow(RangeError);
    expect(() => storage({ prefix: '../escape' })).toThrow(TypeError);
  });

  test('refuses unsafe keys before any request', async () => {
    await expect(storage().put('../x.png', bytesOf(1), meta)).rejects.toThrow('unsafe key');
    expect(proxy.requests).toHaveLength(0);
  });
});
