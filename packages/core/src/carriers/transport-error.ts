import { errors as undiciErrors } from 'undici';
import { CarrierError } from './carrier.js';

/**
 * What a failed undici call to an upstream (`peer`: the Google model, another relay) means for
 * routing: the caller's cancellation, a timeout (the call's own limit, or undici's header and body
 * timeouts), or a network failure. A CarrierError already raised passes through.
 */
export function transportError(err: unknown, caller: AbortSignal, timedOut: boolean, peer: 'model' | 'relay'): CarrierError {
  if (err instanceof CarrierError) return err;
  if (caller.aborted) return new CarrierError('aborted', 'The request was cancelled.', { cause: err });
  if (timedOut || err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError) {
    return new CarrierError('timeout', 'The upstream model did not answer in time.', { cause: err });
  }
  return new CarrierError('network', `The connection to the upstream ${peer} failed.`, { cause: err });
}
