import { clearTimeout, setTimeout } from 'node:timers';
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

/**
 * Yields the body's chunks, each only while holding a decoding slot (see above). The slot is kept
 * across chunks that follow each other quickly, and released while the body stalls. One timer per
 * answer, re-armed for each wait (no timer or promise race per chunk: hundreds of answers in a
 * burst make tens of thousands of chunks).
 */
export async function* withAnswerReadSlots(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const iterator = body[Symbol.asyncIterator]();
  let release: (() => void) | undefined;
  let waitingForChunk = false;
  const stall = setTimeout(() => {
    // Only a wait for the upstream counts: time the consumer spends on a chunk is not a stall.
    if (!waitingForChunk || !release) return;
    release();
    release = undefined;
  }, STALL_MS);
  try {
    // The first chunk is read only once a slot is held: answers that wait for a slot then keep their
    // bytes in their sockets, not in chunks read ahead that live (and count towards V8's external
    // memory) until their turn comes. After a stall, a chunk is in hand before a slot is taken again.
    release = await acquire();
    for (;;) {
      waitingForChunk = true;
      // (Re-armed even without a slot: it then does nothing.)
      stall.refresh();
      const next = await iterator.next();
      waitingForChunk = false;
      if (next.done) return;
      release ??= await acquire();
      yield next.value;
    }
  } finally {
    clearTimeout(stall);
    release?.();
    await iterator.return?.();
  }
}
