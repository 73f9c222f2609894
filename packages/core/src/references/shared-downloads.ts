/** How far a download has come: bytes received, and the length its server declared (if any). */
export type DownloadProgress = (received: number, declared: number | undefined) => void;

/** A caller waiting for a shared download. */
interface Waiter {
  /** Told of the download's progress; throwing makes this caller (only) leave with that error. */
  readonly progress: DownloadProgress | undefined;
  leave(reason: unknown): void;
}

/** One download shared by the requests that want the same URL at the same time. */
interface Shared<T> {
  readonly controller: AbortController;
  readonly waiters: Set<Waiter>;
  result: Promise<T>;
  received: number;
  declared: number | undefined;
}

type Task<T> = (signal: AbortSignal, report: DownloadProgress) => Promise<T>;

/**
 * Runs one `task` per key for all the callers that ask for that key while it runs: a burst of
 * requests with the same reference URL (the n images of a product shot, many users of one template)
 * downloads and verifies it once. Each caller follows the download's progress with its own limits
 * (its request's total) and leaves on its own when they are crossed, or when its signal aborts; the
 * task's signal aborts only once every caller has left, so one caller giving up never fails the others.
 */
export class SharedDownloads<T> {
  readonly #running = new Map<string, Shared<T>>();

  /**
   * Joins the task running for `key`, or starts it. `task` reports its progress through the function
   * it is given; `progress` hears it (at once when joining late) and may throw to leave. Rejects with
   * `signal.reason` if the caller's signal aborts first.
   */
  run(key: string, task: Task<T>, signal: AbortSignal, progress?: DownloadProgress): Promise<T> {
    signal.throwIfAborted();
    const shared = this.#running.get(key) ?? this.#start(key, task);
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const finish = (settle: () => void): void => {
        if (done) return;
        done = true;
        signal.removeEventListener('abort', onAbort);
        shared.waiters.delete(waiter);
        if (shared.waiters.size === 0 && this.#running.get(key) === shared) {
          // Nobody wants it any more: stop the transfer, and let a later caller start afresh.
          this.#running.delete(key);
          shared.controller.abort(new Error('Every request waiting for this download has left.'));
        }
        settle();
      };
      const waiter: Waiter = { progress, leave: (reason) => finish(() => reject(reason)) };
      const onAbort = (): void => waiter.leave(signal.reason);
      shared.waiters.add(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        progress?.(shared.received, shared.declared);
      } catch (err) {
        waiter.leave(err);
        return;
      }
      shared.result.then(
        (value) => finish(() => resolve(value)),
        (err: unknown) => finish(() => reject(err)),
      );
    });
  }

  /** Aborts every download in flight (their callers reject). */
  abortAll(reason?: unknown): void {
    for (const shared of this.#running.values()) shared.controller.abort(reason);
    this.#running.clear();
  }

  #start(key: string, task: Task<T>): Shared<T> {
    const shared: Shared<T> = {
      controller: new AbortController(),
      waiters: new Set(),
      result: Promise.resolve(undefined as T),
      received: 0,
      declared: undefined,
    };
    const report: DownloadProgress = (received, declared) => {
      shared.received = received;
      if (declared !== undefined) shared.declared = declared;
      for (const waiter of [...shared.waiters]) {
        try {
          waiter.progress?.(received, shared.declared);
        } catch (err) {
          waiter.leave(err);
        }
      }
    };
    shared.result = task(shared.controller.signal, report);
    const forget = (): void => {
      if (this.#running.get(key) === shared) this.#running.delete(key);
    };
    // Callers get the outcome through their own handlers; this one only ends the sharing.
    shared.result.then(forget, forget);
    this.#running.set(key, shared);
    return shared;
  }
}
