/** One download shared by the requests that want the same URL at the same time. */
interface Shared<T> {
  readonly result: Promise<T>;
  readonly controller: AbortController;
  /** Callers still waiting for it. */
  waiting: number;
}

/**
 * Runs one `task` per key for all the callers that ask for that key while it runs: a burst of
 * requests with the same reference URL (the n images of a product shot, many users of one template)
 * downloads and verifies it once. The task's signal aborts only once every caller waiting for it has
 * left (cancelled, or its request failed for another reason), so one caller giving up never fails
 * the others; a caller leaving is answered at once with its own signal's reason.
 */
export class SharedDownloads<T> {
  readonly #running = new Map<string, Shared<T>>();

  /** Number of downloads in flight. */
  get size(): number {
    return this.#running.size;
  }

  /** Joins the task running for `key`, or starts it. Rejects with `signal.reason` if the caller leaves first. */
  async run(key: string, task: (signal: AbortSignal) => Promise<T>, signal: AbortSignal): Promise<T> {
    signal.throwIfAborted();
    let shared = this.#running.get(key);
    if (shared === undefined) {
      const controller = new AbortController();
      const result = task(controller.signal);
      shared = { result, controller, waiting: 0 };
      const started = shared;
      const forget = (): void => {
        if (this.#running.get(key) === started) this.#running.delete(key);
      };
      // The outcome is delivered to the callers below; this branch only ends the sharing.
      result.then(forget, forget);
      this.#running.set(key, shared);
    }
    shared.waiting += 1;
    const joined = shared;
    let onAbort: (() => void) | undefined;
    const left = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([joined.result, left]);
    } finally {
      signal.removeEventListener('abort', onAbort!);
      joined.waiting -= 1;
      if (joined.waiting === 0 && this.#running.get(key) === joined) {
        // Nobody wants it any more: stop the transfer, and let a later caller start afresh.
        this.#running.delete(key);
        joined.controller.abort(signal.reason);
      }
    }
  }

  /** Aborts every download in flight (their callers reject). */
  abortAll(reason?: unknown): void {
    for (const shared of this.#running.values()) shared.controller.abort(reason);
    this.#running.clear();
  }
}
