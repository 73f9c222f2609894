import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { mkdir, open, realpath, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { isSafeKey } from './artifact-key.js';
import { abortable, counted, isAsyncIterable } from './storage-body.js';
import type { PutOptions, PutResult, Storage, StoredFile } from './storage.js';

/** Options of {@link localDiskStorage}. */
export interface LocalDiskStorageOptions {
  /** Root folder of the artifacts; created on first write. */
  dir: string;
  /** Public URL the relay serves `dir` under, e.g. `https://relay.example.com`; a key is appended to it. */
  publicBaseUrl: string;
}

const TMP_SUFFIX = '.tmp';

const CONTENT_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
};

/** The Content-Type served for a key, from its extension (the relay only writes keys matching their bytes). */
function contentTypeOf(key: string): string {
  return CONTENT_TYPES[path.extname(key).toLowerCase()] ?? 'application/octet-stream';
}

function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

function isServableKey(key: string): boolean {
  // Temp files share the tree with artifacts; they must never be addressable as one.
  return isSafeKey(key) && !key.endsWith(TMP_SUFFIX);
}

async function unlinkQuietly(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** Makes a directory entry (the rename) durable; not possible on every platform, hence best-effort. */
async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Windows cannot open directories; the file data itself is already flushed.
  }
}

/**
 * Shares one run of `task(key)` among concurrent callers, without ever handing a caller a run that
 * started before it asked (group commit): a caller arriving while a run is in flight waits for the
 * next run, which every such caller shares. Used for work whose result a later call must observe
 * fresh, but that hundreds of images finishing together would otherwise repeat hundreds of times,
 * each a trip through libuv's 4-thread pool queued ahead of the file writes themselves.
 */
function coalesced<T>(task: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const running = new Map<string, Promise<T>>();
  const queued = new Map<string, Promise<T>>();
  const start = (key: string): Promise<T> => {
    const run = task(key);
    running.set(key, run);
    const forget = (): void => {
      if (running.get(key) === run) running.delete(key);
    };
    run.then(forget, forget);
    return run;
  };
  return (key) => {
    const current = running.get(key);
    if (current === undefined) return start(key);
    let next = queued.get(key);
    if (next === undefined) {
      const after = (): Promise<T> => {
        queued.delete(key);
        return start(key);
      };
      next = current.then(after, after);
      queued.set(key, next);
    }
    return next;
  };
}

/** Writes a whole buffer to a new file and flushes it: one open, write(s), fsync and close, no stream machinery. */
async function writeNewFile(file: string, bytes: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
  // `wx`: never follow or clobber a pre-existing entry.
  const handle = await open(file, 'wx');
  try {
    signal?.throwIfAborted();
    let at = 0;
    while (at < bytes.byteLength) {
      const { bytesWritten } = await handle.write(bytes, at, bytes.byteLength - at);
      at += bytesWritten;
      signal?.throwIfAborted();
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * A {@link Storage} on the local filesystem: `key` maps to `dir/key`, served back by the relay at
 * `publicBaseUrl/key`. Writes are atomic (temp file, fsync, rename), so a reader never sees a
 * partial image and a failed or aborted write leaves nothing behind.
 */
export function localDiskStorage(options: LocalDiskStorageOptions): Storage {
  const root = path.resolve(options.dir);
  const baseUrl = options.publicBaseUrl.replace(/\/+$/, '');
  // One directory fsync makes every rename done before it durable.
  const fsyncDir = coalesced(syncDir);

  /** The real path of a folder, or undefined when a symlink leads it out of `root`. */
  async function containedFolder(folder: string): Promise<string | undefined> {
    try {
      const [realRoot, realFolder] = await Promise.all([realpath(root), realpath(folder)]);
      return realFolder === realRoot || isInside(realRoot, realFolder) ? realFolder : undefined;
    } catch {
      return undefined;
    }
  }

  // Writes to one folder (a day's folder) share the mkdir and the containment check, still made after each asks.
  const createdContainedFolder = coalesced(async (folder: string) => {
    await mkdir(folder, { recursive: true });
    return containedFolder(folder);
  });

  /** The real path of a key's parent folder, refusing one that a symlink leads out of `root`. */
  async function containedParent(key: string, create: boolean): Promise<string | undefined> {
    const parent = path.dirname(path.join(root, ...key.split('/')));
    return create ? createdContainedFolder(parent) : containedFolder(parent);
  }

  async function put(key: string, body: Uint8Array | AsyncIterable<Uint8Array>, putOptions: PutOptions): Promise<PutResult> {
    if (!isServableKey(key)) throw new Error('localDiskStorage: unsafe key');
    const signal = putOptions.signal;
    signal?.throwIfAborted();
    const parent = await containedParent(key, true);
    if (parent === undefined) throw new Error('localDiskStorage: key resolves outside the storage dir');
    const final = path.join(parent, path.basename(key));
    const tmp = `${final}.${randomBytes(8).toString('hex')}${TMP_SUFFIX}`;
    let bytes = 0;
    if (!isAsyncIterable(body)) {
      // A whole buffer (the usual case): written directly, far fewer main-thread turns than a stream.
      try {
        await writeNewFile(tmp, body, signal);
        bytes = body.byteLength;
        signal?.throwIfAborted();
        await rename(tmp, final);
      } catch (err) {
        // The handle is closed by now (writeNewFile awaits it), so the unlink cannot race an open.
        await unlinkQuietly(tmp).catch(() => undefined);
        throw err;
      }
      await fsyncDir(parent);
      return { url: `${baseUrl}/${key}`, bytes };
    }
    // `wx`: never follow or clobber a pre-existing entry; `flush`: fsync before close.
    const out = createWriteStream(tmp, { flags: 'wx', flush: true });
    try {
      await pipeline(counted(abortable(body, signal), (n) => (bytes += n)), out, signal ? { signal } : {});
      signal?.throwIfAborted();
      await rename(tmp, final);
    } catch (err) {
      // Wait for the fd to close first: an open still in flight would otherwise recreate the temp file.
      if (!out.closed) await once(out, 'close').catch(() => undefined);
      await unlinkQuietly(tmp).catch(() => undefined);
      throw err;
    }
    await fsyncDir(parent);
    return { url: `${baseUrl}/${key}`, bytes };
  }

  async function del(key: string): Promise<void> {
    if (!isServableKey(key)) return;
    const parent = await containedParent(key, false);
    if (parent === undefined) return;
    await unlinkQuietly(path.join(parent, path.basename(key)));
  }

  async function read(key: string): Promise<StoredFile | undefined> {
    if (!isServableKey(key)) return undefined;
    let real: string;
    try {
      const [realRoot, realFile] = await Promise.all([realpath(root), realpath(path.join(root, ...key.split('/')))]);
      if (!isInside(realRoot, realFile)) return undefined;
      real = realFile;
    } catch {
      return undefined;
    }
    const info = await stat(real, { bigint: true }).catch(() => undefined);
    if (info === undefined || !info.isFile()) return undefined;
    const size = Number(info.size);
    // Artifacts are write-once under random names; size + mtime + inode changes on any replacement.
    const etag = `"${info.size.toString(16)}-${info.mtimeNs.toString(16)}-${info.ino.toString(16)}"`;
    return {
      size,
      contentType: contentTypeOf(key),
      etag,
      lastModified: new Date(Number(info.mtimeMs)),
      stream(range) {
        if (range && (range.start < 0 || range.end < range.start || range.end >= size)) {
          throw new RangeError('localDiskStorage: range outside the file');
        }
        return streamFile(real, range);
      },
    };
  }

  return { put, delete: del, read };
}

// A generator so the file is opened only when iterated, and closed when the consumer stops early.
async function* streamFile(file: string, range?: { start: number; end: number }): AsyncGenerator<Uint8Array> {
  const stream = createReadStream(file, range ? { start: range.start, end: range.end } : {});
  try {
    for await (const chunk of stream) yield chunk as Uint8Array;
  } finally {
    stream.destroy();
  }
}
