import { Readable } from 'node:stream';

/** A body handed to an object-store SDK, and how many bytes went through it. */
export interface UploadBody {
  /** The bytes: the caller's own buffer (viewed, not copied) or a stream over its chunks. */
  data: Uint8Array | Readable;
  /** Bytes read so far; the whole size once the upload succeeded. */
  bytes(): number;
}

// Not `instanceof Uint8Array`: Buffers from another realm (vm contexts, jest) would fail it.
/** Whether a storage body is a stream of chunks rather than one buffer. */
export function isAsyncIterable(body: Uint8Array | AsyncIterable<Uint8Array>): body is AsyncIterable<Uint8Array> {
  return typeof (body as Partial<AsyncIterable<Uint8Array>>)[Symbol.asyncIterator] === 'function';
}

async function* counted(source: AsyncIterable<Uint8Array>, onChunk: (n: number) => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    onChunk(chunk.byteLength);
    yield chunk;
  }
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
