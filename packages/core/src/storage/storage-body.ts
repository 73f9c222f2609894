/** Helpers for the bodies storages receive: one buffer, or a stream of chunks. */

/** Passes chunks through, reporting each one's size. */
export async function* counted(source: AsyncIterable<Uint8Array>, onChunk: (n: number) => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    onChunk(chunk.byteLength);
    yield chunk;
  }
}

/** Whether a storage body is a stream of chunks rather than one buffer. */
// Not `instanceof Uint8Array`: Buffers from another realm (vm contexts, jest) would fail it.
export function isAsyncIterable(body: Uint8Array | AsyncIterable<Uint8Array>): body is AsyncIterable<Uint8Array> {
  return typeof (body as Partial<AsyncIterable<Uint8Array>>)[Symbol.asyncIterator] === 'function';
}

/**
 * Ends the iteration with the signal's reason as soon as it aborts, even while the source is stalled
 * in `next()` (pipeline's own `signal` only takes effect once the source yields again).
 */
export async function* abortable(source: AsyncIterable<Uint8Array>, signal: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
  if (!signal) return yield* source;
  const iterator = source[Symbol.asyncIterator]();
  let onAbort = (): void => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
  });
  aborted.catch(() => undefined); // observed by the race below; avoid an unhandled rejection in between
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    signal.throwIfAborted();
    for (;;) {
      const next = await Promise.race([iterator.next(), aborted]);
      if (next.done) return;
      yield next.value;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    // Not awaited: a stalled source may never settle its pending next().
    void Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}
