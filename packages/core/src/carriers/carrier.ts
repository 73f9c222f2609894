import type { ReferenceImage } from '../references/reference-image.js';
import type { OutputFormat, Resolution, AspectRatio } from '../contract/capabilities.js';

/** One image to generate, as a carrier receives it (already validated and with references downloaded). */
export interface CarrierRequest {
  prompt: string;
  references: ReferenceImage[];
  resolution: Resolution;
  /** Omitted: the model follows the input. */
  aspectRatio?: AspectRatio;
  outputFormat: OutputFormat;
  /** Correlates logs and events. */
  requestId: string;
}

/** What a carrier returns: the final image's bytes, and the MIME type upstream declared (not trusted). */
export interface CarrierImage {
  bytes: Buffer;
  declaredMimeType?: string;
}

/** Per-call context handed to a carrier. */
export interface CarrierCallContext {
  /** Aborted when the caller goes away or the deadline passes: stop spending upstream money. */
  signal: AbortSignal;
}

/**
 * How the router treats a carrier. Every field is optional; the built-in carriers take them as options
 * and carry them over. Defaults are the router's when a field is absent.
 */
export interface CarrierRoutingSettings {
  /** Lower goes first: a higher priority is used only when no carrier of a lower one can take the call. Default 0. */
  readonly priority?: number;
  /** Share of calls among the available carriers of one priority (relative, > 0). Default 1. */
  readonly weight?: number;
  /**
   * Most calls of this carrier in flight at once. At the limit the carrier is skipped, never queued
   * behind. Default: no limit (the built-in carriers default to 16, their connection pool size).
   */
  readonly maxConcurrency?: number;
  /**
   * Time limit of one call in ms, enforced by the router (a call past it fails over as a timeout).
   * Default: none (the built-in carriers default to 120 000 and enforce it themselves too).
   */
  readonly timeoutMs?: number;
  /** Most references this carrier takes; requests with more never reach it. Default: the model's. */
  readonly maxReferenceImages?: number;
  /** Resolutions this carrier supports; requests for others never reach it. Default: all. */
  readonly resolutions?: readonly Resolution[];
  /** Aspect ratios this carrier supports; requests for others never reach it. Default: all. */
  readonly aspectRatios?: readonly AspectRatio[];
}

/** Copies the routing settings present in `options` (built-in carriers use it to carry them over). */
export function routingSettingsOf(options: CarrierRoutingSettings): CarrierRoutingSettings {
  const keys = ['priority', 'weight', 'maxConcurrency', 'timeoutMs', 'maxReferenceImages', 'resolutions', 'aspectRatios'] as const;
  return Object.fromEntries(keys.filter((k) => options[k] !== undefined).map((k) => [k, options[k]])) as CarrierRoutingSettings;
}

/**
 * An upstream account that can generate images. Implement it to add any provider; the built-ins
 * (`geminiCarrier`, `vertexCarrier`, `relayCarrier`) use nothing but this interface.
 * Failures are thrown as {@link CarrierError}.
 */
export interface Carrier extends CarrierRoutingSettings {
  /** Unique id, used in events, routing and pinning. */
  readonly id: string;
  /** Official Gemini/Vertex carrier: the only kind that may take multi-reference requests by default. */
  readonly official: boolean;
  generate(request: CarrierRequest, context: CarrierCallContext): Promise<CarrierImage>;
  /**
   * Optional last word on whether this carrier can take a request (checked before each call, after
   * the declarative limits above). A carrier that answers false is skipped, as if it were not eligible.
   */
  accepts?(request: CarrierRequest): boolean;
}

/** Why a carrier call failed. */
export type CarrierErrorKind =
  | 'bad_request'
  | 'content_policy'
  | 'no_image'
  | 'auth'
  | 'rate_limited'
  | 'unavailable'
  | 'timeout'
  | 'network'
  | 'aborted';

/** Options of a {@link CarrierError}. */
export interface CarrierErrorOptions {
  /** Upstream HTTP status, when there was one. */
  status?: number;
  retryAfterSeconds?: number;
  /** For content_policy: the finishReason or blockReason. */
  reason?: string;
  cause?: unknown;
}

/** A failed carrier call. Its message is safe to show a caller; details stay in `cause`. */
export class CarrierError extends Error {
  readonly kind: CarrierErrorKind;
  readonly status: number | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly reason: string | undefined;

  constructor(kind: CarrierErrorKind, message: string, options: CarrierErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CarrierError';
    this.kind = kind;
    this.status = options.status;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.reason = options.reason;
  }

  /** Whether another carrier (or a later attempt) may succeed. */
  get retryable(): boolean {
    return ['no_image', 'rate_limited', 'unavailable', 'timeout', 'network'].includes(this.kind);
  }
}
