/**
 * The emulator's Cloud Storage endpoints, driven by the real `@google-cloud/storage` client (what it
 * sends must be stored byte for byte) and by raw HTTP for the protocol edges the client rarely hits.
 */
import { createHash } from 'node:crypto';
import { CRC32C, Storage as GcsClient } from '@google-cloud/storage';
import { startEmulator, type Emulator } from '@banana-relay/emulator';
import { bytesOf } from '../storage/helpers.js';
import { onlyLoopback, type LoopbackGuard } from './support/loopback-only.js';

const PUBLIC = 'emu-public';
const PRIVATE = 'emu-private';
let guard: LoopbackGuard;
let emu: Emulator;
let client: GcsClient;

beforeAll(async () => {
  guard = onlyLoopback();
  emu = await startEmulator();
  emu.gcs.createBucket(PUBLIC, { public: true });
  emu.gcs.createBucket(PRIVATE);
  client = new GcsClient({ apiEndpoint: emu.url, credentials: emu.serviceAccount, projectId: emu.serviceAccount.project_id, retryOptions: { maxRetries: 0 } });
});
afterAll(async () => {
  await emu.close();
  guard.restore();
  expect(guard.refused).toEqual([]);
});

/** The client library's own CRC32C, to check the emulator's against. */
function crc32cOf(bytes: Buffer): string {
  const crc = new CRC32C();
  crc.update(bytes);
  return crc.toString();
}
const md5Of = (bytes: Buffer): string => createHash('md5').update(bytes).digest('base64');

/** Starts a resumable session with raw HTTP; returns its URI. */
async function session(name: string, query = ''): Promise<string> {
  const res = await fetch(`${emu.url}/upload/storage/v1/b/${PUBLIC}/o?uploadType=resumable&name=${encodeURIComponent(name)}${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-upload-content-type': 'image/png' },
    body: JSON.stringify({ metadata: { requestId: 'r' } }),
  });
  expect(res.status).toBe(200);
  return res.headers.get('location')!;
}

const putChunk = (uri: string, range: string, body?: Buffer, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(uri, { method: 'PUT', headers: { 'content-range': range, ...headers }, ...(body ? { body: new Uint8Array(body) } : {}) });

describe('GCS emulator: uploads from @google-cloud/storage', () => {
  test('a multipart upload is stored byte for byte with the resource fields it sent; metadata and media read back', async () => {
    const body = bytesOf(123_457, 11);
    const file = client.bucket(PUBLIC).file('multipart/one.png');
    await file.save(body, { resumable: false, metadata: { contentType: 'image/png', cacheControl: 'no-cache', metadata: { requestId: 'r1' } } });

    const stored = emu.gcs.object(PUBLIC, 'multipart/one.png')!;
    expect(stored.bytes.equals(body)).toBe(true);
    expect(stored).toMatchObject({ contentType: 'image/png', cacheControl: 'no-cache', metadata: { requestId: 'r1' }, crc32c: crc32cOf(body), md5Hash: md5Of(body) });
    const [metadata] = await file.getMetadata();
    expect(metadata).toMatchObject({ name: 'multipart/one.png', bucket: PUBLIC, size: String(body.length), crc32c: crc32cOf(body), md5Hash: md5Of(body), contentType: 'image/png' });
    const [downloaded] = await file.download();
    expect(downloaded.equals(body)).toBe(true);
    const upload = emu.requests.find((r) => r.method === 'POST' && r.kind === 'gcs');
    expect(upload?.body).toEqual({ contentType: 'image/png', cacheControl: 'no-cache', metadata: { requestId: 'r1' } });
  });

  test('a resumable upload of unknown length in one request (bytes 0-*/*) is stored whole', async () => {
    const body = bytesOf(300_000, 12);
    const file = client.bucket(PUBLIC).file('resumable/stream.png');
    await new Promise<void>((resolve, reject) => {
      const out = file.createWriteStream({ resumable: true, metadata: { contentType: 'image/png' } });
      out.on('error', reject).on('finish', resolve);
      for (let at = 0; at < body.length; at += 50_000) out.write(body.subarray(at, at + 50_000));
      out.end();
    });
    expect(emu.gcs.object(PUBLIC, 'resumable/stream.png')!.bytes.equals(body)).toBe(true);
  });

  test('delete removes; a second delete and a read of a missing object are 404s in the JSON API error shape', async () => {
    const file = client.bucket(PUBLIC).file('to-delete.png');
    await file.save(Buffer.from('x'), { resumable: false });
    await file.delete();
    expect(emu.gcs.object(PUBLIC, 'to-delete.png')).toBeUndefined();
    await expect(file.delete()).rejects.toMatchObject({ code: 404 });
    const res = await fetch(`${emu.url}/storage/v1/b/${PUBLIC}/o/${encodeURIComponent('to-delete.png')}`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { code: 404, message: `No such object: ${PUBLIC}/to-delete.png`, errors: [{ message: `No such object: ${PUBLIC}/to-delete.png`, domain: 'global', reason: 'notFound' }] },
    });
  });
});

describe('GCS emulator: the resumable protocol', () => {
  test('chunks append, a status query reports the persisted range, an overlapping resend keeps only the new tail', async () => {
    const body = bytesOf(30, 13);
    const uri = await session('chunks/a.png');
    expect((await putChunk(uri, 'bytes 0-9/*', body.subarray(0, 10))).status).toBe(308);
    const status = await putChunk(uri, 'bytes */*');
    expect(status.status).toBe(308);
    expect(status.headers.get('range')).toBe('bytes=0-9');
    expect((await putChunk(uri, 'bytes 5-19/*', body.subarray(5, 20))).status).toBe(308);
    const done = await putChunk(uri, 'bytes 20-29/30', body.subarray(20), { 'x-goog-hash': `crc32c=${crc32cOf(body)},md5=${md5Of(body)}` });
    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject({ name: 'chunks/a.png', size: '30', contentType: 'image/png', metadata: { requestId: 'r' } });
    expect(emu.gcs.object(PUBLIC, 'chunks/a.png')!.bytes.equals(body)).toBe(true);
    // Once finished, the session answers with the object.
    expect((await putChunk(uri, 'bytes */*')).status).toBe(200);
  });

  test('a final request whose X-Goog-Hash does not match the bytes is refused and stores nothing', async () => {
    const uri = await session('chunks/bad-hash.png');
    const res = await putChunk(uri, 'bytes 0-9/10', bytesOf(10, 1), { 'x-goog-hash': `crc32c=${crc32cOf(bytesOf(10, 2))}` });
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toMatch(/CRC32C/);
    expect(emu.gcs.object(PUBLIC, 'chunks/bad-hash.png')).toBeUndefined();
  });

  test('CRC32C is the Castagnoli checksum (check value of "123456789" is 0xE3069283)', async () => {
    const res = await fetch(`${emu.url}/upload/storage/v1/b/${PUBLIC}/o?uploadType=media&name=check.txt`, { method: 'POST', body: '123456789' });
    expect(res.status).toBe(200);
    expect((await res.json()).crc32c).toBe(Buffer.from('e3069283', 'hex').toString('base64'));
  });

  test('ifGenerationMatch=0 refuses to replace an existing object (412)', async () => {
    await fetch(`${emu.url}/upload/storage/v1/b/${PUBLIC}/o?uploadType=media&name=once.png`, { method: 'POST', body: 'first' });
    const res = await fetch(`${emu.url}/upload/storage/v1/b/${PUBLIC}/o?uploadType=resumable&name=once.png&ifGenerationMatch=0`, { method: 'POST' });
    expect(res.status).toBe(412);
    expect(emu.gcs.object(PUBLIC, 'once.png')!.bytes.toString()).toBe('first');
  });

  test('an unknown bucket is 404; a bearer token the emulator did not issue is 401', async () => {
    expect((await fetch(`${emu.url}/upload/storage/v1/b/no-such-bucket/o?uploadType=media&name=x`, { method: 'POST', body: 'x' })).status).toBe(404);
    const res = await fetch(`${emu.url}/storage/v1/b/${PUBLIC}`, { headers: { authorization: 'Bearer forged' } });
    expect(res.status).toBe(401);
  });
});

describe('GCS emulator: XML API reads, public and V4-signed', () => {
  const put = (bucket: string, name: string, body: string): Promise<unknown> =>
    client.bucket(bucket).file(name).save(Buffer.from(body), { resumable: false, metadata: { contentType: 'text/plain' } });
  const sign = async (bucket: string, name: string, seconds = 600): Promise<string> =>
    (await client.bucket(bucket).file(name).getSignedUrl({ version: 'v4', action: 'read', expires: Date.now() + seconds * 1000 }))[0];

  beforeAll(async () => {
    await put(PUBLIC, 'open/hello.txt', 'hello');
    await put(PRIVATE, 'closed/secret.txt', 'secret');
    await put(PRIVATE, 'closed/other.txt', 'other');
  });

  test('a public bucket serves anonymous GET and HEAD; a missing key is NoSuchKey', async () => {
    const get = await fetch(`${emu.url}/${PUBLIC}/open/hello.txt`);
    expect(get.status).toBe(200);
    expect(await get.text()).toBe('hello');
    expect(get.headers.get('x-goog-hash')).toBe(`crc32c=${crc32cOf(Buffer.from('hello'))},md5=${md5Of(Buffer.from('hello'))}`);
    const head = await fetch(`${emu.url}/${PUBLIC}/open/hello.txt`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('5');
    const missing = await fetch(`${emu.url}/${PUBLIC}/open/nothing.txt`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('<Code>NoSuchKey</Code>');
  });

  test('a private bucket refuses anonymous reads, existing object or not', async () => {
    for (const name of ['closed/secret.txt', 'closed/nothing.txt']) {
      const res = await fetch(`${emu.url}/${PRIVATE}/${name}`);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('<Code>AccessDenied</Code>');
    }
  });

  test('a signed URL from the client verifies and serves the object', async () => {
    const res = await fetch(await sign(PRIVATE, 'closed/secret.txt'));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('secret');
  });

  test('a tampered signature, another object, another method or a too-long lifetime are refused', async () => {
    const url = new URL(await sign(PRIVATE, 'closed/secret.txt'));
    const tampered = new URL(url);
    const signature = tampered.searchParams.get('X-Goog-Signature')!;
    tampered.searchParams.set('X-Goog-Signature', `${signature.slice(0, -2)}${signature.endsWith('00') ? '11' : '00'}`);
    const other = new URL(url);
    other.pathname = `/${PRIVATE}/closed/other.txt`;
    const longer = new URL(url);
    longer.searchParams.set('X-Goog-Expires', '604801');

    for (const [target, method, status, code] of [
      [tampered, 'GET', 403, 'SignatureDoesNotMatch'],
      [other, 'GET', 403, 'SignatureDoesNotMatch'],
      [url, 'HEAD', 403, undefined],
      [longer, 'GET', 400, 'InvalidArgument'],
    ] as const) {
      const res = await fetch(target, { method });
      expect(res.status).toBe(status);
      if (code !== undefined) expect(await res.text()).toContain(`<Code>${code}</Code>`);
    }
  });

  test('every request is recorded as kind gcs', () => {
    expect(emu.requests.length).toBeGreaterThan(0);
    expect(new Set(emu.requests.map((r) => r.kind))).toEqual(new Set(['gcs']));
  });
});
