import { CarrierError } from '../carrier.js';
import { upstreamMessage } from '../upstream-message.js';

/** Parses a Retry-After header (seconds or HTTP date) into whole seconds. */
export function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/**
 * Maps a non-2xx upstream answer to a CarrierError. Google's message is kept only when it is about
 * the request (400), cleaned by {@link upstreamMessage}; `secrets` are the credentials the call sent.
 */
export function upstreamStatusError(status: number, body: unknown, retryAfter: string | string[] | undefined, secrets: readonly string[] = []): CarrierError {
  const retryAfterSeconds = parseRetryAfter(retryAfter);
  const options = { status, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }), cause: body };
  if (status === 400) {
    const detail = upstreamMessage((body as { error?: { message?: unknown } } | undefined)?.error?.message, secrets);
    return new CarrierError('bad_request', `The model rejected the request${detail ? `: ${detail}` : '.'}`, options);
  }
  if (status === 401 || status === 403) {
    return new CarrierError('auth', 'The upstream account is not configured correctly.', options);
  }
  if (status === 429) return new CarrierError('rate_limited', 'The upstream model is rate limited.', options);
  if (status === 504 || status === 408) return new CarrierError('timeout', 'The upstream model timed out.', options);
  if (status >= 500) return new CarrierError('unavailable', 'The upstream model is unavailable.', options);
  return new CarrierError('unavailable', `The upstream model answered with status ${status}.`, options);
}
