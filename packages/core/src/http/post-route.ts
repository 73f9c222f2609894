import type { Authorize } from '../auth/authorize.js';
import { RelayError, toRelayError } from '../contract/errors.js';
import type { GenerateOptions } from '../relay/generate-images.js';
import type { ImagesResponse } from '../relay/images-response.js';
import { errorResponse, jsonResponse } from './json-response.js';
import { requestIdOf } from './request-id.js';

/**
 * What every generating route (JSON and uploads) does around its own body reading: POST only, the
 * request id, `authorize` before the body is read, and errors in the OpenAI shape.
 */
export async function servePost(
  request: Request,
  path: string,
  authorize: Authorize | undefined,
  run: (options: GenerateOptions) => Promise<ImagesResponse>,
): Promise<Response> {
  const requestId = requestIdOf(request);
  const idHeader = { 'x-request-id': requestId };
  if (request.method !== 'POST') {
    const error = new RelayError(405, `Use POST for ${path}.`, { code: 'method_not_allowed' });
    return errorResponse(error, { ...idHeader, allow: 'POST' });
  }
  try {
    const principal = authorize ? await authorize(request) : undefined;
    const answer = await run({
      signal: request.signal,
      requestId,
      headers: request.headers,
      ...(principal === undefined ? {} : { principal }),
    });
    return jsonResponse(200, answer, idHeader);
  } catch (err) {
    const error = toRelayError(err);
    const challenge: Record<string, string> = error.status === 401 ? { 'www-authenticate': 'Bearer' } : {};
    return errorResponse(error, { ...idHeader, ...challenge });
  }
}
