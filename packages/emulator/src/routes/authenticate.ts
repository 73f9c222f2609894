import type { IncomingMessage } from 'node:http';
import type { EmulatorContext } from '../context.js';
import { errorInfo, googleError, type PlannedAnswer } from '../google-errors.js';
import type { GenerateContentRoute } from './match-route.js';

/**
 * Checks the caller's credentials for a generateContent route the way each surface does:
 * an API key on the Gemini API, an OAuth bearer token (and a known project) on Vertex AI.
 * Returns the error answer, or undefined when the caller may proceed.
 */
export function authenticate(ctx: EmulatorContext, req: IncomingMessage, route: GenerateContentRoute, apiKey: string | undefined): PlannedAnswer | undefined {
  if (route.kind === 'gemini') {
    if (!apiKey) {
      return googleError(
        403,
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
      );
    }
    if (ctx.apiKeys && !ctx.apiKeys.has(apiKey)) {
      // The Gemini API answers a wrong key with 400 INVALID_ARGUMENT, not 401: only its ErrorInfo
      // reason tells it from a bad request (a relay that goes by the status blames the caller).
      const message = 'API key not valid. Please pass a valid API key.';
      return googleError(400, message, {
        details: [errorInfo('API_KEY_INVALID'), { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message }],
      });
    }
    return undefined;
  }
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
  if (!bearer || !ctx.authority.isValidBearer(bearer)) {
    return googleError(401, undefined, {
      details: [
        errorInfo(bearer ? 'ACCESS_TOKEN_TYPE_UNSUPPORTED' : 'CREDENTIALS_MISSING', {
          service: 'aiplatform.googleapis.com',
          method: 'google.cloud.aiplatform.v1.PredictionService.GenerateContent',
        }),
      ],
    });
  }
  if (ctx.projects && !ctx.projects.has(route.project)) {
    return googleError(
      403,
      `Permission 'aiplatform.endpoints.predict' denied on resource '//aiplatform.googleapis.com/projects/${route.project}/locations/${route.location}/publishers/google/models/${route.model}' (or it may not exist).`,
    );
  }
  return undefined;
}
