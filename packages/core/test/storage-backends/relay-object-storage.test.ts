/**
 * The relay over HTTP (Express harness) archiving to real object stores on loopback, with the store's
 * faults injected by a proxy in front of it: what a caller of POST /v1/images/generations sees.
 */
import type { Storage } from '@banana-relay/core';
import { gcsStorage } from '@banana-relay/core/gcs';
import { s3Storage } from '@banana-relay/core/s3';
import { startEmulator, type Emulator } from '@banana-relay/emulator';
import { startHarness, type Harness } from '../../../express/test/support/harness.js';
import { startFaultProxy, type FaultProxy, type ProxyFault, type RequestMatch } from './support/fault-proxy.js';
import { onlyLoopback, type LoopbackGuard } from './support/loopback-only.js';
import { S3RVER_CREDENTIALS, startS3Server, type S3Server } from './support/s3-server.js';
import { deletesAnswered, eventually, gcsFault, s3Fault, uploadsBytes } from './support/store-faults.js';

const BUCKET = 'relay-images';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const REQUEST = { model: 'nano-banana-pro', prompt: 'a banana on a plate' };

/** One object store under test: how to build its storage behind a proxy, fault it and list it. */
interface Backend {
  name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The store's origin, for the proxy to forward to. */
  origin(): string;
  storage(proxy: FaultProxy): Storage;
  fault(status: 500 | 503): ProxyFault;
  /** The request that starts writing the object whose name ends with `suffix`. */
  writeOf(suffix: string): RequestMatch;
  /** Object names in the bucket, read around the proxy. */
  objects(): Promise<string[]>;
}

let s3: S3Server;
const s3Backend: Backend = {
  name: 's3Storage on s3rver',
  start: async () => {
    s3 = await startS3Server([BUCKET]);
  },
  stop: () => s3.close(),
  origin: () => s3.endpoint,
  storage: (proxy) => s3Storage({ bucket: BUCKET, region: 'us-east-1', endpoint: proxy.url, forcePathStyle: true, credentials: S3RVER_CREDENTIALS, maxAttempts: 2 }),
  fault: s3Fault,
  writeOf: (suffix) => ({ method, url }) => method === 'PUT' && url.pathname.endsWith(suffix),
  objects: async () => [...(await (await fetch(`${s3.endpoint}/${BUCKET}`)).text()).matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]!),
};

let store: Emulator;
const gcsBackend: Backend = {
  name: 'gcsStorage on the emulator',
  start: async () => {
    store = await startEmulator();
    store.gcs.createBucket(BUCKET, { public: true });
  },
  stop: () => store.close(),
  origin: () => store.url,
  storage: (proxy) => gcsStorage({ bucket: BUCKET, apiEndpoint: proxy.url, credentials: store.serviceAccount, maxRetries: 1 }),
  fault: gcsFault,
  // A resumable upload starts with a POST that names the object.
  writeOf: (suffix) => ({ method, url }) => method === 'POST' && (url.searchParams.get('name') ?? '').endsWith(suffix),
  objects: async () => store.gcs.objectNames(BUCKET),
};

describe.each([s3Backend, gcsBackend])('the relay archiving with $name', (backend) => {
  let guard: LoopbackGuard;
  let proxy: FaultProxy;
  let h: Harness | undefined;

  beforeAll(async () => {
    guard = onlyLoopback();
    await backend.start();
  });
  afterAll(async () => {
    await backend.stop();
    guard.restore();
    expect(guard.refused).toEqual([]);
  });
  beforeEach(async () => {
    proxy = await startFaultProxy(backend.origin());
  });
  afterEach(async () => {
    await h?.close();
    h = undefined;
    await proxy.close();
  });

  test('a store answering 503 then 200: 200 with a URL that serves the PNG', async () => {
    h = await startHarness({ storage: backend.storage(proxy) });
    proxy.script(backend.fault(503), { match: uploadsBytes });
    const res = await h.http.post('/v1/images/generations').send(REQUEST);

    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(1);
    const image = await fetch(res.body.data[0].url as string);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await image.arrayBuffer()).subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(proxy.requests.some((r) => r.status === 503)).toBe(true);
  });

  test('a store always answering 500: 502 storage_error, no URL, nothing left in the bucket', async () => {
    h = await startHarness({ storage: backend.storage(proxy) });
    const before = await backend.objects();
    proxy.script(backend.fault(500), { times: Infinity, match: uploadsBytes });
    const res = await h.http.post('/v1/images/generations').send({ ...REQUEST, n: 2 });

    expect(res.status).toBe(502);
    expect(res.body).toEqual({
      error: { message: expect.any(String), type: 'upstream_error', param: null, code: 'storage_error' },
    });
    expect(JSON.stringify(res.body)).not.toContain(BUCKET);
    await deletesAnswered(proxy, 2);
    expect(await backend.objects()).toEqual(before);
  });

  test('one of two writes fails while the other is still in flight: 502, and the one that lands late is removed too', async () => {
    h = await startHarness({ storage: backend.storage(proxy) });
    await h.emulator.prerender([{ resolution: '1K', aspectRatio: '1:1' }]);
    const before = await backend.objects();
    proxy.script(backend.fault(500), { times: Infinity, match: backend.writeOf('-1.png') });
    // The second image is written, but the store confirms it only after the first has failed.
    proxy.script({ type: 'delay', ms: 1500 }, { match: backend.writeOf('-2.png') });
    const res = await h.http.post('/v1/images/generations').send({ ...REQUEST, n: 2 });

    expect(res.status).toBe(502);
    expect(res.body.error).toMatchObject({ code: 'storage_error' });
    expect(proxy.requests.some((r) => r.fault === 'delay' && r.status > 0)).toBe(true);
    await deletesAnswered(proxy);
    expect(await backend.objects()).toEqual(before);
  });

  test('a store slower than the deadline: 504, the upload is cancelled and nothing is left', async () => {
    h = await startHarness({ storage: backend.storage(proxy), limits: { deadlineMs: 5000 } });
    await h.emulator.prerender([{ resolution: '1K', aspectRatio: '1:1' }]);
    const before = await backend.objects();
    // The store keeps the bytes but never answers in time.
    proxy.script({ type: 'delay', ms: 120_000 }, { match: uploadsBytes });
    const started = Date.now();
    const res = await h.http.post('/v1/images/generations').send(REQUEST);

    expect(res.status).toBe(504);
    expect(res.body.error).toMatchObject({ code: 'deadline_exceeded', type: 'upstream_error' });
    expect(Date.now() - started).toBeLessThan(30_000);
    const upload = proxy.requests.find((r) => r.fault === 'delay');
    expect(upload).toBeDefined();
    await eventually(() => upload!.clientLeft);
    await deletesAnswered(proxy);
    expect(await backend.objects()).toEqual(before);
  });
});
