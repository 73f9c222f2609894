import fc from 'fast-check';
import { backoffDelay, waitOrAbort } from '../../src/routing/retry-backoff.js';
import { seededRandom } from './seeded-random.js';

describe('backoff: exponential with full jitter', () => {
  const options = { baseMs: 100, maxMs: 1_000 };

  test('every wait lies in [0, min(maxMs, baseMs * 2^(retry-1)))', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (retry, r) => {
        const ms = backoffDelay(retry, options, () => r);
        const ceiling = Math.min(1_000, 100 * 2 ** (retry - 1));
        return ms >= 0 && ms < ceiling;
      }),
    );
  });

  test('the ceiling doubles and is capped; draws spread over the whole range (full jitter)', () => {
    expect([1, 2, 3, 4, 5, 10].map((retry) => backoffDelay(retry, options, () => 0.999999))).toEqual([99, 199, 399, 799, 999, 999]);
    const random = seededRandom(5);
    const draws = Array.from({ length: 1000 }, () => backoffDelay(3, options, random));
    expect(Math.min(...draws)).toBeLessThan(40);
    expect(Math.max(...draws)).toBeGreaterThan(360);
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    expect(Math.abs(mean - 200)).toBeLessThan(20);
  });

  test('a wait ends at once when the request is cancelled', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const waiting = waitOrAbort(60_000, controller.signal);
    setTimeout(() => controller.abort(), 20);
    await expect(waiting).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5_000);
    await expect(waitOrAbort(10, controller.signal)).rejects.toThrow();
  });
});
