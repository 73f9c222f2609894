import { RelayError } from '../contract/errors.js';

/** The relay-wide limit on requests generating at once: beyond it, requests are answered 429 at once. */
export class Admission {
  readonly #max: number;
  #inFlight = 0;

  constructor(maxInFlight: number) {
    this.#max = maxInFlight;
  }

  /** Requests in flight now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Admits a request, or throws a 429 `relay_at_capacity`. Call the returned function exactly once when it ends. */
  enter(): () => void {
    if (this.#inFlight >= this.#max) {
      throw new RelayError(429, 'The relay is at capacity: too many image generations are in progress. Retry shortly.', {
        code: 'relay_at_capacity',
        retryAfterSeconds: 1,
      });
    }
    this.#inFlight += 1;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.#inFlight -= 1;
    };
  }
}
