import { setTimeout as sleep } from 'node:timers/promises';
import { withAnswerReadSlots } from '../../src/carriers/google/answer-read-slots.js';

/** Keeps the thread busy for `ms`, as other requests' work does on a loaded relay. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

/** An answer body: `chunks` chunks, `gapMs` apart (0: all there at once). */
async function* answer(chunks: number, gapMs: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < chunks; i++) {
    if (gapMs > 0) await sleep(gapMs);
    yield new Uint8Array(16);
  }
}

/** Reads a body through the decoding places; resolves when it is read whole. */
async function read(body: AsyncIterable<Uint8Array>, onFirst?: () => void): Promise<void> {
  let first = true;
  for await (const _chunk of withAnswerReadSlots(body)) {
    if (first) onFirst?.();
    first = false;
    busy(0.2);
  }
}

/**
 * Transfers at network speed come back for a decoding place after every chunk. On a busy event loop
 * their waits are short, and if started answers always went first, an answer whose bytes are all
 * there would wait for every one of them to end.
 */
describe('decoding places (withAnswerReadSlots)', () => {
  test('answers arriving at network speed on a busy loop do not keep a ready answer out', async () => {
    let loaded = true;
    const load = (): void => {
      if (!loaded) return;
      busy(4);
      setImmediate(load);
    };
    setImmediate(load);
    const events: string[] = [];
    try {
      // Six transfers, a chunk every 20 ms for about 2 s each: more than there are places.
      const slow = Array.from({ length: 6 }, () => read(answer(100, 20)).then(() => events.push('slow answer read')));
      await sleep(200);
      await read(answer(20, 0), () => events.push('ready answer started'));
      events.push('ready answer read');
      await Promise.all(slow);
    } finally {
      loaded = false;
    }
    expect(events.slice(0, 2)).toEqual(['ready answer started', 'ready answer read']);
  }, 20_000);
});
