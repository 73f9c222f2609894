import { createHash, timingSafeEqual } from 'node:crypto';
import { RelayError } from '../contract/errors.js';
import type { PinningOptions } from './routing-options.js';

/** Where a pin may come from: trusted code (`pinnedCarrier`) or the operator headers of an HTTP request. */
export interface PinSource {
  /** Set by in-process callers, who are trusted. */
  pinnedCarrier?: string;
  /** Headers of the HTTP request, when the call came through the HTTP route. */
  headers?: Pick<Headers, 'get'>;
}

function sameSecret(given: string, expected: string): boolean {
  // Digests have equal lengths, so the comparison takes the same time whatever was sent.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * The carrier id a request is pinned to, or undefined. Headers count only when pinning is enabled
 * (otherwise they are ignored, as any unknown header); a pin header without the right secret is a 403.
 */
export function pinnedCarrierOf(source: PinSource, pinning: Required<PinningOptions> | undefined): string | undefined {
  if (source.pinnedCarrier !== undefined) return source.pinnedCarrier;
  if (pinning === undefined || source.headers === undefined) return undefined;
  const carrierId = source.headers.get(pinning.header)?.trim();
  if (!carrierId) return undefined;
  const secret = source.headers.get(pinning.secretHeader) ?? '';
  if (!sameSecret(secret, pinning.secret)) {
    throw new RelayError(403, 'Pinning a request to a carrier is reserved to the operator.', { code: 'pin_forbidden' });
  }
  return carrierId;
}
