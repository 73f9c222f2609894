import { setTimeout as delay } from 'node:timers/promises';
import type { BackoffOptions } from './routing-options.js';

/**
 * The wait before retry number `retry` (1 = the second attempt): "full jitter", a uniform draw in
 * [0, min(maxMs, baseMs * 2^(retry-1))), so that many requests failing together do not retry together.
 */
export function backoffDelay(retry: number, options: Required<BackoffOptions>, random: () => number): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

/** Waits `ms`, or rejects as soon as `signal` aborts (a cancelled request stops its pending retries). */
export async function waitOrAbort(ms: number, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  if (ms <= 0) return;
  await delay(ms, undefined, { signal });
}
