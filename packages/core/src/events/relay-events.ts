/** Emitted once a request passed validation. */
export interface RequestAcceptedEvent {
  type: 'request.accepted';
  requestId: string;
  n: number;
  resolution: string;
  aspectRatio?: string;
  references: number;
  /** Who asked (from `authorize` or `relay.generate(..., { principal })`). */
  principal?: string;
  /** The caller's end-user id, as sent in the request's `user` field (not authenticated). */
  user?: string;
}

/** Emitted after every upstream call. */
export interface CarrierAttemptEvent {
  type: 'carrier.attempt';
  requestId: string;
  /** Who asked, as in `request.accepted`: an upstream call is what costs money. */
  principal?: string;
  carrierId: string;
  /** 1-based index of the image in the request. */
  image: number;
  attempt: number;
  ok: boolean;
  /** Upstream HTTP status, when there was one. */
  status?: number;
  /** Failure kind (CarrierError.kind), when it failed. */
  error?: string;
  /** The failure lets the image move to another carrier (retryable failures, and account problems, which concern that account only). */
  retryable?: boolean;
  latencyMs: number;
  /** The call was the half-open probe of a carrier coming back from a cool-down. */
  probe?: boolean;
  /** The request was pinned to this carrier by the operator. */
  pinned?: boolean;
}

/** Emitted when a call moves to another carrier after a retryable failure. */
export interface CarrierFallbackEvent {
  type: 'carrier.fallback';
  requestId: string;
  principal?: string;
  image: number;
  from: string;
  to: string;
  reason: string;
  /** The attempt number about to start on `to`. */
  attempt?: number;
  /** Backoff waited before it, in ms. */
  delayMs?: number;
}

/** Emitted when a carrier's health changes: out of rotation, probed, back, rate limited, misconfigured. */
export interface CarrierHealthEvent {
  type: 'carrier.health';
  /** The request whose call caused the change (absent when a cool-down simply ran out). */
  requestId?: string;
  carrierId: string;
  status: 'healthy' | 'cooling_down' | 'half_open' | 'misconfigured' | 'rate_limited';
  /** ISO time when the cool-down or rate limit ends. */
  until?: string;
  /** Consecutive failures. */
  failures: number;
}

/** Emitted when an image is stored. */
export interface ImageArchivedEvent {
  type: 'image.archived';
  requestId: string;
  principal?: string;
  key: string;
  bytes: number;
  format: string;
  width: number;
  height: number;
  transcoded: boolean;
  carrierId: string;
}

/** Emitted when a request ends, successfully or not. */
export interface RequestFinishedEvent {
  type: 'request.finished';
  requestId: string;
  status: number;
  /** Error code, when it failed. */
  code?: string;
  latencyMs: number;
  images: number;
  resolution?: string;
  references?: number;
  principal?: string;
  /** The request's `user` field, when it passed validation. */
  user?: string;
}

/** Structured events for billing, logging and metrics, delivered to `createRelay({ onEvent })`. */
export type RelayEvent =
  | RequestAcceptedEvent
  | CarrierAttemptEvent
  | CarrierFallbackEvent
  | CarrierHealthEvent
  | ImageArchivedEvent
  | RequestFinishedEvent;

/**
 * Receives relay events. May be async (a billing write): what it returns is ignored, and its errors,
 * thrown or rejected, are swallowed so that a logger cannot break a request. It is not awaited.
 */
export type RelayEventListener = (event: RelayEvent) => unknown;

/** How the relay's own modules send an event (through {@link safeEmitter}: never throws). */
export type EmitRelayEvent = (event: RelayEvent) => void;

/** Wraps a listener so that a throwing or rejecting listener never affects a request. */
export function safeEmitter(listener: RelayEventListener | undefined): EmitRelayEvent {
  if (!listener) return () => {};
  return (event) => {
    try {
      const result = listener(event);
      // An async listener's rejection would otherwise be unhandled, which ends the whole process.
      if (result !== undefined && typeof (result as PromiseLike<void>).then === 'function') void Promise.resolve(result).catch(() => {});
    } catch {
      // A broken logger must not turn a generated image into an error.
    }
  };
}
