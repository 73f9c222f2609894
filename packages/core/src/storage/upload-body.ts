import { Readable } from 'node:stream';
import { counted, isAsyncIterable } from './storage-body.js';

/** A body handed to an object-store SDK, and how many bytes went through it. */
export interface UploadBody {
  /** The bytes: the caller's own buffer (viewed, not copied) or a stream over its chunks. */
  data: Uint8Array | Readable;
  /** Bytes read so far; the whole size once the upload succeeded. */
  bytes(): number;
}

/**
 * Wraps a storage body for an SDK without copying it. A buffer stays a buffer (re-viewed through this
 * realm's `Uint8Array`, which SDKs test with `instanceof`); a stream becomes a byte `Readable` over the
 * same chunks. Set `stream` to get a `Readable` for a buffer too.
 */
export function uploadBody(body: Uint8Array | AsyncIterable<Uint8Array>, options: { stream?: boolean } = {}): UploadBody {
  if (!isAsyncIterable(body)) {
    const view = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
    return { data: options.stream ? Readable.from([view], { objectMode: false }) : view, bytes: () => view.byteLength };
  }
  let total = 0;
  return { data: Readable.from(counted(body, (n) => (total += n)), { objectMode: false }), bytes: () => total };
}
