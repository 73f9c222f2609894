import pLimit from 'p-limit';

/** libuv's thread pool, which sharp's work shares with file-system calls and DNS lookups. */
const THREADPOOL = Number(process.env.UV_THREADPOOL_SIZE) || 4;

/**
 * Re-encodings (transcodes, references shrunk for an inline limit) run at most this many at a time,
 * process-wide. Each holds a thread of libuv's pool for hundreds of ms on a 4K image: unbounded, a
 * burst of them would leave none to the storage's file writes or the upstream's DNS lookups, and
 * every other request would wait behind them. Two threads are always left to those.
 */
const slots = pLimit(Math.max(1, THREADPOOL - 2));

/** Runs one re-encoding when a slot is free; skipped if `signal` aborted while it waited. */
export function imageWork<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  return slots(() => {
    signal?.throwIfAborted();
    return work();
  });
}
