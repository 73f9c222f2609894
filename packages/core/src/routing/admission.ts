import { RelayError } from '../contract/errors.js';

/**
 * The relay-wide limit on requests generating at once: beyond it, requests are answered 429 at once.
 * It also drains the relay on close: new requests are refused, those admitted finish.
 */
/** 503 `relay_shutting_down`: the caller should retry, another instance will take it. */
export function shuttingDownError(message: string, cause?: unknown): RelayError {
  return new RelayError(503, message, {
    code: 'relay_shutting_down',
    type: 'server_error',
    retryAfterSeconds: 1,
    ...(cause === undefined ? {} : { cause }),
  });
}

export class Admission {
  readonly #max: number;
  #inFlight = 0;
  #closed = false;
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
    if (this.#closed) throw shuttingDownError('The relay is shutting down: retry the request (another instance will take it).');
    if (this.#inFlight >= this.#max) {
      throw new RelayError(429, 'The relay is at capacity: too many image generations are in progress. Retry shortly.', {
        code: 'relay_at_capacity',
        retryAfterSeconds: 1,
      });
    }
  }

  /** Admits no more requests; resolves once those in flight have ended. */
  drain(): Promise<void> {
    this.#closed = true;
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }
}
