import type { Carrier } from './carrier.js';
import { googleCarrier, type CarrierBaseOptions } from './google/google-carrier.js';
import { vertexAuthHeaders, type VertexCredentialsOptions } from './google/vertex-auth.js';

/** Options of {@link vertexCarrier}. Authentication: `credentials`, `keyFile`, or Application Default Credentials. */
export interface VertexCarrierOptions extends CarrierBaseOptions, VertexCredentialsOptions {
  /** Google Cloud project id. */
  project: string;
  /** Default `global`. */
  location?: string;
  /** Default `https://aiplatform.googleapis.com` for `global`, `https://{location}-aiplatform.googleapis.com` otherwise. */
  baseUrl?: string;
}

/** A carrier on Vertex AI, authenticated with an OAuth token from google-auth-library. */
export function vertexCarrier(options: VertexCarrierOptions): Carrier & { close(): Promise<void> } {
  const location = options.location ?? 'global';
  const host = location === 'global' ? 'aiplatform.googleapis.com' : `${location}-aiplatform.googleapis.com`;
  const prefix = `/v1/projects/${encodeURIComponent(options.project)}/locations/${encodeURIComponent(location)}/publishers/google/models/`;
  return googleCarrier({
    ...options,
    dialect: 'vertex',
    baseUrl: options.baseUrl ?? `https://${host}`,
    path: (model) => `${prefix}${encodeURIComponent(model)}:generateContent`,
    authHeaders: vertexAuthHeaders(options),
    // Vertex caps each inline image at 7 MB; stay under it whichever way "MB" is counted.
    inlineLimits: { perImageBytes: 7_000_000, totalBytes: 7_000_000 * 14 },
  });
}
