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

/** A Google error body's `error`, as far as the relay reads it. */
interface GoogleError {
  message?: unknown;
  status?: unknown;
  details?: unknown;
}

/**
 * `google.rpc.ErrorInfo` reasons that, on a 400, mean the account is unusable, not the request
 * wrong: the Gemini API answers a wrong or expired key with 400 INVALID_ARGUMENT, never 401.
 */
const ACCOUNT_REASONS = new Set([
  'API_KEY_INVALID',
  'API_KEY_EXPIRED',
  'API_KEY_SERVICE_BLOCKED',
  'API_KEY_HTTP_REFERRER_BLOCKED',
  'API_KEY_IP_ADDRESS_BLOCKED',
  'SERVICE_DISABLED',
  'CONSUMER_INVALID',
  'BILLING_DISABLED',
]);

function errorOf(body: unknown): GoogleError | undefined {
  const error = (body as { error?: unknown } | undefined)?.error;
  return typeof error === 'object' && error !== null ? (error as GoogleError) : undefined;
}

function detailsOf(error: GoogleError | undefined, type: string): Array<Record<string, unknown>> {
  if (!Array.isArray(error?.details)) return [];
  return (error.details as unknown[]).filter(
    (d): d is Record<string, unknown> => typeof d === 'object' && d !== null && String((d as Record<string, unknown>)['@type'] ?? '').endsWith(type),
  );
}

/**
 * Whether a 400 is about the account (a bad or blocked key, billing, a region without the service:
 * `FAILED_PRECONDITION`) rather than the request: the carrier then leaves rotation and the image goes
 * to the next one, instead of the caller being told their request was wrong.
 */
function isAccountProblem(error: GoogleError | undefined): boolean {
  if (error?.status === 'FAILED_PRECONDITION') return true;
  return detailsOf(error, 'google.rpc.ErrorInfo').some((d) => typeof d.reason === 'string' && ACCOUNT_REASONS.has(d.reason));
}

/** `google.rpc.RetryInfo.retryDelay` (a protobuf Duration such as `"47.2s"`) in whole seconds: Google's wait hint on a 429, sent in the body, not as `Retry-After`. */
function retryDelayOf(error: GoogleError | undefined): number | undefined {
  for (const info of detailsOf(error, 'google.rpc.RetryInfo')) {
    const match = typeof info.retryDelay === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(info.retryDelay) : null;
    if (match) return Math.ceil(Number(match[1]));
  }
  return undefined;
}

/**
 * Maps a non-2xx upstream answer to a CarrierError. Google's message is kept only when it is about
 * the request (a 400 that is no account problem), cleaned by {@link upstreamMessage}; `secrets` are
 * the credentials the call sent. The wait before a retry is `Retry-After`, else Google's `RetryInfo`.
 */
export function upstreamStatusError(status: number, body: unknown, retryAfter: string | string[] | undefined, secrets: readonly string[] = []): CarrierError {
  const error = errorOf(body);
  const retryAfterSeconds = parseRetryAfter(retryAfter) ?? retryDelayOf(error);
  const options = { status, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }), cause: body };
  if (status === 400 && isAccountProblem(error)) {
    return new CarrierError('auth', 'The upstream account is not configured correctly.', options);
  }
  if (status === 400) {
    const detail = upstreamMessage(error?.message, secrets);
    return new CarrierError('bad_request', `The model rejected the request${detail ? `: ${detail}` : '.'}`, options);
  }
  // 404: the model id or the location does not exist for this account (a retired preview model, a
  // region without it): nothing a retry on this carrier will fix.
  if (status === 401 || status === 403 || status === 404) {
    return new CarrierError('auth', 'The upstream account is not configured correctly.', options);
  }
  if (status === 429) return new CarrierError('rate_limited', 'The upstream model is rate limited.', options);
  if (status === 504 || status === 408) return new CarrierError('timeout', 'The upstream model timed out.', options);
  if (status >= 500) return new CarrierError('unavailable', 'The upstream model is unavailable.', options);
  return new CarrierError('unavailable', `The upstream model answered with status ${status}.`, options);
}
