/** The `type` field of an OpenAI-shaped error. */
export type RelayErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'upstream_error'
  | 'server_error';

/** The JSON body every error leaves the relay with, as OpenAI's API shapes it. */
export interface OpenAIErrorBody {
  error: { message: string; type: RelayErrorType; param: string | null; code: string | null };
}

/** Options of a {@link RelayError}. */
export interface RelayErrorOptions {
  /** The request field at fault, e.g. `image_input[1]`. */
  param?: string | null;
  /** Machine-readable code, e.g. `model_not_found`. */
  code?: string | null;
  /** Error type; derived from the status when omitted. */
  type?: RelayErrorType;
  /** Seconds the caller should wait before retrying (sent as `Retry-After`). */
  retryAfterSeconds?: number;
  /** The internal cause, kept on the error (`err.cause`) for the host's logs; never sent to the caller. */
  cause?: unknown;
}

function typeForStatus(status: number): RelayErrorType {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status === 502 || status === 503 || status === 504) return 'upstream_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/**
 * An error the relay answers with. Its message is written for the caller: it never contains keys,
 * tokens, internal addresses or upstream URLs (those stay in `cause`).
 */
export class RelayError extends Error {
  readonly status: number;
  readonly type: RelayErrorType;
  readonly param: string | null;
  readonly code: string | null;
  readonly retryAfterSeconds: number | undefined;

  constructor(status: number, message: string, options: RelayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RelayError';
    this.status = status;
    this.type = options.type ?? typeForStatus(status);
    this.param = options.param ?? null;
    this.code = options.code ?? null;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** The OpenAI-shaped body for this error. */
  toJSON(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** The 499 of a request whose client went away (or whose caller cancelled it). */
export function cancelledError(cause: unknown): RelayError {
  return new RelayError(499, 'The request was cancelled.', { code: 'request_cancelled', cause });
}

/** Turns anything thrown into a RelayError; unknown errors become a generic 500 with no detail. */
export function toRelayError(err: unknown): RelayError {
  if (err instanceof RelayError) return err;
  return new RelayError(500, 'The server failed to process the request.', { code: 'internal_error', cause: err });
}
