import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { artifactKeyFromPath, serveArtifact } from '../../src/http/serve-artifact.js';
import { artifactKey } from '../../src/storage/artifact-key.js';
import { localDiskStorage } from '../../src/storage/local-disk-storage.js';
import { memoryStorage } from '../../src/storage/memory-storage.js';
import type { Storage, StoredFile } from '../../src/storage/storage.js';
import { bytesOf, tempDir } from '../storage/helpers.js';

const ORIGIN = 'http://relay.test';
const BYTES = bytesOf(1000, 3);
let root: string;
let dir: string;
let cleanup: () => Promise<void>;
let storage: Storage;
let key: string;

beforeEach(async () => {
  ({ dir: root, cleanup } = await tempDir());
  dir = path.join(root, 'store');
  storage = localDiskStorage({ dir, publicBaseUrl: ORIGIN });
  key = artifactKey({ index: 1, ext: 'png' });
  await storage.put(key, BYTES, { contentType: 'image/png' });
  await writeFile(path.join(root, 'secret.png'), 'top secret');
});
afterEach(() => cleanup());

/** Routes a raw request path the way an adapter does: path → key → serveArtifact. */
function get(pathname: string, init: RequestInit = {}): Promise<Response> {
  const request = new Request(`${ORIGIN}/any`, init);
  return serveArtifact(request, storage, artifactKeyFromPath(pathname) ?? '');
}

const bodyOf = async (res: Response): Promise<Buffer> => Buffer.from(await res.arrayBuffer());

async function expectNotFound(res: Response): Promise<void> {
  expect(res.status).toBe(404);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(await res.json()).toEqual({
    error: { message: expect.any(String), type: 'not_found_error', param: null, code: 'artifact_not_found' },
  });
}

describe('serveArtifact', () => {
  it('serves the artifact with its headers', async () => {
    const res = await get(`/${key}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('content-length')).toBe('1000');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('etag')).toMatch(/^"[^"]+"$/);
    expect(new Date(res.headers.get('last-modified') ?? '').getTime()).not.toBeNaN();
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect((await bodyOf(res)).equals(BYTES)).toBe(true);
  });

  it('answers HEAD with the same headers and no body', async () => {
    const res = await get(`/${key}`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('1000');
    expect(res.headers.get('etag')).toMatch(/^"/);
    expect(res.body).toBeNull();
  });

  it.each(['POST', 'PUT', 'DELETE', 'PATCH'])('refuses %s with 405 and Allow', async (method) => {
    const res = await get(`/${key}`, { method, ...(method === 'POST' || method === 'PUT' ? { body: 'x' } : {}) });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect(await res.json()).toEqual({
      error: { message: expect.any(String), type: 'invalid_request_error', param: null, code: 'method_not_allowed' },
    });
  });

  it('answers 304 to a matching If-None-Match (also weak, listed or *)', async () => {
    const etag = (await get(`/${key}`)).headers.get('etag') ?? '';
    for (const header of [etag, `W/${etag}`, `"nope", ${etag}`, '*']) {
      const res = await get(`/${key}`, { headers: { 'If-None-Match': header } });
      expect(res.status).toBe(304);
      expect(res.headers.get('etag')).toBe(etag);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(await res.text()).toBe('');
    }
    expect((await get(`/${key}`, { headers: { 'If-None-Match': '"other"' } })).status).toBe(200);
  });

  it('answers 304 to If-Modified-Since unless If-None-Match is present', async () => {
    const lastModified = (await get(`/${key}`)).headers.get('last-modified') ?? '';
    expect((await get(`/${key}`, { headers: { 'If-Modified-Since': lastModified } })).status).toBe(304);
    const earlier = new Date(Date.parse(lastModified) - 60_000).toUTCString();
    expect((await get(`/${key}`, { headers: { 'If-Modified-Since': earlier } })).status).toBe(200);
    const both = { 'If-Modified-Since': lastModified, 'If-None-Match': '"other"' };
    expect((await get(`/${key}`, { headers: both })).status).toBe(200);
  });

  it('serves a byte range with 206', async () => {
    const res = await get(`/${key}`, { headers: { Range: 'bytes=100-199' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe('bytes 100-199/1000');
    expect(res.headers.get('content-length')).toBe('100');
    expect((await bodyOf(res)).equals(BYTES.subarray(100, 200))).toBe(true);
  });

  it('serves open-ended, clamped and suffix ranges', async () => {
    const open = await get(`/${key}`, { headers: { Range: 'bytes=990-' } });
    expect(open.headers.get('content-range')).toBe('bytes 990-999/1000');
    expect((await bodyOf(open)).equals(BYTES.subarray(990))).toBe(true);

    const clamped = await get(`/${key}`, { headers: { Range: 'bytes=995-5000' } });
    expect(clamped.headers.get('content-range')).toBe('bytes 995-999/1000');
    expect((await bodyOf(clamped)).equals(BYTES.subarray(995))).toBe(true);

    const suffix = await get(`/${key}`, { headers: { Range: 'bytes=-10' } });
    expect(suffix.status).toBe(206);
    expect(suffix.headers.get('content-range')).toBe('bytes 990-999/1000');
    expect((await bodyOf(suffix)).equals(BYTES.subarray(990))).toBe(true);

    const bigSuffix = await get(`/${key}`, { headers: { Range: 'bytes=-5000' } });
    expect(bigSuffix.headers.get('content-range')).toBe('bytes 0-999/1000');
    expect((await bodyOf(bigSuffix)).equals(BYTES)).toBe(true);
  });

  it.each(['bytes=1000-', 'bytes=5000-6000', 'bytes=-0'])('answers 416 to the unsatisfiable %s', async (range) => {
    const res = await get(`/${key}`, { headers: { Range: range } });
    expect(res.status).toBe(416);
    expect(res.headers.get('content-range')).toBe('bytes */1000');
    expect((await res.json()).error.code).toBe('range_not_satisfiable');
  });

  it.each(['bytes=0-1, 5-6', 'bytes=5-1', 'bytes=-', 'items=0-1', 'bytes=a-b', 'bytes=0-1-2'])(
    'ignores the multiple or malformed range %j and sends everything',
    async (range) => {
      const res = await get(`/${key}`, { headers: { Range: range } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-range')).toBeNull();
      expect((await bodyOf(res)).equals(BYTES)).toBe(true);
    },
  );

  it('honours If-Range only when it still matches', async () => {
    const first = await get(`/${key}`);
    const etag = first.headers.get('etag') ?? '';
    const lastModified = first.headers.get('last-modified') ?? '';
    expect((await get(`/${key}`, { headers: { Range: 'bytes=0-9', 'If-Range': etag } })).status).toBe(206);
    expect((await get(`/${key}`, { headers: { Range: 'bytes=0-9', 'If-Range': lastModified } })).status).toBe(206);
    const stale = await get(`/${key}`, { headers: { Range: 'bytes=0-9', 'If-Range': '"stale"' } });
    expect(stale.status).toBe(200);
    expect((await bodyOf(stale)).equals(BYTES)).toBe(true);
    // Weak tags never match If-Range (strong comparison).
    expect((await get(`/${key}`, { headers: { Range: 'bytes=0-9', 'If-Range': `W/${etag}` } })).status).toBe(200);
  });

  it('ignores Range on HEAD', async () => {
    const res = await get(`/${key}`, { method: 'HEAD', headers: { Range: 'bytes=0-9' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('1000');
  });

  it('answers 404 to an unknown key', async () => {
    await expectNotFound(await get('/task-artifacts/2026/01/01/sync-image/nope-1.png'));
    const head = await get('/task-artifacts/nope-1.png', { method: 'HEAD' });
    expect(head.status).toBe(404);
    expect(head.body).toBeNull();
  });

  it.each([
    '/task-artifacts/../secret.png',
    '/task-artifacts/..%2Fsecret.png',
    '/task-artifacts/%2e%2e/secret.png',
    '/task-artifacts/%2E%2E%2Fsecret.png',
    '/task-artifacts/%252e%252e/secret.png',
    '/task-artifacts/%252e%252e%252fsecret.png',
    '/task-artifacts/..%5Csecret.png',
    '/task-artifacts/..\\secret.png',
    '/task-artifacts/%00/secret.png',
    '/task-artifacts//etc/passwd',
    '/task-artifacts/%2Fetc%2Fpasswd',
    '/task-artifacts/%E0%A4%A',
    '/task-artifacts/./secret.png',
    '/secret.png',
    '/task-artifacts',
    '/task-artifacts/',
  ])('answers 404 to the traversal attempt %s', async (pathname) => {
    await expectNotFound(await get(pathname));
  });

  it.each(['task-artifacts/../../secret.png', '../secret.png', path.resolve('secret.png'), '/etc/passwd', 'a\\..\\secret.png', 'task-artifacts/%2e%2e/x'])(
    'answers 404 to the unsafe raw key %j',
    async (rawKey) => {
      await expectNotFound(await serveArtifact(new Request(ORIGIN), storage, rawKey));
    },
  );

  it('answers 404 for symlinks pointing outside the storage dir', async () => {
    await mkdir(path.join(dir, 'task-artifacts', 'links'), { recursive: true });
    await symlink(path.join(root, 'secret.png'), path.join(dir, 'task-artifacts', 'links', 'x-1.png'));
    await symlink(root, path.join(dir, 'task-artifacts', 'up'));
    await expectNotFound(await get('/task-artifacts/links/x-1.png'));
    await expectNotFound(await get('/task-artifacts/up/secret.png'));
  });

  it('answers 404 when the storage cannot read back', async () => {
    const writeOnly: Storage = { put: async () => ({ url: '', bytes: 0 }) };
    await expectNotFound(await serveArtifact(new Request(`${ORIGIN}/x`), writeOnly, key));
  });

  it('serves from memoryStorage too', async () => {
    const memory = memoryStorage({ publicBaseUrl: ORIGIN });
    await memory.put(key, BYTES, { contentType: 'image/png' });
    const res = await serveArtifact(new Request(`${ORIGIN}/x`, { headers: { Range: 'bytes=-3' } }), memory, key);
    expect(res.status).toBe(206);
    expect((await bodyOf(res)).equals(BYTES.subarray(997))).toBe(true);
  });

  it('pulls the source lazily and stops it when the client cancels', async () => {
    let produced = 0;
    let closed = false;
    const endless: StoredFile = {
      size: 1 << 30,
      contentType: 'image/png',
      etag: '"e"',
      lastModified: new Date(),
      async *stream() {
        try {
          for (;;) {
            produced++;
            yield new Uint8Array(1024);
          }
        } finally {
          closed = true;
        }
      },
    };
    const fake: Storage = { put: async () => ({ url: '', bytes: 0 }), read: async () => endless };
    const res = await serveArtifact(new Request(`${ORIGIN}/x`), fake, 'x-1.png');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(produced).toBe(0); // nothing is read before the client reads
    const reader = res.body!.getReader();
    await reader.read();
    await reader.read();
    expect(produced).toBeLessThanOrEqual(3); // backpressure: no read-ahead beyond demand
    await reader.cancel();
    expect(closed).toBe(true);
  });
});

describe('artifactKeyFromPath', () => {
  it('returns the decoded key under the prefix', () => {
    expect(artifactKeyFromPath('/task-artifacts/2026/03/31/sync-image/a-1.png')).toBe(
      'task-artifacts/2026/03/31/sync-image/a-1.png',
    );
    expect(artifactKeyFromPath('/task-artifacts/a%2D1.png')).toBe('task-artifacts/a-1.png');
    expect(artifactKeyFromPath('/files/x/a-1.png', 'files/x')).toBe('files/x/a-1.png');
  });

  it('keeps a once-decoded % so that double encodings are refused downstream', () => {
    expect(artifactKeyFromPath('/task-artifacts/%252e%252e/a.png')).toBe('task-artifacts/%2e%2e/a.png');
  });

  it.each([
    '/other/a-1.png',
    '/task-artifactsX/a-1.png',
    'task-artifacts/a-1.png',
    '/task-artifacts',
    '/task-artifacts/',
    '/task-artifacts/%2e%2e/a.png',
    '/task-artifacts/%2F/a.png',
    '/task-artifacts/a%5Cb.png',
    '/task-artifacts/a%00.png',
    '/task-artifacts/%',
    '/task-artifacts/../a.png',
  ])('returns undefined for %s', (pathname) => {
    expect(artifactKeyFromPath(pathname)).toBeUndefined();
  });
});
