import type { CircuitOptions } from './routing-options.js';

/** Where a carrier stands, as reported by `relay.carriers()` and `carrier.health` events. */
export type HealthStatus = 'healthy' | 'cooling_down' | 'half_open' | 'misconfigured' | 'rate_limited';

/** Why a carrier cannot take a call right now. */
export type Unavailability =
  | { reason: 'cooling_down' | 'misconfigured' | 'rate_limited'; until: number }
  /** Half-open, and its one probe is already in flight. */
  | { reason: 'probing' };

/** How a finished call bears on the carrier's health. */
export type CallOutcome =
  /** The carrier answered (an image, or a refusal that is about the request: 400, content policy, no image). */
  | 'success'
  /** 429, 5xx, reset, timeout: the carrier itself is in trouble. */
  | 'failure'
  /** 401/403, a key Google calls invalid or expired, a missing model or project: the account is not usable until someone fixes it. */
  | 'misconfigured'
  /** Cancelled by the caller: says nothing about the carrier. */
  | 'neutral';

/** A call in flight, as handed out by {@link CarrierHealth.begin}. */
export interface HealthTicket {
  /** This call is the half-open probe. */
  probe: boolean;
  /** The record the call began under: a call begun before a {@link CarrierHealth.reset} does not count after it. */
  epoch: number;
  /** The request making the call, named in the changes it causes. */
  requestId?: string;
}

/** Emitted on every change of {@link HealthStatus} caused by a call or a cool-down ending. */
export type HealthListener = (status: HealthStatus, until: number | undefined, requestId?: string) => void;

/** A point-in-time view of one carrier's health. */
export interface HealthSnapshot {
  status: HealthStatus;
  /** Epoch ms when a cool-down (or misconfiguration) ends; set while the circuit is open. */
  coolingDownUntil?: number;
  /** Epoch ms until which the carrier asked not to be called (`Retry-After`). */
  rateLimitedUntil?: number;
  misconfigured: boolean;
  /** Consecutive failures (0 after a success). */
  failures: number;
  /** Failures since the relay started. */
  totalFailures: number;
}

/**
 * Longest a `Retry-After` keeps a carrier out, and longest the relay tells its caller to wait: a bogus
 * or hostile value (days, years) must not take an account out of rotation until someone notices;
 * past this, the next call finds out again.
 */
export const MAX_RETRY_AFTER_SECONDS = 600;
const MAX_RETRY_AFTER_MS = MAX_RETRY_AFTER_SECONDS * 1000;

/**
 * The circuit breaker of one carrier: closed (in rotation), open (out of rotation until a cool-down
 * ends), half-open (one probe call let through). The cool-down doubles every time a probe fails, up to
 * `maxCoolDownMs`, and goes back to `coolDownMs` after a success. Separately, a `Retry-After` keeps the
 * carrier out until the time it named. The clock is injected so the state machine is testable.
 */
export class CarrierHealth {
  readonly #options: Required<CircuitOptions>;
  readonly #now: () => number;
  readonly #onChange: HealthListener;
  #circuit: 'closed' | 'open' | 'half_open' = 'closed';
  #misconfigured = false;
  #openUntil = 0;
  #coolDownMs: number;
  #probeInFlight = false;
  #failures = 0;
  #totalFailures = 0;
  #rateLimitedUntil = 0;
  #epoch = 0;

  constructor(options: Required<CircuitOptions>, now: () => number, onChange: HealthListener = () => {}) {
    this.#options = options;
    this.#now = now;
    this.#onChange = onChange;
    this.#coolDownMs = options.coolDownMs;
  }

  /** Why a call cannot start now, or undefined when it can. Moves an open circuit whose time is up to half-open. */
  unavailability(): Unavailability | undefined {
    const now = this.#now();
    if (this.#circuit === 'open') {
      if (now < this.#openUntil) return { reason: this.#misconfigured ? 'misconfigured' : 'cooling_down', until: this.#openUntil };
      this.#circuit = 'half_open';
      this.#onChange('half_open', undefined);
    }
    if (this.#circuit === 'half_open' && this.#probeInFlight) return { reason: 'probing' };
    if (now < this.#rateLimitedUntil) return { reason: 'rate_limited', until: this.#rateLimitedUntil };
    return undefined;
  }

  /**
   * Records the start of a call. Call it right after {@link unavailability} answered undefined, in
   * the same tick; `force` (pinned requests) lets a call through whatever the state, never as the probe.
   */
  begin(force = false, requestId?: string): HealthTicket {
    const who = requestId === undefined ? {} : { requestId };
    if (!force && this.#circuit === 'half_open' && !this.#probeInFlight) {
      this.#probeInFlight = true;
      return { probe: true, epoch: this.#epoch, ...who };
    }
    return { probe: false, epoch: this.#epoch, ...who };
  }

  /** Records how a call ended; `retryAfterMs` (from `Retry-After`) keeps the carrier out that long, 10 minutes at most. */
  end(ticket: HealthTicket, outcome: CallOutcome, retryAfterMs?: number): void {
    // Begun before the operator's reset: it says nothing of the carrier as it is now.
    if (ticket.epoch !== this.#epoch) return;
    if (ticket.probe) this.#probeInFlight = false;
    const requestId = ticket.requestId;
    if (retryAfterMs !== undefined && retryAfterMs > 0) {
      const until = this.#now() + Math.min(retryAfterMs, MAX_RETRY_AFTER_MS);
      if (until > this.#rateLimitedUntil) {
        this.#rateLimitedUntil = until;
        this.#onChange('rate_limited', until, requestId);
      }
    }
    switch (outcome) {
      case 'neutral':
        return;
      case 'success':
        this.#failures = 0;
        if (this.#circuit !== 'closed' || this.#misconfigured) {
          this.#circuit = 'closed';
          this.#misconfigured = false;
          this.#coolDownMs = this.#options.coolDownMs;
          this.#onChange('healthy', undefined, requestId);
        }
        return;
      case 'misconfigured':
        this.#failures += 1;
        this.#totalFailures += 1;
        this.#misconfigured = true;
        this.#open(this.#options.misconfiguredMs, requestId);
        return;
      case 'failure':
        this.#failures += 1;
        this.#totalFailures += 1;
        if (ticket.probe && this.#circuit === 'half_open') {
          // The probe failed: stay out, twice as long as last time.
          this.#coolDownMs = Math.min(this.#options.maxCoolDownMs, this.#coolDownMs * 2);
          this.#open(this.#coolDownMs, requestId);
        } else if (this.#circuit === 'closed' && this.#failures >= this.#options.failureThreshold) {
          this.#open(this.#coolDownMs, requestId);
        }
        return;
    }
  }

  #open(forMs: number, requestId: string | undefined): void {
    this.#circuit = 'open';
    this.#openUntil = this.#now() + forMs;
    this.#onChange(this.#misconfigured ? 'misconfigured' : 'cooling_down', this.#openUntil, requestId);
  }

  /** Puts the carrier back in rotation with a clean record (an operator fixed it; tests). */
  reset(): void {
    const changed = this.#circuit !== 'closed' || this.#misconfigured || this.#rateLimitedUntil > this.#now();
    this.#circuit = 'closed';
    this.#misconfigured = false;
    this.#coolDownMs = this.#options.coolDownMs;
    this.#probeInFlight = false;
    this.#failures = 0;
    this.#rateLimitedUntil = 0;
    this.#epoch += 1;
    if (changed) this.#onChange('healthy', undefined);
  }

  /** The state now, without side effects. */
  snapshot(): HealthSnapshot {
    const now = this.#now();
    const open = this.#circuit === 'open' && now < this.#openUntil;
    const rateLimited = now < this.#rateLimitedUntil;
    const status: HealthStatus = open
      ? this.#misconfigured
        ? 'misconfigured'
        : 'cooling_down'
      : this.#circuit !== 'closed'
        ? 'half_open'
        : rateLimited
          ? 'rate_limited'
          : 'healthy';
    return {
      status,
      ...(open ? { coolingDownUntil: this.#openUntil } : {}),
      ...(rateLimited ? { rateLimitedUntil: this.#rateLimitedUntil } : {}),
      misconfigured: this.#misconfigured,
      failures: this.#failures,
      totalFailures: this.#totalFailures,
    };
  }
}
