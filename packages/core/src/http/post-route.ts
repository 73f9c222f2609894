import type { Authorize } from '../auth/authorize.js';
import { cancelledError, RelayError, toRelayError } from '../contract/errors.js';
import type { EmitRelayEvent } from '../events/relay-events.js';
import { finishReported, type GenerateOptions } from '../relay/generate-images.js';
import type { ImagesResponse } from '../relay/images-response.js';
import type { Incoming } from './incoming.js';
import { errorAnswer, jsonAnswer, type JsonAnswer } from './json-response.js';
import { requestIdOf } from './request-id.js';

/** What every generating route needs besides its own body reading. */
export interface PostRouteSettings {
  path: string;
  authorize: Authorize | undefined;
  emit: EmitRelayEvent;
}

/**
 * What every generating route (JSON and uploads) does around its own body reading: POST only, the
 * request id, `authorize` before the body is read, and errors in the OpenAI shape. A request refused
 * before the generation starts (method, credentials, a body too large or not JSON, an upload refused)
 * gets its `request.finished` event here, so that events and metrics count every answer.
 */
export async function servePost(
  request: Incoming,
  settings: PostRouteSettings,
  run: (options: GenerateOptions) => Promise<ImagesResponse>,
): Promise<JsonAnswer> {
  const started = performance.now();
  const requestId = requestIdOf(request.headers);
  const idHeader = { 'x-request-id': requestId };
  let principal: string | undefined;
  const refused = (error: RelayError): void =>
    settings.emit({
      type: 'request.finished',
      requestId,
      status: error.status,
      ...(error.code ? { code: error.code } : {}),
      latencyMs: performance.now() - started,
      images: 0,
      ...(principal === undefined ? {} : { principal }),
    });
  if (request.method !== 'POST') {
    const error = new RelayError(405, `Use POST for ${settings.path}.`, { code: 'method_not_allowed' });
    refused(error);
    return errorAnswer(error, { ...idHeader, allow: 'POST' });
  }
  try {
    principal = settings.authorize ? await settings.authorize(request.request()) : undefined;
    const answer = await run({
      signal: request.signal,
      requestId,
      headers: request.headers,
      ...(principal === undefined ? {} : { principal }),
    });
    return jsonAnswer(200, answer, idHeader);
  } catch (err) {
    const reported = finishReported(err);
    // The client left while its body was read or its upload checked: a cancellation, not a failure of ours.
    const error = request.signal.aborted && !reported ? cancelledError(err) : toRelayError(err);
    if (!reported) refused(error);
    const challenge: Record<string, string> = error.status === 401 ? { 'www-authenticate': 'Bearer' } : {};
    return errorAnswer(error, { ...idHeader, ...challenge });
  }
}
