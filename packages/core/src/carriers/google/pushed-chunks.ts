import { on } from 'node:events';
import type { Readable } from 'node:stream';

/**
 * A Node stream's chunks one by one, as they were pushed. `for await` over a Readable calls
 * `read()`, which joins everything buffered into one new Buffer: in a burst, where an answer waits
 * its turn between chunks, each read copied two or three chunks. Events come without a copy; the
 * stream pauses while two chunks wait. Leaving early destroys the stream, so that a half-read
 * connection is never reused.
 */
export async function* pushedChunks(stream: Readable): AsyncGenerator<Buffer> {
  // A body destroyed before anyone listened (its call aborted or timed out while it waited for a
  // decoding place) has already sent the events `on()` would wait for: it would never settle.
  if (stream.destroyed) throw stream.errored ?? new Error('The answer was closed before it was read.');
  let complete = false;
  try {
    // 'close' without 'end' (destroyed without an error) ends it too: the reader then sees a cut answer.
    for await (const [chunk] of on(stream, 'data', { close: ['end', 'close'], highWaterMark: 2 })) yield chunk as Buffer;
    complete = true;
  } finally {
    if (!complete) stream.destroy();
  }
}
