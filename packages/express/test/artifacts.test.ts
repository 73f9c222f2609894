import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { binary, pathOf, startHarness, type Harness } from './support/harness.js';

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
    '/task-artifacts/../package.json',
    '/task-artifacts/%2e%2e/%2e%2e/etc/passwd',
    '/task-artifacts/2026%2F..%2F..%2Fsecret.png',
    '/task-artifacts/%252e%252e/x.png',
    '/task-artifacts/..%5c..%5cwin.ini',
    '/task-artifacts//etc/passwd',
    '/task-artifacts/2026/01/01/sync-image/nothing-1.png',
  ])('%s → 404', async (attempt) => {
    const res = await h.http.get(attempt);
    expect(res.status).toBe(404);
    // Served by the relay (not the host's 404), whether the client normalized the path or not.
    expect(['artifact_not_found', 'not_found']).toContain(res.body.error?.code);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });
});
