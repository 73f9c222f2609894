import { CarrierError } from '../carriers/carrier.js';
import { cancelledError, RelayError } from '../contract/errors.js';
import { MAX_RETRY_AFTER_SECONDS } from './carrier-health.js';

/** The upstream's wait, as the caller is told it: 10 minutes at most, as the carrier is kept out. */
function retryAfter(err: CarrierError): { retryAfterSeconds?: number } {
  return err.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: Math.min(err.retryAfterSeconds, MAX_RETRY_AFTER_SECONDS) };
}

/** Maps a carrier failure to what the caller sees. Messages stay generic: no keys, URLs or account names. */
export function relayErrorFromCarrier(err: unknown): RelayError {
  if (err instanceof RelayError) return err;
  if (!(err instanceof CarrierError)) {
    return new RelayError(502, 'The upstream model failed unexpectedly.', { code: 'upstream_error', cause: err });
  }
  const cause = err;
  switch (err.kind) {
    case 'content_policy':
      return new RelayError(400, `${err.message} Rephrase the prompt or change the references.`, {
        code: 'content_policy_violation',
        param: 'prompt',
        cause,
      });
    case 'bad_request':
      return new RelayError(400, err.message, { code: 'upstream_rejected', cause });
    case 'no_image':
      return new RelayError(502, 'The model did not return an image. Try again or adjust the prompt.', { code: 'upstream_no_image', cause });
    case 'auth':
      return new RelayError(502, 'The upstream provider is not available because of a configuration problem.', { code: 'upstream_misconfigured', cause });
    case 'rate_limited':
      return new RelayError(429, 'The upstream model is rate limited. Retry later.', {
        code: 'rate_limited',
        ...retryAfter(err),
        cause,
      });
    case 'timeout':
      return new RelayError(504, 'The upstream model did not answer in time.', { code: 'upstream_timeout', cause });
    case 'aborted':
      return cancelledError(cause);
    case 'unavailable':
      // Upstream said "unavailable, come back later": so do we (a gateway whose upstreams are all down is unavailable).
      if (err.status === 503) {
        return new RelayError(503, 'The upstream model is unavailable. Retry later.', {
          code: 'upstream_unavailable',
          ...retryAfter(err),
          cause,
        });
      }
      return new RelayError(502, 'The upstream model is unavailable. Retry later.', { code: 'upstream_error', cause });
    default:
      return new RelayError(502, 'The upstream model is unavailable. Retry later.', { code: 'upstream_error', cause });
  }
}
