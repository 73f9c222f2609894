import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';

/** A Node request that a framework may have enriched: a parsed `body` (body parsers) and `originalUrl`. */
export type NodeRequestLike = IncomingMessage & { body?: unknown };

/** The request body as the relay expects it: the raw stream, or what a body parser upstream already read. */
function bodyOf(req: NodeRequestLike): BodyInit | undefined {
  if (req.method === 'GET' || req.method === 'HEAD') return undefined;
  // A parser that read nothing may still set `req.body` (Express 4's express.json() sets {} on every
  // request, whatever its type): while the stream is unread, the stream is the body.
  // (A stand-in for a request that is no stream has neither flag: its parsed body is what there is.)
  if (req.readableDidRead === false && req.readableEnded === false) return req as unknown as BodyInit;
  const parsed = req.body;
  if (Buffer.isBuffer(parsed)) return new Uint8Array(parsed);
  if (typeof parsed === 'string') return parsed;
  if (parsed !== undefined && parsed !== null && typeof parsed === 'object') return JSON.stringify(parsed);
  // Node's Request takes an async iterable body as it is: no Node-to-Web stream adapter per request.
  return req as unknown as BodyInit;
}

/**
 * Translates a Node request into a Web `Request`. `url` is the path the relay should see (adapters
 * pass the path relative to where they are mounted); `signal` should abort when the client leaves.
 */
export function toWebRequest(req: NodeRequestLike, url: string, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const body = bodyOf(req);
  // A body parser consumed (and may have inflated) the stream: its length and encoding no longer describe what we send.
  if (body !== undefined && body !== (req as unknown)) {
    headers.delete('content-length');
    headers.delete('content-encoding');
  }
  const init: RequestInit & { duplex?: 'half' } = { method: req.method ?? 'GET', headers, signal };
  if (body !== undefined) {
    init.body = body;
    init.duplex = 'half';
  }
  return new Request(new URL(url, 'http://relay.local'), init);
}

/** Answers of at most this many bytes, with a Content-Length, are written in one piece. */
const SMALL_ANSWER = 64 * 1024;

/** Writes a Web `Response` to a Node response: a small answer of known length in one write, others streamed with backpressure. */
export async function sendWebResponse(response: Response, res: ServerResponse): Promise<void> {
  res.statusCode = response.status;
  response.headers.forEach((value, name) => res.setHeader(name, value));
  // A request body the relay began reading and gave up on part-way (past its limits, or a client too
  // slow to send the rest) leaves bytes on the connection that nobody will read: it is closed after
  // this answer rather than left stuck. (A body never read at all, Node drains by itself.)
  const req = res.req as IncomingMessage | undefined;
  if (req !== undefined && !req.complete && (req.destroyed || req.readableDidRead) && !res.headersSent) res.setHeader('connection', 'close');
  if (!response.body) {
    res.end();
    return;
  }
  const length = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isInteger(length) && length <= SMALL_ANSWER) {
    // Small answers of known length (the route's JSON): one write, no Web-to-Node stream bridge.
    res.end(Buffer.from(await response.arrayBuffer()));
    return;
  }
  await pipeline(Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>), res);
}

/** An AbortSignal that fires when the client goes away before the answer is complete. */
export function clientGoneSignal(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}
