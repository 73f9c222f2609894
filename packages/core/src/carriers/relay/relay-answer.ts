import { CarrierError } from '../carrier.js';
import { parseRetryAfter } from '../google/upstream-status.js';
import { upstreamMessage } from '../upstream-message.js';

/** An OpenAI-shaped answer of a relay speaking this project's contract. */
interface ImagesAnswer {
  data?: Array<{ url?: unknown; b64_json?: unknown }>;
  error?: { message?: unknown; code?: unknown };
}

/** What the first image of a successful answer is: a URL to download, or the bytes. */
export type RelayImage = { url: string } | { bytes: Buffer };

/** Maps an error answer of an upstream relay to a CarrierError (its error `code` refines the status). */
export function relayStatusError(status: number, json: unknown, retryAfter: string | string[] | undefined, secrets: readonly string[] = []): CarrierError {
  const error = (json as ImagesAnswer | undefined)?.error;
  const code = typeof error?.code === 'string' ? error.code : undefined;
  const retryAfterSeconds = parseRetryAfter(retryAfter);
  const options = { status, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }), cause: json };
  if (code === 'content_policy_violation') {
    return new CarrierError('content_policy', "The request was refused by the model's content policy.", { ...options, reason: code });
  }
  if (code === 'upstream_no_image') return new CarrierError('no_image', 'The model answered without an image.', { ...options, reason: code });
  if (status === 400 || status === 413 || status === 422) {
    const detail = upstreamMessage(error?.message, secrets);
    return new CarrierError('bad_request', `The model rejected the request${detail ? `: ${detail}` : '.'}`, options);
  }
  // A wrong key, or a wrong base URL or path: nothing a retry on this carrier will fix.
  if (status === 401 || status === 403 || status === 404 || status === 405) {
    return new CarrierError('auth', 'The upstream account is not configured correctly.', options);
  }
  if (status === 429) return new CarrierError('rate_limited', 'The upstream model is rate limited.', options);
  if (status === 504 || status === 408) return new CarrierError('timeout', 'The upstream model timed out.', options);
  return new CarrierError('unavailable', status >= 500 ? 'The upstream model is unavailable.' : `The upstream model answered with status ${status}.`, options);
}

/** The first image of a successful answer; `no_image` when there is none. */
export function relayImageOf(json: unknown): RelayImage {
  const first = (json as ImagesAnswer | undefined)?.data?.[0];
  if (typeof first?.b64_json === 'string' && first.b64_json !== '') return { bytes: Buffer.from(first.b64_json, 'base64') };
  if (typeof first?.url === 'string' && /^https?:\/\//i.test(first.url)) return { url: first.url };
  throw new CarrierError('no_image', 'The upstream relay answered without an image.', { cause: json });
}
