import { isAllowedAddress, isIpLiteral } from './address-policy.js';
import { ReferenceFailure, quoteHost } from './reference-errors.js';

/** The URL rules of {@link ResolvedReferenceOptions} this module needs. */
export interface UrlPolicy {
  /** Normalized `host:port` keys (see `normalizeAllowHost`). */
  allowHosts: ReadonlySet<string>;
  /** Normalized names, or `.domain` suffixes. */
  denyHosts: readonly string[];
  httpsOnly: boolean;
  allowDataUrls: boolean;
}

/** An `http(s)` URL that passed every check that can be made without the network. */
export interface CheckedHttpUrl {
  kind: 'http';
  url: URL;
  /** Listed in `allowHosts`: its addresses are not checked. */
  allowListed: boolean;
}

/** A `data:` URL (only when `allowDataUrls`), with its declared media type (not trusted). */
export interface CheckedDataUrl {
  kind: 'data';
  /** The base64 payload, not yet decoded (its size is checked before decoding). */
  base64: string;
  mediaType: string;
}

/** Longest accepted `http(s)` URL; longer ones are not image URLs anyone legitimately sends. */
const MAX_URL_LENGTH = 8192;

const REFERENCE_HINT = 'pass the http(s) URL of a PNG, JPEG, WEBP or HEIC image';

/** Port a URL connects to (WHATWG URLs leave default ports empty). */
export function effectivePort(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

/** `host:port` as `allowHosts` entries are written, from a parsed URL. */
export function hostKey(url: URL): string {
  return `${url.hostname}:${effectivePort(url)}`;
}

/** Host name without the trailing root dot, for name comparisons (`localhost.` is `localhost`). */
function bareName(hostname: string): string {
  return hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
}

function isDenied(hostname: string, denyHosts: readonly string[]): boolean {
  const name = bareName(hostname);
  return denyHosts.some((d) => (d.startsWith('.') ? name === d.slice(1) || name.endsWith(d) : name === d));
}

/** RFC 6761: `localhost` and `*.localhost` are loopback by definition, whatever a resolver says. */
function isLocalhostName(hostname: string): boolean {
  const name = bareName(hostname);
  return name === 'localhost' || name.endsWith('.localhost');
}

function safeScheme(protocol: string): string {
  return protocol.replace(/:$/, '').replace(/[^a-z0-9+.-]/gi, '').slice(0, 20);
}

/**
 * Checks an already parsed URL (the one given, or a redirect target): scheme, credentials, denied
 * hosts, and, unless the exact `host:port` is allow-listed, IP literals and `localhost` names.
 * Host names are checked again, by address, when connecting (see `pinned-agent.ts`).
 *
 * Returns the URL with whether it is allow-listed; throws a {@link ReferenceFailure} when refused.
 */
export function checkHttpUrl(url: URL, policy: UrlPolicy): CheckedHttpUrl {
  if (url.protocol !== 'https:' && (url.protocol !== 'http:' || policy.httpsOnly)) {
    const accepted = policy.httpsOnly ? 'only https URLs are accepted' : 'only http and https URLs are accepted';
    throw new ReferenceFailure('invalid_image_url', `uses the "${safeScheme(url.protocol)}" scheme: ${accepted}.`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new ReferenceFailure(
      'invalid_image_url',
      'contains credentials (user:password@): remove them; reference images must be publicly readable.',
    );
  }
  if (url.hostname === '') throw new ReferenceFailure('invalid_image_url', `has no host: ${REFERENCE_HINT}.`);
  const forbidden = (): ReferenceFailure =>
    new ReferenceFailure(
      'image_url_forbidden',
      `points to host ${quoteHost(url.hostname)}, which may not be fetched: use a publicly reachable image URL.`,
    );
  if (isDenied(url.hostname, policy.denyHosts)) throw forbidden();
  const allowListed = policy.allowHosts.has(hostKey(url));
  if (!allowListed) {
    if (isIpLiteral(url.hostname) && !isAllowedAddress(url.hostname)) throw forbidden();
    if (isLocalhostName(url.hostname)) throw forbidden();
  }
  return { kind: 'http', url, allowListed };
}

/** Strict base64 (standard or URL-safe alphabet), optional padding; whitespace is tolerated. */
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

function parseDataUrl(raw: string): CheckedDataUrl {
  const comma = raw.indexOf(',');
  const header = comma < 0 ? '' : raw.slice(5, comma);
  const payload = comma < 0 ? '' : raw.slice(comma + 1).replace(/\s+/g, '');
  const parts = header.split(';').map((p) => p.trim().toLowerCase());
  if (comma < 0 || parts[parts.length - 1] !== 'base64' || !BASE64.test(payload)) {
    throw new ReferenceFailure(
      'invalid_image_url',
      'is a data: URL that is not base64 (expected data:image/png;base64,...): ' + REFERENCE_HINT + ' instead.',
    );
  }
  return { kind: 'data', base64: payload, mediaType: parts[0] ?? '' };
}

/**
 * Parses and checks one `image_input` entry as the caller gave it. WHATWG URL parsing normalizes the
 * host first, so every spelling of an address (`127.1`, `2130706433`, `0x7f.0.0.1`, `[::ffff:7f00:1]`,
 * fullwidth digits, percent-encoding, IDN, trailing dots) is checked in its canonical form.
 *
 * Throws a {@link ReferenceFailure}: `invalid_image_url` (not a URL, bad scheme, credentials,
 * `data:` when not allowed, raw base64) or `image_url_forbidden` (blocked host or address).
 */
export function parseReferenceUrl(raw: unknown, policy: UrlPolicy): CheckedHttpUrl | CheckedDataUrl {
  if (typeof raw !== 'string' || raw.trim() === '') {
    throw new ReferenceFailure('invalid_image_url', `must be a non-empty string: ${REFERENCE_HINT}.`);
  }
  const text = raw.trim();
  if (/^data:/i.test(text)) {
    if (!policy.allowDataUrls) {
      throw new ReferenceFailure('invalid_image_url', `is a data: URL, which is not accepted: ${REFERENCE_HINT} instead.`);
    }
    return parseDataUrl(text);
  }
  if (text.length > MAX_URL_LENGTH) {
    throw new ReferenceFailure('invalid_image_url', `is longer than ${MAX_URL_LENGTH} characters: ${REFERENCE_HINT}.`);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    const looksBase64 = text.length >= 32 && BASE64.test(text.replace(/\s+/g, ''));
    throw new ReferenceFailure(
      'invalid_image_url',
      looksBase64
        ? `looks like raw base64 data, which is not accepted: ${REFERENCE_HINT} instead.`
        : `is not a valid URL: ${REFERENCE_HINT}.`,
    );
  }
  return checkHttpUrl(url, policy);
}

/**
 * Resolves a redirect's `Location` against the URL that answered it and checks the target by the
 * same rules as a given URL. Any refusal becomes `image_url_forbidden`, without naming the target
 * (the server chose it, not the caller).
 */
export function checkRedirect(location: string, current: URL, policy: UrlPolicy): CheckedHttpUrl {
  let next: URL;
  try {
    next = new URL(location, current);
  } catch (cause) {
    throw new ReferenceFailure('image_download_failed', 'was redirected to an invalid location: use the final image URL.', cause);
  }
  try {
    return checkHttpUrl(next, policy);
  } catch (cause) {
    throw new ReferenceFailure(
      'image_url_forbidden',
      'was redirected to a location that may not be fetched: use a publicly reachable image URL that is not redirected.',
      cause,
    );
  }
}
