import { isSafeKey } from './artifact-key.js';

/** `Cache-Control` of archived images: keys are unique and their bytes never change. */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

/** Longest lifetime of a signed URL on GCS (V4) and S3 (SigV4): 7 days. */
export const MAX_SIGNED_URL_TTL_SECONDS = 7 * 24 * 60 * 60;

/** How an object store answers with URLs: a public base URL, or signed URLs with a lifetime. */
export type ObjectUrlMode = { kind: 'public'; baseUrl: string } | { kind: 'signed'; ttlSeconds: number };

/** The URL options shared by the object-store backends. */
export interface ObjectUrlOptions {
  /** Base URL of a public bucket or of a CDN in front of it; the object name is appended. */
  publicBaseUrl?: string;
  /** Answer with signed GET URLs valid this many seconds (1 to 604 800) instead of public URLs. */
  signedUrlTtlSeconds?: number;
}

/**
 * Reads the URL mode from a backend's options: signed when `signedUrlTtlSeconds` is set, else public
 * (`publicBaseUrl`, or `defaultBaseUrl` when omitted). Throws on contradictory or out-of-range values,
 * so a misconfiguration fails at startup rather than on the first image.
 */
export function objectUrlMode(backend: string, options: ObjectUrlOptions, defaultBaseUrl: () => string): ObjectUrlMode {
  const ttl = options.signedUrlTtlSeconds;
  if (ttl !== undefined) {
    if (options.publicBaseUrl !== undefined) {
      throw new TypeError(`${backend}: set either publicBaseUrl (public bucket) or signedUrlTtlSeconds (private bucket), not both`);
    }
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_SIGNED_URL_TTL_SECONDS) {
      throw new RangeError(`${backend}: signedUrlTtlSeconds must be an integer from 1 to ${MAX_SIGNED_URL_TTL_SECONDS} (7 days)`);
    }
    return { kind: 'signed', ttlSeconds: ttl };
  }
  const baseUrl = options.publicBaseUrl ?? defaultBaseUrl();
  const parsed = URL.canParse(baseUrl) ? new URL(baseUrl) : undefined;
  if (parsed === undefined || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || parsed.search || parsed.hash) {
    throw new TypeError(`${backend}: publicBaseUrl must be an absolute http(s) URL without query or fragment`);
  }
  return { kind: 'public', baseUrl: baseUrl.replace(/\/+$/, '') };
}

/** `baseUrl/objectName`, each path segment percent-encoded. */
export function publicObjectUrl(baseUrl: string, objectName: string): string {
  return `${baseUrl}/${objectName.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * Maps a relay key to an object name under an optional prefix (`prefix/key`). Throws for a prefix that
 * is not a safe relative path, so keys cannot escape it.
 */
export function objectNamer(backend: string, prefix: string | undefined): (key: string) => string {
  const trimmed = prefix?.replace(/^\/+|\/+$/g, '') ?? '';
  if (trimmed !== '' && !isSafeKey(trimmed)) throw new TypeError(`${backend}: prefix must be a relative path of [A-Za-z0-9._-] segments`);
  return (key) => {
    if (!isSafeKey(key)) throw new Error(`${backend}: unsafe key`);
    return trimmed === '' ? key : `${trimmed}/${key}`;
  };
}
