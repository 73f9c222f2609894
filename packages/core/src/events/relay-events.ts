/** Emitted once a request passed validation. */
export interface RequestAcceptedEvent {
  type: 'request.accepted';
  requestId: string;
  n: number;
  resolution: string;
  aspectRatio?: string;
  references: number;
}

/** Emitted after every upstream call. */
export interface CarrierAttemptEvent {
  type: 'carrier.attempt';
  requestId: string;
  carrierId: string;
  /** 1-based index of the image in the request. */
  image: number;
  attempt: number;
  ok: boolean;
  /** Upstream HTTP status, when there was one. */
  status?: number;
  /** Failure kind (CarrierError.kind), when it failed. */
  error?: string;
  retryable?: boolean;
  latencyMs: number;
}

/** Emitted when a call moves to another carrier after a retryable failure. */
export interface CarrierFallbackEvent {
  type: 'carrier.fallback';
  requestId: string;
  image: number;
  from: string;
  to: string;
  reason: string;
}

/** Emitted when an image is stored. */
export interface ImageArchivedEvent {
  type: 'image.archived';
  requestId: string;
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
}

/** Structured events for billing, logging and metrics, delivered to `createRelay({ onEvent })`. */
export type RelayEvent =
  | RequestAcceptedEvent
  | CarrierAttemptEvent
  | CarrierFallbackEvent
  | ImageArchivedEvent
  | RequestFinishedEvent;

/** Receives relay events. Must not throw (errors are swallowed so that a logger cannot break a request). */
export type RelayEventListener = (event: RelayEvent) => void;

/** Wraps a listener so that a throwing listener never affects a request. */
export function safeEmitter(listener: RelayEventListener | undefined): RelayEventListener {
  if (!listener) return () => {};
  return (event) => {
    try {
      listener(event);
    } catch {
      // A broken logger must not turn a generated image into an error.
    }
  };
}
