import { clearTimeout, setTimeout } from 'node:timers';
import type { BodyReader } from './incoming.js';

/**
 * Bytes of a refused request body read and dropped before its answer, so that the client's
 * connection stays usable; past this, or past {@link DISCARD_MS}, the body is cancelled and the
 * connection is closed instead.
 */
const DISCARD_LIMIT = 8 * 1024 * 1024;
/** A client sending the rest slowly does not hold its answer back for longer than this. */
const DISCARD_MS = 5000;

/**
 * Reads what is left of a request body refused part-way (over its size limit, malformed) and drops
 * it, as body-parser does: an HTTP/1.1 connection can carry the next request only once this one's
 * body has been read to its end. A client that keeps sending past {@link DISCARD_LIMIT} or
 * {@link DISCARD_MS} has the body cancelled (the Node bridge then closes its connection after the answer).
 */
export async function discardRest(reader: BodyReader): Promise<void> {
  let dropped = 0;
  let late = false;
  const timer = setTimeout(() => {
    late = true;
    void reader.cancel().catch(() => {});
  }, DISCARD_MS);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || late) return;
      dropped += value.byteLength;
      if (dropped > DISCARD_LIMIT) break;
    }
  } catch {
    return; // the client went away: nothing left to keep usable
  } finally {
    clearTimeout(timer);
  }
  await reader.cancel().catch(() => {});
}
