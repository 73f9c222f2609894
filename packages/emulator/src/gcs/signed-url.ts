import { createHash, verify, type KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** A GET or HEAD to check against its V4 signature. */
export interface SignedRequest {
  method: string;
  /** The path exactly as received (still percent-encoded). */
  rawPath: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  now: Date;
}

/** The outcome of {@link verifySignedUrl}: the signer, or the XML error GCS answers with. */
export type SignedUrlCheck = { ok: true; signer: string } | { ok: false; status: number; code: string; message: string; details?: string };

const MAX_EXPIRES_S = 7 * 24 * 60 * 60;
const CLOCK_SKEW_MS = 15 * 60 * 1000;
const TIMESTAMP = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** RFC 3986 encoding, as the V4 canonical query uses (and `@google-cloud/storage` signs). */
const strictEncode = (text: string): string =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Whether a query carries a V4 signature (then it must verify; no fallback to anonymous access). */
export function isSignedUrl(query: URLSearchParams): boolean {
  return query.has('X-Goog-Signature') || query.has('X-Goog-Algorithm');
}

const invalid = (message: string, details?: string): SignedUrlCheck => ({
  ok: false,
  status: 400,
  code: 'InvalidArgument',
  message,
  ...(details === undefined ? {} : { details }),
});

/**
 * Verifies a V4 signed URL (`GOOG4-RSA-SHA256`) the way Cloud Storage does: rebuilds the canonical
 * request from what was received, checks the RSA signature with the signer's public key, then the
 * validity window. The `host` header is compared without its port: clients sign the bare host name,
 * which equals the Host header on Google's default port.
 */
export function verifySignedUrl(request: SignedRequest, publicKeyOf: (email: string) => KeyObject | undefined): SignedUrlCheck {
  const q = request.query;
  if (q.get('X-Goog-Algorithm') !== 'GOOG4-RSA-SHA256') return invalid('Invalid argument.', 'X-Goog-Algorithm must be GOOG4-RSA-SHA256.');
  const credential = q.get('X-Goog-Credential') ?? '';
  const date = q.get('X-Goog-Date') ?? '';
  const expires = q.get('X-Goog-Expires') ?? '';
  const signedHeaders = q.get('X-Goog-SignedHeaders') ?? '';
  const signature = q.get('X-Goog-Signature') ?? '';
  const slash = credential.indexOf('/');
  const signer = credential.slice(0, slash);
  const scope = credential.slice(slash + 1);
  const time = TIMESTAMP.exec(date);
  if (slash <= 0 || !/^\d{8}\/[^/]+\/storage\/goog4_request$/.test(scope) || !time || !scope.startsWith(date.slice(0, 8))) {
    return invalid('Invalid argument.', 'X-Goog-Credential or X-Goog-Date is malformed.');
  }
  if (!/^\d+$/.test(expires) || Number(expires) < 1 || Number(expires) > MAX_EXPIRES_S) {
    return invalid('Invalid argument.', `X-Goog-Expires must be from 1 to ${MAX_EXPIRES_S} seconds.`);
  }
  const headerNames = signedHeaders.split(';');
  if (!headerNames.includes('host') || !/^[0-9a-f]+$/i.test(signature)) return invalid('Invalid argument.', 'The signed headers must include host.');

  const canonicalQuery = [...q.entries()]
    .filter(([name]) => name !== 'X-Goog-Signature')
    .map(([name, value]) => [strictEncode(name), strictEncode(value)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  const canonicalHeaders = headerNames
    .map((name) => {
      const raw = name === 'host' ? (request.headers.host ?? '').replace(/:\d+$/, '') : request.headers[name];
      const value = (Array.isArray(raw) ? raw.join(',') : (raw ?? '')).trim().replace(/\s{2,}/g, ' ');
      return `${name}:${value}\n`;
    })
    .join('');
  const canonicalRequest = [request.method, request.rawPath, canonicalQuery, canonicalHeaders, signedHeaders, 'UNSIGNED-PAYLOAD'].join('\n');
  const stringToSign = ['GOOG4-RSA-SHA256', date, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  const key = publicKeyOf(signer);
  if (!key || !verify('RSA-SHA256', Buffer.from(stringToSign), key, Buffer.from(signature, 'hex'))) {
    return {
      ok: false,
      status: 403,
      code: 'SignatureDoesNotMatch',
      message: 'Access denied.',
      details: `The request signature we calculated does not match the signature you provided. Check your Google secret key and signing method.`,
    };
  }

  const signedAt = Date.UTC(Number(time[1]), Number(time[2]) - 1, Number(time[3]), Number(time[4]), Number(time[5]), Number(time[6]));
  const now = request.now.getTime();
  if (signedAt > now + CLOCK_SKEW_MS) return invalid('Invalid argument.', 'Request is not yet valid.');
  if (now > signedAt + Number(expires) * 1000) {
    return { ok: false, status: 400, code: 'ExpiredToken', message: 'Invalid argument.', details: `Request has expired: ${date}` };
  }
  return { ok: true, signer };
}
