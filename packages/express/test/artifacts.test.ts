import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRelay, memoryStorage } from '@banana-relay/core';
import { binary, pathOf, startHarness, type Harness, type HarnessOptions } from './support/harness.js';

const SENTINEL = Buffer.from('sentinel-outside-the-artifact-tree');

describe('artifact files served by the router', () => {
  let h: Harness;
  let path: string;
  let whole: Buffer;
  beforeAll(async () => {
    h = await startHarness();
    const res = await h.http.post('/v1/images/generations').send({ model: 'nano-banana-pro', prompt: 'a banana' });
    path = pathOf(res.body.data[0].url);
    whole = (await h.http.get(path).buffer(true).parse(binary)).body as Buffer;
  });
  afterAll(() => h.close());

  test('the file exists on disk under the key, with no temp file beside it', async () => {
    const dir = join(h.storageDir, ...path.split('/').slice(1, -1));
    const files = await readdir(dir);
    expect(files).toEqual([path.split('/').at(-1)]);
  });

  test('GET: type, nosniff, ETag, immutable caching', async () => {
    const res = await h.http.get(path).buffer(true).parse(binary);
    expect(res.status).toBe(200);
    expect(res.headers).toMatchObject({
      'content-type': 'image/png',
      'x-content-type-options': 'nosniff',
      'accept-ranges': 'bytes',
      'content-length': String(whole.length),
    });
    expect(res.headers['cache-control']).toContain('immutable');
    expect(res.headers.etag).toMatch(/^"/);
  });

  test('If-None-Match → 304', async () => {
    const { headers } = await h.http.head(path);
    const res = await h.http.get(path).set('If-None-Match', headers.etag as string);
    expect(res.status).toBe(304);
  });

  test('HEAD: headers, no body', async () => {
    const res = await h.http.head(path);
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe(String(whole.length));
  });

  test('Range: the exact bytes, 206 and Content-Range', async () => {
    const res = await h.http.get(path).set('Range', 'bytes=100-199').buffer(true).parse(binary);
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes 100-199/${whole.length}`);
    expect(Buffer.compare(res.body as Buffer, whole.subarray(100, 200))).toBe(0);
  });

  test('suffix Range and unsatisfiable Range', async () => {
    const tail = await h.http.get(path).set('Range', 'bytes=-10').buffer(true).parse(binary);
    expect(tail.status).toBe(206);
    expect(Buffer.compare(tail.body as Buffer, whole.subarray(whole.length - 10))).toBe(0);
    const bad = await h.http.get(path).set('Range', `bytes=${whole.length + 10}-`);
    expect(bad.status).toBe(416);
  });

  test.each([
    '/task-artifacts/../sentinel.png',
    '/task-artifacts/%2e%2e/sentinel.png',
    '/task-artifacts/..%2Fsentinel.png',
    '/task-artifacts/%2e%2e%2fsentinel.png',
    '/task-artifacts/%252e%252e/sentinel.png',
    '/task-artifacts/..%5csentinel.png',
    '/task-artifacts//sentinel.png',
    `/task-artifacts/${'%2e%2e/'.repeat(8)}etc/passwd`,
    '/task-artifacts/2026/01/01/sync-image/nothing-1.png',
  ])('%s → 404, never a file outside the artifact tree', async (attempt) => {
    // A file just outside the served tree (the storage dir's root), as a traversal target.
    await writeFile(join(h.storageDir, 'sentinel.png'), SENTINEL);
    const res = await h.http.get(attempt).buffer(true).parse(binary);
    expect(res.status).toBe(404);
    expect((res.body as Buffer).includes(SENTINEL)).toBe(false);
  });
});

/** Starts a harness for one test, and closes it whatever happens. */
async function withHarness(options: HarnessOptions, run: (h: Harness) => Promise<void>): Promise<void> {
  const h = await startHarness(options);
  try {
    await run(h);
  } finally {
    await h.close();
  }
}

/** Generates one image through the route at `route`; returns its artifact path once it is seen to serve the PNG. */
async function servedArtifact(h: Harness, route: string): Promise<string> {
  const res = await h.http.post(route).send({ model: 'nano-banana-pro', prompt: 'a banana' });
  expect(res.status).toBe(200);
  const path = pathOf(res.body.data[0].url as string);
  const file = await h.http.get(path).buffer(true).parse(binary);
  expect(file.status).toBe(200);
  expect(file.headers['content-type']).toBe('image/png');
  return path;
}

describe('mounted under a path', () => {
  test('with the path in publicBaseUrl, the returned URL serves the file; the route and the files move together', async () => {
    await withHarness({ mountPath: '/api' }, async (h) => {
      expect(await servedArtifact(h, '/api/v1/images/generations')).toMatch(/^\/api\/task-artifacts\//);
      expect((await h.http.post('/v1/images/generations').send({ model: 'nano-banana-pro', prompt: 'x' })).status).toBe(404);
    });
  });
});

describe('artifactPrefix', () => {
  test("written as a URL folder ('/media/') it is the folder 'media'; an unusable one fails at startup, before any upstream call", async () => {
    await withHarness({ artifactPrefix: '/media/' }, async (h) => {
      expect(await servedArtifact(h, '/v1/images/generations')).toMatch(/^\/media\/\d{4}\//);
    });
    for (const artifactPrefix of ['', '/', 'a b', '../up', 'media//x']) {
      expect(() => createRelay({ carriers: [], storage: memoryStorage({ publicBaseUrl: 'http://127.0.0.1' }), artifactPrefix })).toThrow(/artifactPrefix/);
    }
  });
});

describe('memoryStorage too small for a whole request', () => {
  test('n = 2 with room for one image: 502 storage_error, never a URL that is already gone', async () => {
    // Room for one 1K image of the emulator's (about 1 MB for this prompt), not two.
    const storage = memoryStorage({ publicBaseUrl: 'http://127.0.0.1', maxBytes: 1_500_000 });
    await withHarness({ storage }, async (h) => {
      const res = await h.http.post('/v1/images/generations').send({ model: 'nano-banana-pro', prompt: 'a banana', n: 2 });
      expect(res.status).toBe(502);
      expect(res.body.error.code).toBe('storage_error');
      expect(storage.keys()).toEqual([]);
    });
  });
});
