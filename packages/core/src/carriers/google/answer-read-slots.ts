import pLimit from 'p-limit';

/**
 * Answers decoded at once, process-wide. Decoding runs on the one main thread: when hundreds of
 * answers land together (many slow upstream calls finishing at the same moment), reading them all
 * at once makes each event-loop turn process hundreds of sockets' chunks, and every other request
 * waits. Reading a few at a time keeps turns short; the rest wait in their sockets' buffers
 * (TCP backpressure), so total throughput is unchanged.
 */
const slots = pLimit(4);

/**
 * An answer whose next chunk does not come within this time gives its slot up until it does: a
 * stalled or slow upstream must never hold up the answers of other requests.
 */
const STALL_MS = 100;

/** Waits for a free slot; resolves with the function that frees it. */
function acquire(): Promise<() => void> {
  return new Promise((granted) => {
    void slots(() => new Promise<void>((release) => granted(release)));
  });
}

const STALLED = Symbol('stalled');

/**
 * Yields the body's chunks, each only while holding a decoding slot (see above). The slot is kept
 * across chunks that follow each other quickly, and released while the body stalls.
 */
export async function* withAnswerReadSlots(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const iterator = body[Symbol.asyncIterator]();
  let release: (() => void) | undefined;
  try {
    for (;;) {
      const next = iterator.next();
      let result: IteratorResult<Uint8Array> | typeof STALLED = STALLED;
      if (release) {
        let timer: NodeJS.Timeout | undefined;
        const stall = new Promise<typeof STALLED>((resolve) => {
          timer = setTimeout(resolve, STALL_MS, STALLED);
        });
        result = await Promise.race([next, stall]);
        clearTimeout(timer);
        if (result === STALLED) {
          release();
          release = undefined;
        }
      }
      if (result === STALLED) result = await next;
      if (result.done) return;
      release ??= await acquire();
      yield result.value;
    }
  } finally {
    release?.();
    await iterator.return?.();
  }
}
