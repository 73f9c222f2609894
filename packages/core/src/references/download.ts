import type { Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import { linkedSignal } from '../signals/linked-signal.js';
import { BlockedAddressError, ResolveError } from './pinned-agent.js';
import { ReferenceFailure, quoteHost } from './reference-errors.js';
import type { DownloadProgress } from './shared-downloads.js';
import { checkRedirect, type CheckedHttpUrl, type UrlPolicy } from './url-policy.js';

/** Validators of a cached copy, sent only to the URL that gave them. */
export interface CachedValidators {
  /** The final URL (after redirects) the cached bytes came from. */
  url: string;
  etag?: string;
  lastModified?: string;
}

/** Everything one download needs besides the URL. */
export interface DownloadContext {
  /** The pinned agent (see `pinned-agent.ts`): every connection is address-checked. */
  dispatcher: Dispatcher;
  policy: UrlPolicy;
  maxRedirects: number;
  maxBytes: number;
  timeoutMs: number;
  headersTimeoutMs: number;
  /**
   * Told the declared length once the headers are in, then the bytes received after each chunk;
   * throwing stops the download with that error (the requests' totals are checked there).
   */
  progress?: DownloadProgress;
  /** Aborts the download; its reason is rethrown as is. */
  signal: AbortSignal;
  validators?: CachedValidators;
}

/** A downloaded body, or the server's word that the cached copy is still current. */
export type DownloadResult =
  | {
      status: 'ok';
      bytes: Buffer;
      finalUrl: string;
      etag?: string;
      lastModified?: string;
      storable: boolean;
      /** How long the server lets a copy be used without asking again (`no-cache`: 0), when it says. */
      maxAgeMs?: number;
    }
  | { status: 'not-modified' };

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

const REQUEST_HEADERS = {
  accept: 'image/png,image/jpeg,image/webp,image/heic,image/heif;q=0.9,*/*;q=0.1',
  // Compressed bodies are never decoded (no decompression bombs); an encoded body fails verification.
  'accept-encoding': 'identity',
  'user-agent': 'banana-relay (reference image fetcher)',
};

/** `max-age` of a Cache-Control value in ms (`no-cache`: 0, revalidate every time), when it has one. */
function maxAgeOf(cacheControl: string): { maxAgeMs?: number } {
  if (/(^|[\s,])no-cache([\s,=]|$)/i.test(cacheControl)) return { maxAgeMs: 0 };
  const seconds = /(?:^|[\s,])max-age\s*=\s*"?(\d+)/i.exec(cacheControl)?.[1];
  return seconds === undefined ? {} : { maxAgeMs: Number(seconds) * 1000 };
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

const TIMED_OUT = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

function statusHint(status: number): string {
  if (status === 401 || status === 403) return 'the image must be publicly readable without credentials';
  if (status === 404 || status === 410) return 'check the URL';
  if (status >= 500) return 'the image host failed; try again later or use another URL';
  return 'use a URL that answers with the image itself';
}

/** Drops a body we will not read; undici reports the destroy as an error nobody needs. */
function discard(body: Readable): void {
  body.on('error', () => {});
  body.destroy();
}

/**
 * Reads a body into memory, failing as soon as the per-reference cap is crossed or `progress` throws:
 * it is told the declared length before the first byte is read, then the bytes received after each chunk.
 */
async function readCapped(body: Readable, maxBytes: number, progress: DownloadProgress | undefined, declared: number | undefined): Promise<Buffer> {
  const tell = (received: number): void => {
    try {
      progress?.(received, declared);
    } catch (err) {
      discard(body);
      throw err;
    }
  };
  tell(0);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      discard(body);
      throw new ReferenceFailure('image_too_large', `is larger than ${maxBytes} bytes: use a smaller image.`);
    }
    tell(size);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/**
 * Downloads one reference through the pinned agent: follows at most `maxRedirects` redirects by hand
 * (each target re-checked by the URL policy, then by address when connecting), refuses bodies over
 * `maxBytes` (by `Content-Length` up front, and while streaming whatever the header said), and
 * gives up after `timeoutMs` for the whole thing. Never decodes `Content-Encoding`.
 *
 * Throws a {@link ReferenceFailure}, or the signal's reason when `context.signal` aborts.
 */
export async function download(start: CheckedHttpUrl, context: DownloadContext): Promise<DownloadResult> {
  const { signal } = context;
  signal.throwIfAborted();
  // The whole download, redirects included, within timeoutMs; the caller's signal stops it too.
  const limit = linkedSignal([signal], context.timeoutMs);
  let current = start.url;
  let hop = 0;
  try {
    for (;;) {
      const conditional = context.validators?.url === current.href ? context.validators : undefined;
      const response = await request(current, {
        dispatcher: context.dispatcher,
        method: 'GET',
        headers: {
          ...REQUEST_HEADERS,
          ...(conditional?.etag !== undefined ? { 'if-none-match': conditional.etag } : {}),
          ...(conditional?.lastModified !== undefined ? { 'if-modified-since': conditional.lastModified } : {}),
        },
        signal: limit.signal,
        headersTimeout: context.headersTimeoutMs,
        bodyTimeout: context.timeoutMs,
      });
      const { statusCode, headers, body } = response;

      if (REDIRECT_STATUSES.has(statusCode)) {
        discard(body);
        if (hop >= context.maxRedirects) {
          throw new ReferenceFailure(
            'image_url_forbidden',
            `was redirected more than ${context.maxRedirects} times: use the final image URL.`,
          );
        }
        const location = header(headers, 'location');
        if (location === undefined) {
          throw new ReferenceFailure('image_download_failed', `could not be downloaded: the server answered HTTP ${statusCode} without a location.`);
        }
        current = checkRedirect(location, current, context.policy).url;
        hop += 1;
        continue;
      }
      if (statusCode === 304 && conditional !== undefined) {
        discard(body);
        return { status: 'not-modified' };
      }
      if (statusCode < 200 || statusCode > 299) {
        discard(body);
        throw new ReferenceFailure(
          'image_download_failed',
          `could not be downloaded: the server answered HTTP ${statusCode}; ${statusHint(statusCode)}.`,
        );
      }

      const declared = header(headers, 'content-length');
      const length = declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : undefined;
      if (length !== undefined && length > context.maxBytes) {
        discard(body);
        throw new ReferenceFailure('image_too_large', `is larger than ${context.maxBytes} bytes: use a smaller image.`);
      }
      const bytes = await readCapped(body, context.maxBytes, context.progress, length);
      const etag = header(headers, 'etag');
      const lastModified = header(headers, 'last-modified');
      const cacheControl = header(headers, 'cache-control') ?? '';
      return {
        status: 'ok',
        bytes,
        finalUrl: current.href,
        ...(etag !== undefined ? { etag } : {}),
        ...(lastModified !== undefined ? { lastModified } : {}),
        storable: !/(^|[\s,])(no-store|private)([\s,=]|$)/i.test(cacheControl),
        ...maxAgeOf(cacheControl),
      };
    }
  } catch (err) {
    if (err instanceof ReferenceFailure) throw err;
    if (signal.aborted) throw signal.reason;
    throw describeFailure(err, limit.timedOut, hop, current);
  } finally {
    limit.dispose();
  }
}

/** Turns a network-level error into a caller-safe failure (no resolved addresses, no internals). */
function describeFailure(err: unknown, timedOut: boolean, hop: number, url: URL): ReferenceFailure {
  const host = quoteHost(url.hostname);
  if (err instanceof BlockedAddressError) {
    return hop === 0
      ? new ReferenceFailure(
          'image_url_forbidden',
          `points to host ${host}, which resolves to a private, loopback or reserved address that may not be fetched: use a publicly reachable image URL.`,
          err,
        )
      : new ReferenceFailure(
          'image_url_forbidden',
          'was redirected to a location that may not be fetched: use a publicly reachable image URL that is not redirected.',
          err,
        );
  }
  if (err instanceof ResolveError) {
    return new ReferenceFailure(
      'image_download_failed',
      hop === 0
        ? `could not be downloaded: the host ${host} could not be resolved; check the URL.`
        : 'could not be downloaded: it was redirected to a host that could not be resolved.',
      err,
    );
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (timedOut || (typeof code === 'string' && TIMED_OUT.has(code))) {
    return new ReferenceFailure(
      'image_download_failed',
      'could not be downloaded in time: the image host was too slow; try again later or use another URL.',
      err,
    );
  }
  return new ReferenceFailure(
    'image_download_failed',
    hop === 0
      ? `could not be downloaded: the connection to ${host} failed; check that the URL is publicly reachable.`
      : 'could not be downloaded: the connection to the host it was redirected to failed.',
    err,
  );
}
