import { isGcsJsonApiPath } from '../gcs/gcs-routes.js';

/** A generateContent URL on either surface, with what its path names. */
export type GenerateContentRoute =
  | { kind: 'gemini'; model: string }
  | { kind: 'vertex'; model: string; project: string; location: string };

/** What a request path addresses. */
export type Route = GenerateContentRoute | { kind: 'token' } | { kind: 'gcs' } | { kind: 'other' };

const GEMINI = /^\/(?:v1beta|v1alpha|v1)\/models\/([^/:]+):generateContent$/;
const VERTEX = /^\/(?:v1|v1beta1)\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/google\/models\/([^/:]+):generateContent$/;

/** Maps a URL path (without query) to a route. */
export function matchRoute(path: string): Route {
  const gemini = GEMINI.exec(path);
  if (gemini) return { kind: 'gemini', model: decode(gemini[1]!) };
  const vertex = VERTEX.exec(path);
  if (vertex) return { kind: 'vertex', project: decode(vertex[1]!), location: decode(vertex[2]!), model: decode(vertex[3]!) };
  if (path === '/token') return { kind: 'token' };
  if (isGcsJsonApiPath(path)) return { kind: 'gcs' };
  return { kind: 'other' };
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
