import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { artifactKey } from '../../src/storage/artifact-key.js';
import { localDiskStorage } from '../../src/storage/local-disk-storage.js';
import type { Storage, StoredFile } from '../../src/storage/storage.js';
import { bytesOf, collect, listFiles, tempDir } from './helpers.js';

const PNG = { contentType: 'image/png' };
let root: string; // owns `dir`, so escapes into its parent stay observable and cleaned up
let dir: string;
let cleanup: () => Promise<void>;
let storage: Storage & Required<Pick<Storage, 'read' | 'delete'>>;

beforeEach(async () => {
  ({ dir: root, cleanup } = await tempDir());
  dir = path.join(root, 'store');
  storage = localDiskStorage({ dir, publicBaseUrl: 'https://relay.example.com/' }) as typeof storage;
});
afterEach(() => cleanup());

async function* chunked(bytes: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function mustRead(key: string): Promise<StoredFile> {
  const file = await storage.read(key);
  if (!file) throw new Error(`expected ${key} to be readable`);
  return file;
}

describe('localDiskStorage', () => {
  it('stores bytes and returns the public URL (no double slash) and byte count', async () => {
    const key = artifactKey({ index: 1, ext: 'png' });
    const bytes = bytesOf(1000);
    const result = await storage.put(key, bytes, PNG);
    expect(result).toEqual({ url: `https://relay.example.com/${key}`, bytes: 1000 });
    expect(await readFile(path.join(dir, key))).toEqual(bytes);
    expect(await listFiles(dir)).toEqual([key]);
  });

  it('streams an async-iterable body to disk and reads it back byte-identical', async () => {
    const key = artifactKey({ index: 2, ext: 'jpg' });
    const bytes = bytesOf(3 * 1024 * 1024 + 17, 7);
    const result = await storage.put(key, chunked(bytes, 65_536), { contentType: 'image/jpeg' });
    expect(result.bytes).toBe(bytes.length);
    const file = await mustRead(key);
    expect(file.size).toBe(bytes.length);
    expect(file.contentType).toBe('image/jpeg');
    // Buffer#equals: jest's deep equality is very slow on megabytes.
    expect((await collect(file.stream())).equals(bytes)).toBe(true);
    expect(await collect(file.stream({ start: 10, end: 19 }))).toEqual(bytes.subarray(10, 20));
  });

  it('reports content types by extension and a quoted, stable etag', async () => {
    await storage.put('a/x-1.png', bytesOf(10), PNG);
    await storage.put('a/x-1.webp', bytesOf(10), { contentType: 'image/webp' });
    const png = await mustRead('a/x-1.png');
    expect(png.contentType).toBe('image/png');
    expect((await mustRead('a/x-1.webp')).contentType).toBe('image/webp');
    expect(png.etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+"$/);
    expect((await mustRead('a/x-1.png')).etag).toBe(png.etag);
    expect(png.lastModified).toBeInstanceOf(Date);
  });

  it('changes the etag when the artifact is replaced', async () => {
    await storage.put('a/x-1.png', bytesOf(10), PNG);
    const before = (await mustRead('a/x-1.png')).etag;
    await storage.put('a/x-1.png', bytesOf(11), PNG);
    expect((await mustRead('a/x-1.png')).etag).not.toBe(before);
  });

  it('leaves nothing behind when the body fails half-way', async () => {
    const key = artifactKey({ index: 1, ext: 'png' });
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield bytesOf(100_000);
      throw new Error('upstream reset');
    }
    await expect(storage.put(key, failing(), PNG)).rejects.toThrow('upstream reset');
    expect(await listFiles(root)).toEqual([]);
    expect(await storage.read(key)).toBeUndefined();
  });

  it('leaves nothing behind when aborted mid-write, even with a stalled body', async () => {
    const key = artifactKey({ index: 1, ext: 'png' });
    const controller = new AbortController();
    async function* stalling(): AsyncGenerator<Uint8Array> {
      yield bytesOf(50_000);
      setTimeout(() => controller.abort(new Error('client went away')), 20);
      await new Promise(() => undefined); // upstream never sends the rest
    }
    await expect(storage.put(key, stalling(), { ...PNG, signal: controller.signal })).rejects.toThrow();
    expect(await listFiles(root)).toEqual([]);
  });

  it('leaves nothing behind when aborted between chunks', async () => {
    const key = artifactKey({ index: 1, ext: 'png' });
    const controller = new AbortController();
    async function* body(): AsyncGenerator<Uint8Array> {
      yield bytesOf(10_000);
      controller.abort();
      yield bytesOf(10_000);
      yield bytesOf(10_000);
    }
    await expect(storage.put(key, body(), { ...PNG, signal: controller.signal })).rejects.toThrow();
    expect(await listFiles(root)).toEqual([]);
  });

  it('writes nothing when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(storage.put('a/x-1.png', bytesOf(10), { ...PNG, signal: controller.signal })).rejects.toThrow();
    expect(await listFiles(root)).toEqual([]);
  });

  it('keeps the previous artifact intact when a rewrite fails', async () => {
    await storage.put('a/x-1.png', bytesOf(10, 1), PNG);
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield bytesOf(5, 2);
      throw new Error('boom');
    }
    await expect(storage.put('a/x-1.png', failing(), PNG)).rejects.toThrow('boom');
    expect(await collect((await mustRead('a/x-1.png')).stream())).toEqual(bytesOf(10, 1));
    expect(await listFiles(dir)).toEqual(['a/x-1.png']);
  });

  it.each(['../escape.png', '/abs.png', 'a/../../escape.png', 'a\\b.png', 'a/x.png.1234.tmp', ''])(
    'refuses to write the unsafe key %j',
    async (key) => {
      await expect(storage.put(key, bytesOf(10), PNG)).rejects.toThrow();
      expect(await listFiles(root)).toEqual([]);
    },
  );

  it('refuses to write through a symlinked folder that leads out of dir', async () => {
    const outside = await tempDir();
    try {
      await mkdir(dir);
      await symlink(outside.dir, path.join(dir, 'evil'));
      await expect(storage.put('evil/x-1.png', bytesOf(10), PNG)).rejects.toThrow();
      expect(await listFiles(outside.dir)).toEqual([]);
    } finally {
      await outside.cleanup();
    }
  });

  it('never serves temp files, unsafe keys, folders or missing keys', async () => {
    await mkdir(path.join(dir, 'a'), { recursive: true });
    await writeFile(path.join(dir, 'a', 'x-1.png.0123abcd.tmp'), 'partial');
    await writeFile(path.join(dir, 'a', '.hidden'), 'secret');
    expect(await storage.read('a/x-1.png.0123abcd.tmp')).toBeUndefined();
    expect(await storage.read('a/.hidden')).toBeUndefined();
    expect(await storage.read('a')).toBeUndefined();
    expect(await storage.read('a/missing.png')).toBeUndefined();
    expect(await storage.read('a/../a/x-1.png')).toBeUndefined();
  });

  it('refuses symlinks (file or folder) that point outside dir', async () => {
    const outside = await tempDir();
    try {
      await writeFile(path.join(outside.dir, 'secret.png'), 'secret');
      await mkdir(path.join(dir, 'a'), { recursive: true });
      await symlink(path.join(outside.dir, 'secret.png'), path.join(dir, 'a', 'link-1.png'));
      await symlink(outside.dir, path.join(dir, 'out'));
      expect(await storage.read('a/link-1.png')).toBeUndefined();
      expect(await storage.read('out/secret.png')).toBeUndefined();
    } finally {
      await outside.cleanup();
    }
  });

  it('deletes artifacts, ignoring missing and unsafe keys', async () => {
    await storage.put('a/x-1.png', bytesOf(10), PNG);
    await storage.delete('a/x-1.png');
    expect(await storage.read('a/x-1.png')).toBeUndefined();
    await expect(storage.delete('a/x-1.png')).resolves.toBeUndefined();
    await expect(storage.delete('../x.png')).resolves.toBeUndefined();
  });
});
