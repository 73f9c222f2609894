import { Pool, errors as undiciErrors } from 'undici';
import { CarrierError } from '../carrier.js';
import { upstreamStatusError } from './upstream-status.js';

/** Settings of one carrier's connection to a Google endpoint. */
export interface GoogleRestClientOptions {
  /** Origin such as `https://aiplatform.googleapis.com`; a path prefix is allowed. */
  baseUrl: string;
  /** Keep-alive connections kept to the origin. */
  connections: number;
  /** Whole-call time limit in ms (a 4K image takes about a minute). */
  timeoutMs: number;
  /** Auth headers, fetched per call so that tokens can refresh. */
  authHeaders: () => Promise<Record<string, string>>;
}

/** A small generateContent REST client over one keep-alive undici pool per carrier. */
export class GoogleRestClient {
  readonly #pool: Pool;
  readonly #prefix: string;
  readonly #options: GoogleRestClientOptions;

  constructor(options: GoogleRestClientOptions) {
    const url = new URL(options.baseUrl);
    this.#options = options;
    this.#prefix = url.pathname.replace(/\/+$/, '');
    // Timeouts are enforced by our own signal (whole call), so undici's idle timers stay generous.
    this.#pool = new Pool(url.origin, {
      connections: options.connections,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  /** POSTs a JSON body to `path` and returns the parsed JSON answer, or throws a CarrierError. */
  async postJson(path: string, body: unknown, signal: AbortSignal): Promise<unknown> {
    const timeout = AbortSignal.timeout(this.#options.timeoutMs);
    const combined = AbortSignal.any([signal, timeout]);
    try {
      const headers = { 'content-type': 'application/json', ...(await this.#options.authHeaders()) };
      const response = await this.#pool.request({
        method: 'POST',
        path: this.#prefix + path,
        headers,
        body: JSON.stringify(body),
        signal: combined,
      });
      const text = await response.body.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (cause) {
        if (response.statusCode >= 400) throw upstreamStatusError(response.statusCode, undefined, response.headers['retry-after']);
        throw new CarrierError('network', 'The upstream answer was cut short.', { status: response.statusCode, cause });
      }
      if (response.statusCode >= 400) throw upstreamStatusError(response.statusCode, json, response.headers['retry-after']);
      return json;
    } catch (err) {
      throw this.#classify(err, signal, timeout);
    }
  }

  #classify(err: unknown, caller: AbortSignal, timeout: AbortSignal): CarrierError {
    if (err instanceof CarrierError) return err;
    if (caller.aborted) return new CarrierError('aborted', 'The request was cancelled.', { cause: err });
    if (timeout.aborted || err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError) {
      return new CarrierError('timeout', 'The upstream model did not answer in time.', { cause: err });
    }
    return new CarrierError('network', 'The connection to the upstream model failed.', { cause: err });
  }

  /** Closes the pool's connections. */
  async close(): Promise<void> {
    await this.#pool.close();
  }
}
