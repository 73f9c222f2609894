/** Server-side routing rules (not part of the customer contract). */
export interface RoutingPolicy {
  /** Requests with this many references or more go only to official carriers. Default 2 (the contract's rule). */
  officialOnlyFromReferences: number;
}

/** Default routing policy: multi-reference requests only reach official Gemini/Vertex carriers. */
export const DEFAULT_ROUTING_POLICY: RoutingPolicy = { officialOnlyFromReferences: 2 };

/** Exponential backoff with full jitter between two attempts of one image. */
export interface BackoffOptions {
  /** Upper bound of the first wait, in ms; it doubles with every further attempt. Default 100. */
  baseMs?: number;
  /** Upper bound of any single wait, in ms. Default 2 000. */
  maxMs?: number;
}

/**
 * The circuit breaker of every carrier. A carrier whose calls keep failing (429, 5xx, resets,
 * timeouts) is taken out of rotation for a cool-down; once it is over, one call (a half-open probe)
 * is let through: success puts the carrier back, failure starts a cool-down twice as long.
 * An account problem (401/403/404, a bad or blocked key, `FAILED_PRECONDITION`, credentials that cannot
 * sign) marks the carrier misconfigured at once (out of rotation for `misconfiguredMs`, then probed).
 */
export interface CircuitOptions {
  /** Consecutive failures that open the circuit. Default 5. */
  failureThreshold?: number;
  /** First cool-down, in ms. Default 10 000. */
  coolDownMs?: number;
  /** Longest cool-down, in ms (the cool-down doubles while probes keep failing). Default 300 000. */
  maxCoolDownMs?: number;
  /** How long a misconfigured carrier (an account problem) stays out before a probe, in ms. Default 300 000. */
  misconfiguredMs?: number;
}

/**
 * Operator-only pinning of a request to one carrier (to validate a carrier live). Off unless a
 * secret is set. The request carries the carrier id in `header` and the secret in `secretHeader`;
 * a pinned request goes to that carrier only (no failover), even while it cools down, but still
 * obeys the multi-reference rule, the carrier's limits and its `maxConcurrency`.
 */
export interface PinningOptions {
  /** The shared secret; at least 16 characters. */
  secret: string;
  /** Header naming the carrier id. Default `x-relay-pin`. */
  header?: string;
  /** Header carrying the secret. Default `x-relay-pin-secret`. */
  secretHeader?: string;
}

/** Routing options of `createRelay({ routing })`. Everything is optional. */
export interface RoutingOptions extends Partial<RoutingPolicy> {
  /** Upstream calls per image, across all carriers (each of the `n` images has its own budget). Default 3. */
  maxAttempts?: number;
  /**
   * Calls of one image to the same carrier. Default 1: a retryable failure moves the image to another
   * carrier, and with none left the request answers at once. Raise it to retry an account after backoff.
   */
  maxAttemptsPerCarrier?: number;
  backoff?: BackoffOptions;
  circuit?: CircuitOptions;
  /** Requests generating at once in this relay; more are answered 429 at once. Default 128. */
  maxInFlight?: number;
  pinning?: PinningOptions;
  /** Random numbers in [0, 1) for weighted choice and jitter. Default `Math.random` (inject a seeded one in tests). */
  random?: () => number;
  /** Clock in epoch ms for cool-downs and Retry-After. Default `Date.now`. */
  now?: () => number;
}

/** {@link RoutingOptions} with every default applied. */
export interface ResolvedRouting {
  policy: RoutingPolicy;
  maxAttempts: number;
  maxAttemptsPerCarrier: number;
  backoff: Required<BackoffOptions>;
  circuit: Required<CircuitOptions>;
  maxInFlight: number;
  pinning: Required<PinningOptions> | undefined;
  random: () => number;
  now: () => number;
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new TypeError(`createRelay: routing.${what}`);
}

const positiveInt = (v: number): boolean => Number.isInteger(v) && v >= 1;
const nonNegative = (v: number): boolean => Number.isFinite(v) && v >= 0;

/** Applies defaults and checks values; throws a TypeError naming the bad option. */
export function resolveRouting(options: RoutingOptions = {}): ResolvedRouting {
  const resolved: ResolvedRouting = {
    policy: { officialOnlyFromReferences: options.officialOnlyFromReferences ?? DEFAULT_ROUTING_POLICY.officialOnlyFromReferences },
    maxAttempts: options.maxAttempts ?? 3,
    maxAttemptsPerCarrier: options.maxAttemptsPerCarrier ?? 1,
    backoff: { baseMs: options.backoff?.baseMs ?? 100, maxMs: options.backoff?.maxMs ?? 2_000 },
    circuit: {
      failureThreshold: options.circuit?.failureThreshold ?? 5,
      coolDownMs: options.circuit?.coolDownMs ?? 10_000,
      maxCoolDownMs: options.circuit?.maxCoolDownMs ?? 300_000,
      misconfiguredMs: options.circuit?.misconfiguredMs ?? 300_000,
    },
    maxInFlight: options.maxInFlight ?? 128,
    pinning: options.pinning
      ? {
          secret: options.pinning.secret,
          header: (options.pinning.header ?? 'x-relay-pin').toLowerCase(),
          secretHeader: (options.pinning.secretHeader ?? 'x-relay-pin-secret').toLowerCase(),
        }
      : undefined,
    random: options.random ?? Math.random,
    now: options.now ?? Date.now,
  };
  check(Number.isInteger(resolved.policy.officialOnlyFromReferences) && resolved.policy.officialOnlyFromReferences >= 0, 'officialOnlyFromReferences must be an integer >= 0');
  check(positiveInt(resolved.maxAttempts), 'maxAttempts must be an integer >= 1');
  check(positiveInt(resolved.maxAttemptsPerCarrier), 'maxAttemptsPerCarrier must be an integer >= 1');
  check(nonNegative(resolved.backoff.baseMs) && nonNegative(resolved.backoff.maxMs), 'backoff.baseMs and backoff.maxMs must be numbers >= 0');
  check(positiveInt(resolved.circuit.failureThreshold), 'circuit.failureThreshold must be an integer >= 1');
  for (const k of ['coolDownMs', 'maxCoolDownMs', 'misconfiguredMs'] as const) check(nonNegative(resolved.circuit[k]), `circuit.${k} must be a number >= 0`);
  check(positiveInt(resolved.maxInFlight) || resolved.maxInFlight === Infinity, 'maxInFlight must be an integer >= 1 or Infinity');
  if (resolved.pinning) {
    check(typeof resolved.pinning.secret === 'string' && resolved.pinning.secret.length >= 16, 'pinning.secret must be a string of at least 16 characters');
    check(resolved.pinning.header !== resolved.pinning.secretHeader, 'pinning.header and pinning.secretHeader must differ');
  }
  return resolved;
}
