import { RelayError } from '../contract/errors.js';

/** A JSON answer of the relay's routes, before it becomes a Web `Response` or is written to a Node response. */
export interface JsonAnswer {
  status: number;
  /** Every header, Content-Type and Content-Length included. */
  headers: Record<string, string>;
  /** The JSON text. */
  body: string;
}

/** A JSON answer with the headers every answer of the route carries. */
export function jsonAnswer(status: number, body: unknown, headers: Record<string, string> = {}): JsonAnswer {
  const text = JSON.stringify(body);
  return {
    status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(text)),
      'cache-control': 'no-store',
      ...headers,
    },
    body: text,
  };
}

/** The OpenAI-shaped error answer, with `Retry-After` when the error knows it. */
export function errorAnswer(error: RelayError, headers: Record<string, string> = {}): JsonAnswer {
  const retry: Record<string, string> = error.retryAfterSeconds === undefined ? {} : { 'retry-after': String(error.retryAfterSeconds) };
  // 499 (client gone) is not a status a Response may carry; nobody is listening anyway.
  const status = error.status === 499 ? 408 : error.status;
  return jsonAnswer(status, error.toJSON(), { ...retry, ...headers });
}

/** A {@link JsonAnswer} as a Web `Response`. */
export function webResponse(answer: JsonAnswer): Response {
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
}

/** The OpenAI-shaped error response, with `Retry-After` when the error knows it. */
export function errorResponse(error: RelayError, headers: Record<string, string> = {}): Response {
  return webResponse(errorAnswer(error, headers));
}
