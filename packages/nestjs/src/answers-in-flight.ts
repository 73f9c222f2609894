import type { Relay } from '@banana-relay/core';

/** Answers of each relay's generation routes still being written to their clients. */
const writing = new WeakMap<Relay, Set<Promise<unknown>>>();

/**
 * Runs `send` (writing one answer of `relay`) and keeps it counted until it is done: the relay counts
 * a request as ended once its answer is ready, and Nest may close its sockets (with
 * `forceCloseConnections`, at once) as soon as the shutdown hooks have returned.
 */
export async function answering(relay: Relay, send: () => Promise<void>): Promise<void> {
  let set = writing.get(relay);
  if (set === undefined) writing.set(relay, (set = new Set()));
  const sent = send();
  set.add(sent);
  try {
    await sent;
  } finally {
    set.delete(sent);
  }
}

/** Resolves once the answers being written now are written (or failed), or after `limitMs` (beyond what a timer can wait: no limit). */
export async function answersWritten(relay: Relay, limitMs: number): Promise<void> {
  const pending = [...(writing.get(relay) ?? [])];
  if (pending.length === 0) return;
  const all = Promise.allSettled(pending);
  if (limitMs > 2 ** 31 - 1) {
    await all;
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([all, new Promise<void>((resolve) => (timer = setTimeout(resolve, limitMs)))]);
  clearTimeout(timer);
}
