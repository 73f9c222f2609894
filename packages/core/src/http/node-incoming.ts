import type { IncomingMessage } from 'node:http';
import type { BodyReader, HeaderLookup, Incoming } from './incoming.js';

/** A Node request that a framework may have enriched: a parsed `body` (body parsers) and `originalUrl`. */
export type NodeRequestLike = IncomingMessage & { body?: unknown };

/**
 * A Node request's `url` (a path and query) as a full URL: the relay reads only its path and query,
 * so the origin is a fixed placeholder.
 */
export function requestUrl(url: string): URL {
  return new URL(url, 'http://relay.local');
}

/** Where a request's body is: in the stream itself, or in bytes a body parser upstream already read. */
export type NodeBody = { stream: NodeRequestLike } | { bytes: Uint8Array<ArrayBuffer> } | undefined;

/** Finds a Node request's body (none for GET and HEAD). */
export function nodeBodyOf(req: NodeRequestLike): NodeBody {
  if (req.method === 'GET' || req.method === 'HEAD') return undefined;
  // A parser that read nothing may still set `req.body` (Express 4's express.json() sets {} on every
  // request, whatever its type): while the stream is unread, the stream is the body.
  // (A stand-in for a request that is no stream has neither flag: its parsed body is what there is.)
  if (req.readableDidRead === false && req.readableEnded === false) return { stream: req };
  const parsed = req.body;
  if (Buffer.isBuffer(parsed)) return { bytes: new Uint8Array(parsed) };
  if (typeof parsed === 'string') return { bytes: Buffer.from(parsed) };
  if (parsed !== undefined && parsed !== null && typeof parsed === 'object') return { bytes: Buffer.from(JSON.stringify(parsed)) };
  return { stream: req };
}

/** Headers that no longer describe a body a parser upstream consumed (and may have inflated). */
const PARSED_BODY_HEADERS = ['content-length', 'content-encoding'];

/** The headers to leave out beside `body`: none for the stream itself. */
export function headersHiddenBy(body: NodeBody): readonly string[] {
  return body !== undefined && 'bytes' in body ? PARSED_BODY_HEADERS : [];
}

/** A request's headers as a Web `Headers`, minus `hidden`. */
export function webHeadersOf(req: IncomingMessage, hidden: readonly string[] = []): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || hidden.includes(name)) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return headers;
}

function headerLookup(req: IncomingMessage, hidden: readonly string[]): HeaderLookup {
  return {
    get(name) {
      const key = name.toLowerCase();
      if (hidden.includes(key)) return null;
      const value = req.headers[key];
      if (value === undefined) return null;
      // As a Web `Headers` answers for a repeated header.
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

const DONE = { done: true, value: undefined } as const;

function streamReader(stream: NodeRequestLike): BodyReader {
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Uint8Array | string>;
  let cancel = (): void => {};
  const cancelled = new Promise<typeof DONE>((resolve) => (cancel = () => resolve(DONE)));
  return {
    read() {
      const next = chunks.next().then((r) => (r.done === true ? DONE : { done: false as const, value: typeof r.value === 'string' ? Buffer.from(r.value) : r.value }));
      // A read pending when the body is given up on (a client that stopped sending) ends at once.
      next.catch(() => {});
      return Promise.race([next, cancelled]);
    },
    async cancel() {
      // The rest stays unread (not destroyed: the answer must still reach the client); the Node
      // bridge closes the connection after the answer.
      cancel();
    },
  };
}

function bytesReader(bytes: Uint8Array<ArrayBuffer>): BodyReader {
  let given = false;
  return {
    async read() {
      if (given) return { done: true, value: undefined };
      given = true;
      return { done: false, value: bytes };
    },
    async cancel() {},
  };
}

/**
 * A `node:http` request as an {@link Incoming}, read directly: no Web `Request` is built unless
 * `authorize` asks for one. `url` is the path the relay should see; `signal` aborts when the client leaves.
 */
export function nodeIncoming(req: NodeRequestLike, url: string, signal: AbortSignal): Incoming {
  const body = nodeBodyOf(req);
  const hidden = headersHiddenBy(body);
  return {
    method: req.method ?? 'GET',
    headers: headerLookup(req, hidden),
    signal,
    body: () => (body === undefined ? null : 'bytes' in body ? bytesReader(body.bytes) : streamReader(body.stream)),
    // The body is the route's to read: the request given to `authorize` has none.
    request: () => new Request(requestUrl(url), { method: req.method ?? 'GET', headers: webHeadersOf(req, hidden), signal }),
  };
}
