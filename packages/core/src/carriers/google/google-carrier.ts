import { routingSettingsOf, type Carrier, type CarrierCallContext, type CarrierImage, type CarrierRequest, type CarrierRoutingSettings } from '../carrier.js';
import { fitInline } from '../../references/fit-inline.js';
import type { ReferenceImage } from '../../references/reference-image.js';
import { generateContentBody, type GoogleDialect } from './generate-content-body.js';
import { GoogleRestClient } from './google-rest-client.js';
import { readGenerateContentResponse } from './read-response.js';

/** The upstream model id of Nano Banana Pro. */
export const DEFAULT_GOOGLE_MODEL = 'gemini-3-pro-image-preview';

/** Settings every built-in carrier shares (routing: `priority`, `weight`, capability limits; see {@link CarrierRoutingSettings}). */
export interface CarrierBaseOptions extends CarrierRoutingSettings {
  /** Unique carrier id (events, routing, pinning). */
  id: string;
  /** Official Gemini/Vertex carrier. Default true for the Google carriers. */
  official?: boolean;
  /** Upstream model id. Default `gemini-3-pro-image-preview`. */
  model?: string;
  /** Whole-call time limit in ms. Default 120 000 (4K takes about a minute). */
  timeoutMs?: number;
  /** Most calls in flight at once (sizes the keep-alive pool). Default 16. */
  maxConcurrency?: number;
}

/** How inline references must be sized for a Google endpoint. */
export interface InlineLimits {
  /** Bytes per inline image (Vertex: 7 MB). */
  perImageBytes: number;
  /** Bytes of all inline images together, before base64 (Gemini API: ~20 MB request). */
  totalBytes: number;
}

interface GoogleCarrierSpec extends CarrierBaseOptions {
  dialect: GoogleDialect;
  baseUrl: string;
  path: (model: string) => string;
  authHeaders: () => Promise<Record<string, string>>;
  inlineLimits: InlineLimits;
}

/** References already brought under an endpoint's limits, per request (its list of references) and limits. */
const fitted = new WeakMap<readonly ReferenceImage[], Map<string, Promise<ReferenceImage[]>>>();

/**
 * Shrinks references that would exceed the endpoint's inline limits, so a legal input never meets an
 * upstream 400. Done once per request and limits: the n images of a request, and their retries on
 * carriers with the same limits, share the result (a failed attempt's shrink is not kept).
 */
function fitReferences(references: readonly ReferenceImage[], limits: InlineLimits): Promise<ReferenceImage[]> {
  if (references.length === 0) return Promise.resolve([]);
  const key = `${limits.perImageBytes}:${limits.totalBytes}`;
  let byLimits = fitted.get(references);
  if (byLimits === undefined) fitted.set(references, (byLimits = new Map()));
  const known = byLimits.get(key);
  if (known !== undefined) return known;
  const share = Math.min(limits.perImageBytes, Math.floor(limits.totalBytes / references.length));
  // No attempt's signal: the result is shared by the request's other images and retries, and must not
  // fail with the attempt that happened to start it (its carrier's timeout).
  const result = Promise.all(references.map((ref) => fitInline(ref, share)));
  byLimits.set(key, result);
  const cache = byLimits;
  result.catch(() => cache.delete(key));
  return result;
}

/** A carrier speaking Google's generateContent REST protocol (Gemini API or Vertex AI). */
export function googleCarrier(spec: GoogleCarrierSpec): Carrier & { close(): Promise<void> } {
  const model = spec.model ?? DEFAULT_GOOGLE_MODEL;
  const client = new GoogleRestClient({
    baseUrl: spec.baseUrl,
    connections: spec.maxConcurrency ?? 16,
    timeoutMs: spec.timeoutMs ?? 120_000,
    authHeaders: spec.authHeaders,
  });
  return {
    ...routingSettingsOf(spec),
    maxConcurrency: spec.maxConcurrency ?? 16,
    timeoutMs: spec.timeoutMs ?? 120_000,
    id: spec.id,
    official: spec.official ?? true,
    async generate(request: CarrierRequest, context: CarrierCallContext): Promise<CarrierImage> {
      const references = await fitReferences(request.references, spec.inlineLimits);
      const body = generateContentBody(request, references, spec.dialect);
      const json = await client.postJson(spec.path(model), body, context.signal);
      return readGenerateContentResponse(json);
    },
    close: () => client.close(),
  };
}
