import { RelayError } from '../contract/errors.js';

/** A JSON response with the headers every answer of the route carries. */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  const text = JSON.stringify(body);
  return new Response(text, {
    status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(text)),
      'cache-control': 'no-store',
      ...headers,
    },
  });
}

/** The OpenAI-shaped error answer, with `Retry-After` when the error knows it. */
export function errorResponse(error: RelayError, headers: Record<string, string> = {}): Response {
  const retry: Record<string, string> = error.retryAfterSeconds === undefined ? {} : { 'retry-after': String(error.retryAfterSeconds) };
  // 499 (client gone) is not a status a Response may carry; nobody is listening anyway.
  const status = error.status === 499 ? 408 : error.status;
  return jsonResponse(status, error.toJSON(), { ...retry, ...headers });
}
