import { CarrierError, type Carrier, type CarrierImage, type CarrierRequest } from '../carriers/carrier.js';
import { RelayError } from '../contract/errors.js';
import type { EmitRelayEvent } from '../events/relay-events.js';
import { linkedSignal } from '../signals/linked-signal.js';
import type { CallOutcome } from './carrier-health.js';
import { CarrierSlot, type CarrierState } from './carrier-state.js';
import { ineligibility, type Ineligibility, type RouteSpec } from './eligibility.js';
import { noAvailableCarrier, noEligibleCarrier, type BusyReason } from './no-carrier-error.js';
import { pinnedCarrierOf, type PinSource } from './pinning.js';
import { relayErrorFromCarrier } from './relay-error-from-carrier.js';
import { backoffDelay, waitOrAbort } from './retry-backoff.js';
import type { ResolvedRouting } from './routing-options.js';
import { pickCarrier } from './weighted-pick.js';

export { DEFAULT_ROUTING_POLICY, type RoutingPolicy } from './routing-options.js';

/** Where one image is generated and who made it. */
export interface RoutedImage {
  image: CarrierImage;
  carrierId: string;
}

/** Per-call routing context. */
export interface RouteContext {
  signal: AbortSignal;
  /** 1-based image index within the request. */
  image: number;
  /** Who asked, carried into the attempt and fallback events. */
  principal?: string;
  /**
   * Looks at a carrier's image before its attempt counts as a success. A CarrierError it throws fails
   * the attempt like the carrier's own (a retryable one moves the image on to the next carrier).
   */
  check?: (image: CarrierImage) => Promise<void>;
}

/** The `principal` field of an event, when the request has one. */
function principalOf(context: RouteContext): { principal?: string } {
  return context.principal === undefined ? {} : { principal: context.principal };
}

/** The carriers one request may use, settled (and checked) before anything is downloaded. */
export interface Route {
  /** The carrier the operator pinned the request to, if any. */
  readonly pinned: string | undefined;
  /** Generates one image: picks a carrier, fails over on retryable failures, within the attempt budget. */
  generate(request: CarrierRequest, context: RouteContext): Promise<RoutedImage>;
}

function checkSettings(carrier: Carrier): void {
  const bad = (what: string): never => {
    throw new TypeError(`createRelay: carrier '${carrier.id}': ${what}`);
  };
  if (carrier.priority !== undefined && !Number.isFinite(carrier.priority)) bad('priority must be a finite number');
  if (carrier.weight !== undefined && !(Number.isFinite(carrier.weight) && carrier.weight > 0)) bad('weight must be a number > 0');
  if (carrier.maxConcurrency !== undefined && !(Number.isInteger(carrier.maxConcurrency) && carrier.maxConcurrency >= 1)) {
    bad('maxConcurrency must be an integer >= 1');
  }
  if (carrier.timeoutMs !== undefined && !(Number.isFinite(carrier.timeoutMs) && carrier.timeoutMs > 0)) bad('timeoutMs must be a number > 0');
  if (carrier.maxReferenceImages !== undefined && !(Number.isInteger(carrier.maxReferenceImages) && carrier.maxReferenceImages >= 0)) {
    bad('maxReferenceImages must be an integer >= 0');
  }
}

/** How a failed call bears on its carrier's health. */
function outcomeOf(error: unknown, cancelled: boolean): CallOutcome {
  if (cancelled) return 'neutral';
  // The caller's input refused before any upstream call (a reference that cannot be brought under
  // the carrier's inline limit): nothing about the carrier.
  if (error instanceof RelayError && error.status < 500) return 'neutral';
  if (!(error instanceof CarrierError)) return 'failure';
  switch (error.kind) {
    case 'auth':
      return 'misconfigured';
    case 'rate_limited':
    case 'unavailable':
    case 'timeout':
    case 'network':
      return 'failure';
    case 'aborted':
      return 'neutral';
    default:
      // It answered, and the refusal is about this request (400, content policy, no image).
      return 'success';
  }
}

/** Rejects as soon as `signal` aborts, even if `work` ignores it: a carrier that does not listen cannot hold a request. */
function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err as Error);
      },
    );
  });
}

/**
 * Chooses carriers and fails over. Per request: the multi-reference rule and the carriers' declared
 * limits decide who is eligible (before any download or upstream call); an operator pin narrows it
 * to one carrier. Per image: among eligible carriers that are in rotation (circuit closed or
 * half-open, no pending `Retry-After`) and below their `maxConcurrency`, the lowest priority wins and
 * weight shares calls within it. A retryable failure (or a misconfigured account: 401/403, a bad
 * key, a missing model, which only concerns that account) moves the image to another carrier after a
 * full-jitter backoff, within `maxAttempts` (and `maxAttemptsPerCarrier`); anything else ends it.
 * When no carrier can take a call, the answer comes at once (503, or 429 when all are rate limited).
 */
export class CarrierRouter {
  readonly #slots: CarrierSlot[];
  readonly #byId: Map<string, CarrierSlot>;
  readonly #routing: ResolvedRouting;
  readonly #emit: EmitRelayEvent;

  constructor(carriers: readonly Carrier[], routing: ResolvedRouting, emit: EmitRelayEvent) {
    this.#routing = routing;
    this.#emit = emit;
    this.#slots = carriers.map((carrier) => {
      checkSettings(carrier);
      const slot: CarrierSlot = new CarrierSlot(carrier, routing.circuit, routing.now, (status, until, requestId) =>
        emit({
          type: 'carrier.health',
          ...(requestId === undefined ? {} : { requestId }),
          carrierId: carrier.id,
          status,
          ...(until === undefined ? {} : { until: new Date(until).toISOString() }),
          failures: slot.health.snapshot().failures,
        }),
      );
      return slot;
    });
    this.#byId = new Map(this.#slots.map((s) => [s.id, s]));
  }

  /**
   * Settles the carriers a request may use, or throws the answer: 403 for a pin without the operator
   * secret, 400 for an unknown pinned carrier, 503 when no carrier may ever take it (saying why),
   * 503/429 when none can take it right now.
   */
  route(spec: RouteSpec, pin: PinSource = {}): Route {
    const policy = this.#routing.policy;
    const pinnedCarrier = pinnedCarrierOf(pin, this.#routing.pinning);
    const excluded = new Set<Ineligibility>();
    let candidates: CarrierSlot[];
    if (pinnedCarrier !== undefined) {
      const slot = this.#byId.get(pinnedCarrier);
      if (!slot) throw new RelayError(400, `No carrier '${pinnedCarrier}' is configured.`, { code: 'unknown_carrier' });
      const why = ineligibility(slot.carrier, spec, policy);
      if (why) throw noEligibleCarrier(spec, new Set([why]), policy.officialOnlyFromReferences, 1);
      candidates = [slot];
    } else {
      candidates = this.#slots.filter((slot) => {
        const why = ineligibility(slot.carrier, spec, policy);
        if (why) excluded.add(why);
        return why === undefined;
      });
      if (candidates.length === 0) throw noEligibleCarrier(spec, excluded, policy.officialOnlyFromReferences, this.#slots.length);
    }
    const pinned = pinnedCarrier !== undefined;
    const officialRule = excluded.has('official_only') ? policy.officialOnlyFromReferences : undefined;
    // Answer at once, before downloading anything, when none of them can take a call now.
    const reasons = candidates.map((slot) => slot.busy(pinned));
    if (reasons.every((r) => r !== undefined)) throw noAvailableCarrier(reasons as BusyReason[], this.#routing.now(), officialRule);
    return {
      pinned: pinnedCarrier,
      generate: (request, context) => this.#generate(candidates, pinned, officialRule, request, context),
    };
  }

  /** Every carrier's state, in configuration order. */
  states(): CarrierState[] {
    return this.#slots.map((s) => s.state());
  }

  /** Puts one carrier (or all) back in rotation with a clean record. Throws a RangeError for an unknown id. */
  resetHealth(carrierId?: string): void {
    if (carrierId === undefined) {
      for (const slot of this.#slots) slot.health.reset();
      return;
    }
    const slot = this.#byId.get(carrierId);
    if (!slot) throw new RangeError(`No carrier '${carrierId}' is configured.`);
    slot.health.reset();
  }

  async #generate(
    candidates: readonly CarrierSlot[],
    pinned: boolean,
    officialRule: number | undefined,
    request: CarrierRequest,
    context: RouteContext,
  ): Promise<RoutedImage> {
    const { maxAttempts, maxAttemptsPerCarrier, backoff, random, now } = this.#routing;
    const accepting = candidates.filter((slot) => slot.carrier.accepts?.(request) ?? true);
    const tries = new Map<CarrierSlot, number>();
    let last: { slot: CarrierSlot; error: unknown } | undefined;
    for (let attempt = 1; ; attempt += 1) {
      const left = accepting.filter((slot) => (tries.get(slot) ?? 0) < maxAttemptsPerCarrier);
      let delayMs = 0;
      if (last !== undefined) {
        if (left.length === 0) throw relayErrorFromCarrier(last.error);
        delayMs = backoffDelay(attempt - 1, backoff, random);
        try {
          await waitOrAbort(delayMs, context.signal);
        } catch (cause) {
          throw relayErrorFromCarrier(new CarrierError('aborted', 'The request was cancelled.', { cause }));
        }
      }
      const reasons: BusyReason[] = candidates.filter((slot) => !accepting.includes(slot)).map(() => ({ reason: 'declined' }));
      const free = left.filter((slot) => {
        const busy = slot.busy(pinned);
        if (busy) reasons.push(busy);
        return busy === undefined;
      });
      const slot = pickCarrier(free, random);
      if (slot === undefined) {
        // Nothing can take it now: say so at once (after a failure, the failure is the better answer).
        throw last !== undefined ? relayErrorFromCarrier(last.error) : noAvailableCarrier(reasons, now(), officialRule);
      }
      if (last !== undefined) {
        const reason = last.error instanceof CarrierError ? last.error.kind : 'unknown';
        this.#emit({ type: 'carrier.fallback', requestId: request.requestId, ...principalOf(context), image: context.image, from: last.slot.id, to: slot.id, reason, attempt, delayMs });
      }
      tries.set(slot, (tries.get(slot) ?? 0) + 1);
      const ticket = slot.begin(pinned, request.requestId);
      const started = performance.now();
      const common = {
        type: 'carrier.attempt',
        requestId: request.requestId,
        ...principalOf(context),
        carrierId: slot.id,
        image: context.image,
        attempt,
        ...(ticket.health.probe ? { probe: true } : {}),
        ...(pinned ? { pinned: true } : {}),
      } as const;
      try {
        const image = await this.#call(slot.carrier, request, context.signal);
        await context.check?.(image);
        slot.end(ticket, 'success');
        this.#emit({ ...common, ok: true, latencyMs: performance.now() - started });
        return { image, carrierId: slot.id };
      } catch (err) {
        const failure = err instanceof CarrierError ? err : undefined;
        // A misconfigured account (401/403, a bad key...) concerns that account only: the image moves on, and the account leaves rotation.
        const movesOn = failure !== undefined && (failure.retryable || failure.kind === 'auth');
        const retryAfterMs = failure?.kind === 'rate_limited' && failure.retryAfterSeconds !== undefined ? failure.retryAfterSeconds * 1000 : undefined;
        slot.end(ticket, outcomeOf(err, context.signal.aborted), retryAfterMs);
        this.#emit({
          ...common,
          ok: false,
          ...(failure?.status === undefined ? {} : { status: failure.status }),
          error: failure?.kind ?? 'unknown',
          retryable: movesOn,
          latencyMs: performance.now() - started,
        });
        if (context.signal.aborted || !movesOn || attempt >= maxAttempts) throw relayErrorFromCarrier(err);
        last = { slot, error: err };
      }
    }
  }

  /** One upstream call, bounded by the carrier's `timeoutMs` (a timeout is a retryable failure, not a cancellation). */
  async #call(carrier: Carrier, request: CarrierRequest, signal: AbortSignal): Promise<CarrierImage> {
    const limit = carrier.timeoutMs === undefined ? undefined : linkedSignal([signal], carrier.timeoutMs);
    const combined = limit?.signal ?? signal;
    try {
      return await raceAbort(carrier.generate(request, { signal: combined }), combined);
    } catch (err) {
      if (signal.aborted) {
        throw err instanceof CarrierError && err.kind === 'aborted' ? err : new CarrierError('aborted', 'The request was cancelled.', { cause: err });
      }
      if (limit?.timedOut && !(err instanceof CarrierError && err.kind !== 'aborted')) {
        throw new CarrierError('timeout', 'The upstream model did not answer in time.', { cause: err });
      }
      throw err;
    } finally {
      limit?.dispose();
    }
  }
}
