import { RelayError } from '../contract/errors.js';

/** 503 `relay_shutting_down`: the caller should retry, another instance will take it. */
export function shuttingDownError(
  message = 'The relay is shutting down: retry the request (another instance will take it).',
  cause?: unknown,
): RelayError {
  return new RelayError(503, message, {
    code: 'relay_shutting_down',
    type: 'server_error',
    retryAfterSeconds: 1,
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * The relay-wide limit on requests generating at once: beyond it, requests are answered 429 at once.
 * It also drains the relay on close: new requests are refused, those admitted finish.
 */
export class Admission {
  readonly #max: number;
  #inFlight = 0;
  readonly #closing = new AbortController();
  readonly #idle: Array<() => void> = [];

  constructor(maxInFlight: number) {
    this.#max = maxInFlight;
  }

  /** Requests in flight now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * Admits a request, or throws: a 503 `relay_shutting_down` once {@link drain} was called, a 429
   * `relay_at_capacity` when full. Call the returned function exactly once when it ends.
   */
  enter(): () => void {
    this.check();
    this.#inFlight += 1;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.#inFlight -= 1;
      if (this.#inFlight === 0) for (const resolve of this.#idle.splice(0)) resolve();
    };
  }

  /**
   * Throws what {@link enter} would throw now, without admitting: a route with a large body (an
   * upload) asks first, so that a full or closing relay answers at once instead of after the upload.
   */
  check(): void {
    if (this.#closing.signal.aborted) throw shuttingDownError();
    if (this.#inFlight >= this.#max) {
      throw new RelayError(429, 'The relay is at capacity: too many image generations are in progress. Retry shortly.', {
        code: 'relay_at_capacity',
        retryAfterSeconds: 1,
      });
    }
  }

  /**
   * Aborted when the relay starts closing: requests still being taken in (their body being read, not
   * admitted yet) are answered 503 then, rather than after their upload (see {@link unlessClosing}).
   */
  get closing(): AbortSignal {
    return this.#closing.signal;
  }

  /** Admits no more requests; resolves once those in flight have ended. */
  drain(): Promise<void> {
    this.#closing.abort();
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }
}

/**
 * `work` (reading a request's body), or 503 `relay_shutting_down` as soon as `closing` aborts: a
 * request not admitted yet is a new request, and a closing relay refuses those at once. What `work`
 * does afterwards is ignored (the connection is closed, its body unread).
 */
export function unlessClosing<T>(work: Promise<T>, closing: AbortSignal | undefined): Promise<T> {
  if (closing === undefined) return work;
  if (closing.aborted) {
    work.catch(() => undefined);
    return Promise.reject(shuttingDownError());
  }
  return new Promise<T>((resolve, reject) => {
    const onClosing = (): void => reject(shuttingDownError());
    closing.addEventListener('abort', onClosing, { once: true });
    work.then(resolve, reject).finally(() => closing.removeEventListener('abort', onClosing));
  });
}
