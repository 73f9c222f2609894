/** Google's canonical status names (google.rpc.Code) for the HTTP codes its REST APIs answer with. */
const STATUS_NAMES: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  412: 'FAILED_PRECONDITION',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** The messages Google typically sends with each code, used when a fault gives none. */
const DEFAULT_MESSAGES: Readonly<Record<number, string>> = {
  400: 'Request contains an invalid argument.',
  401: 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
  403: 'The caller does not have permission',
  404: 'Requested entity was not found.',
  429: 'Resource has been exhausted (e.g. check quota).',
  500: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
  503: 'The model is overloaded. Please try again later.',
  504: 'Deadline expired before operation could complete.',
};

/** The google.rpc status name for an HTTP code. */
export function googleStatusName(code: number): string {
  return STATUS_NAMES[code] ?? (code >= 500 ? 'INTERNAL' : code >= 400 ? 'FAILED_PRECONDITION' : 'OK');
}

/** Google's usual message for an HTTP code. */
export function defaultGoogleMessage(code: number): string {
  return DEFAULT_MESSAGES[code] ?? googleStatusName(code);
}

/** The JSON body of a Google API error: `{"error":{"code","message","status"[,"details"]}}`. */
export function googleErrorBody(code: number, message?: string, details?: unknown[]): string {
  const error: Record<string, unknown> = {
    code,
    message: message ?? defaultGoogleMessage(code),
    status: googleStatusName(code),
  };
  if (details && details.length > 0) error.details = details;
  // Google pretty-prints its error bodies; clients must not rely on either form.
  return JSON.stringify({ error }, null, 2);
}

/** An answer the emulator decided on but has not sent yet. */
export interface PlannedAnswer {
  status: number;
  headers: Record<string, string>;
  /** Written in order; big image base64 stays a Buffer so it is never copied. */
  chunks: Array<string | Buffer>;
}

/** A planned Google error answer. */
export function googleError(
  code: number,
  message?: string,
  options: { details?: unknown[]; retryAfter?: string } = {},
): PlannedAnswer {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=UTF-8' };
  if (options.retryAfter !== undefined) headers['retry-after'] = options.retryAfter;
  return { status: code, headers, chunks: [googleErrorBody(code, message, options.details)] };
}

/** A `google.rpc.ErrorInfo` detail, as Google attaches to its errors. */
export function errorInfo(reason: string, metadata: Record<string, string> = { service: 'generativelanguage.googleapis.com' }): Record<string, unknown> {
  return { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'googleapis.com', metadata };
}

/** The answer of a scripted `status` fault: Google's error body, with the details and header asked for. */
export function statusAnswer(fault: { status: number; message?: string; retryAfter?: string; retryDelay?: string; reason?: string }): PlannedAnswer {
  const details: unknown[] = [];
  if (fault.reason !== undefined) details.push(errorInfo(fault.reason));
  if (fault.retryDelay !== undefined) details.push({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: fault.retryDelay });
  return googleError(fault.status, fault.message, { details, ...(fault.retryAfter === undefined ? {} : { retryAfter: fault.retryAfter }) });
}

/** 400 INVALID_ARGUMENT with a field-violation message, the way Google words request validation failures. */
export function invalidArgument(message: string): PlannedAnswer {
  return googleError(400, message);
}
