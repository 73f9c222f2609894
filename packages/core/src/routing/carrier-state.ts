import type { Carrier } from '../carriers/carrier.js';
import { CarrierHealth, type HealthListener, type HealthStatus, type HealthTicket } from './carrier-health.js';
import type { BusyReason } from './no-carrier-error.js';
import type { CircuitOptions } from './routing-options.js';

/** One carrier's state, as `relay.carriers()` reports it (JSON-ready, for a health endpoint). */
export interface CarrierState {
  id: string;
  official: boolean;
  priority: number;
  weight: number;
  /** Null when the carrier has no limit. */
  maxConcurrency: number | null;
  /** Calls in flight now. */
  inFlight: number;
  status: HealthStatus;
  /** Whether a call could start on it now (in rotation and below `maxConcurrency`). */
  available: boolean;
  /** ISO time when its cool-down (or misconfiguration) ends, while it is out of rotation. */
  coolingDownUntil: string | null;
  /** ISO time until which it asked not to be called (`Retry-After`). */
  rateLimitedUntil: string | null;
  /** An account problem (401/403/404, a bad key, unusable credentials): its credentials or project need fixing. */
  misconfigured: boolean;
  /** Consecutive failures (0 after a success). */
  failures: number;
  /** Failures since the relay started. */
  totalFailures: number;
}

/** A call's hold on a carrier, released exactly once by {@link CarrierSlot.end}. */
export interface SlotTicket {
  health: HealthTicket;
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

/** A carrier with its routing settings resolved, its health and its in-flight count. */
export class CarrierSlot {
  readonly carrier: Carrier;
  readonly health: CarrierHealth;
  readonly priority: number;
  readonly weight: number;
  readonly maxConcurrency: number;
  #inFlight = 0;

  constructor(carrier: Carrier, circuit: Required<CircuitOptions>, now: () => number, onHealth: HealthListener) {
    this.carrier = carrier;
    this.priority = carrier.priority ?? 0;
    this.weight = carrier.weight ?? 1;
    this.maxConcurrency = carrier.maxConcurrency ?? Infinity;
    this.health = new CarrierHealth(circuit, now, onHealth);
  }

  get id(): string {
    return this.carrier.id;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Why a call cannot start on it now (health first, then capacity), or undefined. `force`: pinned, health ignored. */
  busy(force = false): BusyReason | undefined {
    if (!force) {
      const health = this.health.unavailability();
      if (health) return health;
    }
    return this.#inFlight >= this.maxConcurrency ? { reason: 'at_capacity' } : undefined;
  }

  /** Takes a place for one call. Only after {@link busy} answered undefined, in the same tick. */
  begin(force = false, requestId?: string): SlotTicket {
    this.#inFlight += 1;
    return { health: this.health.begin(force, requestId) };
  }

  /** Gives the place back and records the outcome. */
  end(ticket: SlotTicket, outcome: Parameters<CarrierHealth['end']>[1], retryAfterMs?: number): void {
    this.#inFlight -= 1;
    this.health.end(ticket.health, outcome, retryAfterMs);
  }

  state(): CarrierState {
    const h = this.health.snapshot();
    return {
      id: this.carrier.id,
      official: this.carrier.official,
      priority: this.priority,
      weight: this.weight,
      maxConcurrency: Number.isFinite(this.maxConcurrency) ? this.maxConcurrency : null,
      inFlight: this.#inFlight,
      status: h.status,
      available: this.busy() === undefined,
      coolingDownUntil: iso(h.coolingDownUntil),
      rateLimitedUntil: iso(h.rateLimitedUntil),
      misconfigured: h.misconfigured,
      failures: h.failures,
      totalFailures: h.totalFailures,
    };
  }
}
