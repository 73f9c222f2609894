import { RelayError } from '../contract/errors.js';
import type { Unavailability } from './carrier-health.js';
import type { Ineligibility, RouteSpec } from './eligibility.js';

/** Why an eligible carrier cannot take a call right now. */
export type BusyReason = Unavailability | { reason: 'at_capacity' } | { reason: 'declined' };

const BUSY_WORDS: Record<BusyReason['reason'], string> = {
  cooling_down: 'cooling down after failures',
  probing: 'cooling down after failures',
  misconfigured: 'out of service (misconfigured)',
  rate_limited: 'rate limited',
  at_capacity: 'at its concurrency limit',
  declined: 'unable to take this kind of request',
};

function officialNote(threshold: number): string {
  return `requests with ${threshold} or more reference images go only to official (Gemini/Vertex) carriers`;
}

/**
 * 503 when no configured carrier may ever take the request (the multi-reference rule, or the
 * carriers' declared limits). The message says why without naming any carrier.
 */
export function noEligibleCarrier(spec: RouteSpec, excluded: ReadonlySet<Ineligibility>, threshold: number, configured: number): RelayError {
  const why =
    configured === 0
      ? 'no carrier is configured'
      : excluded.has('official_only') && excluded.size === 1
        ? `${officialNote(threshold)}, and none is configured`
        : excluded.size === 1 && excluded.has('resolution')
          ? `no carrier supports resolution ${spec.resolution}`
          : excluded.size === 1 && excluded.has('aspect_ratio')
            ? `no carrier supports aspect ratio ${spec.aspectRatio ?? ''}`
            : excluded.size === 1 && excluded.has('references')
              ? `no carrier takes ${spec.references} reference images`
              : `no carrier supports this combination of references, resolution and aspect ratio${excluded.has('official_only') ? ` (${officialNote(threshold)})` : ''}`;
  return new RelayError(503, `No upstream carrier can take this request: ${why}.`, { code: 'no_carrier_available' });
}

/**
 * The answer when every eligible carrier is out right now: 429 with `Retry-After` when all of them
 * are rate limited, else 503 `no_carrier_available` (with `Retry-After` when every one of them has a
 * known return time). `officialRule` adds why non-official carriers were not considered.
 */
export function noAvailableCarrier(reasons: readonly BusyReason[], now: number, officialRule: number | undefined): RelayError {
  const untils = reasons.map((r) => ('until' in r ? r.until : undefined));
  const known = untils.every((u): u is number => u !== undefined);
  const retryAfterSeconds = known && untils.length > 0 ? Math.max(1, Math.ceil((Math.min(...untils) - now) / 1000)) : undefined;
  const retry = retryAfterSeconds === undefined ? {} : { retryAfterSeconds };
  if (reasons.length > 0 && reasons.every((r) => r.reason === 'rate_limited')) {
    return new RelayError(429, 'The upstream model is rate limited. Retry later.', { code: 'rate_limited', ...retry });
  }
  const words = [...new Set(reasons.map((r) => BUSY_WORDS[r.reason]))];
  const note = officialRule === undefined ? '' : `${officialNote(officialRule)}, and `;
  return new RelayError(
    503,
    `No upstream carrier can take this request right now: ${note}every eligible carrier is ${words.join(' or ')}. Retry later.`,
    { code: 'no_carrier_available', ...retry },
  );
}
