import { CarrierError, type Carrier, type CarrierImage, type CarrierRequest } from '../carriers/carrier.js';
import { RelayError } from '../contract/errors.js';
import type { RelayEventListener } from '../events/relay-events.js';
import { relayErrorFromCarrier } from './relay-error-from-carrier.js';

/** Server-side routing rules (not part of the customer contract). */
export interface RoutingPolicy {
  /** Requests with this many references or more go only to official carriers. Default 2 (the contract's rule). */
  officialOnlyFromReferences: number;
}

/** Default routing policy: multi-reference requests only reach official Gemini/Vertex carriers. */
export const DEFAULT_ROUTING_POLICY: RoutingPolicy = { officialOnlyFromReferences: 2 };

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
}

/**
 * Chooses carriers for one image and fails over: a retryable failure moves the call to the next
 * eligible carrier; a non-retryable one ends it at once.
 */
export class CarrierRouter {
  readonly #carriers: readonly Carrier[];
  readonly #policy: RoutingPolicy;
  readonly #emit: RelayEventListener;

  constructor(carriers: readonly Carrier[], policy: RoutingPolicy, emit: RelayEventListener) {
    this.#carriers = carriers;
    this.#policy = policy;
    this.#emit = emit;
  }

  /**
   * Carriers allowed to take a request with this many references, in preference order.
   * Throws 503 when there is none, so the rule holds before any download or upstream call.
   */
  eligible(referenceCount: number): Carrier[] {
    const officialOnly = referenceCount >= this.#policy.officialOnlyFromReferences;
    const eligible = this.#carriers.filter((c) => !officialOnly || c.official);
    if (eligible.length === 0) {
      const why = officialOnly
        ? `Requests with ${this.#policy.officialOnlyFromReferences} or more references can only be served by official carriers, and none is configured.`
        : 'No carrier is configured.';
      throw new RelayError(503, `No upstream carrier can take this request. ${why}`, { code: 'no_carrier_available' });
    }
    return eligible;
  }

  /** Generates one image, failing over across eligible carriers. */
  async generate(request: CarrierRequest, context: RouteContext): Promise<RoutedImage> {
    const candidates = this.eligible(request.references.length);
    let lastError: unknown;
    for (const [i, carrier] of candidates.entries()) {
      if (context.signal.aborted) break;
      const started = performance.now();
      try {
        const image = await carrier.generate(request, { signal: context.signal });
        this.#emit({ type: 'carrier.attempt', requestId: request.requestId, carrierId: carrier.id, image: context.image, attempt: i + 1, ok: true, latencyMs: performance.now() - started });
        return { image, carrierId: carrier.id };
      } catch (err) {
        lastError = err;
        const failure = err instanceof CarrierError ? err : undefined;
        this.#emit({
          type: 'carrier.attempt',
          requestId: request.requestId,
          carrierId: carrier.id,
          image: context.image,
          attempt: i + 1,
          ok: false,
          ...(failure?.status === undefined ? {} : { status: failure.status }),
          error: failure?.kind ?? 'unknown',
          retryable: failure?.retryable ?? false,
          latencyMs: performance.now() - started,
        });
        const next = candidates[i + 1];
        if (!failure?.retryable || next === undefined || context.signal.aborted) break;
        this.#emit({ type: 'carrier.fallback', requestId: request.requestId, image: context.image, from: carrier.id, to: next.id, reason: failure.kind });
      }
    }
    throw relayErrorFromCarrier(lastError ?? new CarrierError('aborted', 'The request was cancelled.'));
  }
}
