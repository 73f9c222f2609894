import { createHash } from 'node:crypto';
import { isSafeKey } from './artifact-key.js';
import type { PutOptions, PutResult, Storage, StoredFile } from './storage.js';
import { abortable, isAsyncIterable } from './storage-body.js';

/** Options of {@link memoryStorage}. */
export interface MemoryStorageOptions {
  /** Public URL the relay serves artifacts under; a key is appended to it. */
  publicBaseUrl: string;
  /** Total bytes kept; the oldest artifacts are evicted beyond it. Defaults to 256 MiB. */
  maxBytes?: number;
}

/** A {@link Storage} kept in memory, with the keys it holds (oldest first) for inspection. */
export type MemoryStorage = Storage & { keys(): string[] };

interface Entry {
  bytes: Buffer;
  /** The archive it was stored by (`metadata.artifactId`, one per request): never evicted to make room for that archive's other images. */
  batch: string | undefined;
  contentType: string;
  etag: string;
  lastModified: Date;
}

const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;
/** Chunk size when streaming back, so one huge enqueue does not defeat backpressure. */
const CHUNK = 64 * 1024;

async function collect(body: Uint8Array | AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<Buffer> {
  if (!isAsyncIterable(body)) return Buffer.from(body); // copies: later caller mutations must not leak in
  const chunks: Buffer[] = [];
  // A stalled body cannot outlive an abort.
  for await (const chunk of abortable(body, signal)) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

async function* slices(bytes: Buffer, start: number, end: number): AsyncGenerator<Uint8Array> {
  for (let at = start; at <= end; at += CHUNK) yield bytes.subarray(at, Math.min(at + CHUNK, end + 1));
}

/**
 * An in-memory {@link Storage} for tests and ephemeral setups. Bounded by `maxBytes`: storing past it
 * evicts the oldest artifacts (whose URLs then answer 404), except the other images of the request
 * being stored (with no room left without them, the write fails). Artifacts are lost on restart.
 */
export function memoryStorage(options: MemoryStorageOptions): MemoryStorage {
  const baseUrl = options.publicBaseUrl.replace(/\/+$/, '');
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  // Checked now: a store that can hold nothing would fail every request, after its upstream calls.
  if (!(maxBytes > 0)) throw new TypeError('memoryStorage: maxBytes must be a positive number (Infinity: no bound)');
  // A Map iterates in insertion order, which makes it its own eviction queue.
  const entries = new Map<string, Entry>();
  let total = 0;

  function remove(key: string): void {
    const entry = entries.get(key);
    if (entry === undefined) return;
    entries.delete(key);
    total -= entry.bytes.byteLength;
  }

  async function put(key: string, body: Uint8Array | AsyncIterable<Uint8Array>, putOptions: PutOptions): Promise<PutResult> {
    if (!isSafeKey(key)) throw new Error('memoryStorage: unsafe key');
    putOptions.signal?.throwIfAborted();
    const bytes = await collect(body, putOptions.signal);
    putOptions.signal?.throwIfAborted();
    if (bytes.byteLength > maxBytes) throw new Error('memoryStorage: artifact larger than maxBytes');
    remove(key); // a rewrite counts as newest
    const batch = putOptions.metadata?.artifactId;
    // The oldest go first, but not the other images of this same request's archive: their URLs are
    // about to be returned with this one's, and must not answer 404 the moment they are handed out.
    const evictable = [...entries].filter(([, entry]) => batch === undefined || entry.batch !== batch);
    const room = evictable.reduce((sum, [, entry]) => sum + entry.bytes.byteLength, maxBytes - total);
    if (bytes.byteLength > room) throw new Error("memoryStorage: no room without evicting this request's other images");
    for (const [oldest] of evictable) {
      if (total + bytes.byteLength <= maxBytes) break;
      remove(oldest);
    }
    entries.set(key, {
      bytes,
      batch,
      contentType: putOptions.contentType,
      etag: `"${createHash('sha1').update(bytes).digest('hex')}"`,
      lastModified: new Date(),
    });
    total += bytes.byteLength;
    return { url: `${baseUrl}/${key}`, bytes: bytes.byteLength };
  }

  async function read(key: string): Promise<StoredFile | undefined> {
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    const { bytes } = entry;
    return {
      size: bytes.byteLength,
      contentType: entry.contentType,
      etag: entry.etag,
      lastModified: entry.lastModified,
      stream(range) {
        if (range && (range.start < 0 || range.end < range.start || range.end >= bytes.byteLength)) {
          throw new RangeError('memoryStorage: range outside the artifact');
        }
        return slices(bytes, range?.start ?? 0, range?.end ?? bytes.byteLength - 1);
      },
    };
  }

  return {
    put,
    read,
    delete: async (key) => remove(key),
    keys: () => [...entries.keys()],
  };
}
