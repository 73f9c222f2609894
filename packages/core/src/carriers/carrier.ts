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
 * An upstream account that can generate images. Implement it to add any provider; the built-ins
 * (`geminiCarrier`, `vertexCarrier`) use nothing but this interface.
 * Failures are thrown as {@link CarrierError}.
 */
export interface Carrier {
  /** Unique id, used in events, routing and pinning. */
  readonly id: string;
  /** Official Gemini/Vertex carrier: the only kind that may take multi-reference requests by default. */
  readonly official: boolean;
  generate(request: CarrierRequest, context: CarrierCallContext): Promise<CarrierImage>;
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
