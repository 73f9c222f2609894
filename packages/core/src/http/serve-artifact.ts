import { RelayError } from '../contract/errors.js';
import { DEFAULT_ARTIFACT_PREFIX, isSafeKey } from '../storage/artifact-key.js';
import type { Storage, StoredFile } from '../storage/storage.js';

type ByteRange = { start: number; end: number };

function errorResponse(request: Request, error: RelayError, headers: Record<string, string> = {}): Response {
  const body = request.method === 'HEAD' ? null : JSON.stringify(error.toJSON());
  return new Response(body, {
    status: error.status,
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
      ...headers,
    },
  });
}

function notFound(request: Request): Response {
  return errorResponse(request, new RelayError(404, 'The requested artifact does not exist.', { code: 'artifact_not_found' }));
}

/** The entity-tags of an `If-None-Match`/`If-Range` list (`*` kept as is). */
function entityTags(header: string): string[] {
  return header.match(/\*|(?:W\/)?"[^"]*"/g) ?? [];
}

const opaque = (tag: string): string => tag.replace(/^W\//, '');

/** RFC 9110 §13.1.2: weak comparison, `*` matches any current representation. */
function noneMatch(header: string, etag: string): boolean {
  return entityTags(header).some((tag) => tag === '*' || opaque(tag) === opaque(etag));
}

/** Seconds since the epoch, the precision of HTTP dates. */
const seconds = (date: Date): number => Math.floor(date.getTime() / 1000);

/** RFC 9110 §13.1.5: a strong ETag match, or an exact HTTP-date match on Last-Modified. */
function ifRangeMatches(header: string, file: StoredFile): boolean {
  const value = header.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return !value.startsWith('W/') && value === file.etag;
  const date = Date.parse(value);
  return !Number.isNaN(date) && Math.floor(date / 1000) === seconds(file.lastModified);
}

/**
 * Parses a single-range `Range` header. Returns the range, `'unsatisfiable'`, or undefined when the
 * header is to be ignored (malformed, another unit, or several ranges, which RFC 9110 lets us ignore).
 */
function parseRange(header: string, size: number): ByteRange | 'unsatisfiable' | undefined {
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? Infinity : Number(last);
  if (end < start) return undefined; // invalid range-spec: the field is ignored
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(end, size - 1) };
}

/**
 * A pull-based stream over `open()`'s iterable: one chunk is read per consumer read (backpressure), the
 * source is not opened before the first read, and a cancelled response stops (and so closes) the source.
 */
function toReadableStream(open: () => AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  let iterator: AsyncIterator<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        iterator ??= open()[Symbol.asyncIterator]();
        const next = await iterator.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      async cancel() {
        await iterator?.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * Serves an archived artifact from `storage` (which must implement `read`) as a Web-standard Response:
 * GET and HEAD, ETag/Last-Modified revalidation (304), single byte ranges (206/416) and immutable
 * caching. Unknown or unsafe keys answer an OpenAI-shaped 404; other methods a 405.
 * Errors thrown by the storage propagate (reject) so the caller can log them and answer 500.
 */
export async function serveArtifact(request: Request, storage: Storage, key: string): Promise<Response> {
  const method = request.method;
  if (method !== 'GET' && method !== 'HEAD') {
    return errorResponse(
      request,
      new RelayError(405, `Method ${method} is not allowed for artifacts.`, { code: 'method_not_allowed' }),
      { Allow: 'GET, HEAD' },
    );
  }
  if (!isSafeKey(key) || storage.read === undefined) return notFound(request);
  const file = await storage.read(key);
  if (file === undefined) return notFound(request);

  // Shared by 200/206 and, per RFC 9110 §15.4.5, repeated on 304 (which carries no content headers).
  const validators = {
    ETag: file.etag,
    'Last-Modified': file.lastModified.toUTCString(),
    'Cache-Control': 'public, max-age=31536000, immutable',
  };
  const headers: Record<string, string> = {
    'Content-Type': file.contentType,
    'X-Content-Type-Options': 'nosniff',
    ...validators,
    'Accept-Ranges': 'bytes',
  };

  const ifNoneMatch = request.headers.get('if-none-match');
  const ifModifiedSince = request.headers.get('if-modified-since');
  // RFC 9110 §13.2.2: If-Modified-Since is only evaluated without If-None-Match.
  const notModified =
    ifNoneMatch !== null
      ? noneMatch(ifNoneMatch, file.etag)
      : ifModifiedSince !== null && seconds(file.lastModified) <= Math.floor(Date.parse(ifModifiedSince) / 1000);
  if (notModified) return new Response(null, { status: 304, headers: validators });

  const rangeHeader = request.headers.get('range');
  const ifRange = request.headers.get('if-range');
  // Ranges are defined for GET only; a stale If-Range asks for the whole new representation.
  const range =
    method === 'GET' && rangeHeader !== null && (ifRange === null || ifRangeMatches(ifRange, file))
      ? parseRange(rangeHeader, file.size)
      : undefined;

  if (range === 'unsatisfiable') {
    return errorResponse(
      request,
      new RelayError(416, 'The requested range is not satisfiable.', { code: 'range_not_satisfiable' }),
      { 'Content-Range': `bytes */${file.size}`, 'Accept-Ranges': 'bytes' },
    );
  }
  if (range !== undefined) {
    headers['Content-Range'] = `bytes ${range.start}-${range.end}/${file.size}`;
    headers['Content-Length'] = String(range.end - range.start + 1);
    return new Response(toReadableStream(() => file.stream(range)), { status: 206, headers });
  }
  headers['Content-Length'] = String(file.size);
  const body = method === 'HEAD' ? null : toReadableStream(() => file.stream());
  return new Response(body, { status: 200, headers });
}

const FORBIDDEN_IN_SEGMENT = /[/\\\0]/;

/**
 * The storage key a request path addresses, e.g. `/task-artifacts/2026/03/31/sync-image/x-1.png` →
 * `task-artifacts/2026/03/31/sync-image/x-1.png`; undefined when the path is not under `prefix` or
 * decodes to a path-changing segment (`%2F`, `%5C`, `%00`, `.`, `..`, bad escapes). Segments are
 * decoded exactly once, so double encodings keep a `%` that {@link serveArtifact} then refuses.
 */
export function artifactKeyFromPath(pathname: string, prefix: string = DEFAULT_ARTIFACT_PREFIX): string | undefined {
  if (!pathname.startsWith('/')) return undefined;
  const segments: string[] = [];
  for (const raw of pathname.slice(1).split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (FORBIDDEN_IN_SEGMENT.test(segment) || segment === '.' || segment === '..') return undefined;
    segments.push(segment);
  }
  const prefixSegments = prefix.split('/');
  if (prefixSegments.some((part, i) => segments[i] !== part)) return undefined;
  // The prefix folder itself (`/task-artifacts`, `/task-artifacts/`) addresses no artifact.
  if (segments.slice(prefixSegments.length).every((segment) => segment === '')) return undefined;
  return segments.join('/');
}
