import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { JsonAnswer } from './json-response.js';
import { headersHiddenBy, nodeBodyOf, requestUrl, webHeadersOf, type NodeRequestLike } from './node-incoming.js';

/**
 * Translates a Node request into a Web `Request`. `url` is the path the relay should see (adapters
 * pass the path relative to where they are mounted); `signal` should abort when the client leaves.
 */
export function toWebRequest(req: NodeRequestLike, url: string, signal: AbortSignal): Request {
  const body = nodeBodyOf(req);
  const headers = webHeadersOf(req, headersHiddenBy(body));
  const init: RequestInit & { duplex?: 'half' } = { method: req.method ?? 'GET', headers, signal };
  if (body !== undefined) {
    // Node's Request takes an async iterable body as it is: no Node-to-Web stream adapter per request.
    init.body = 'bytes' in body ? body.bytes : (body.stream as unknown as BodyInit);
    init.duplex = 'half';
  }
  return new Request(requestUrl(url), init);
}

/**
 * A request body the relay began reading and gave up on part-way (past its limits, or a client too
 * slow to send the rest) leaves bytes on the connection that nobody will read: it is closed after
 * this answer rather than left stuck. (A body never read at all, Node drains by itself.)
 */
function closeIfBodyAbandoned(res: ServerResponse): void {
  const req = res.req as IncomingMessage | undefined;
  if (req !== undefined && !req.complete && (req.destroyed || req.readableDidRead) && !res.headersSent) res.setHeader('connection', 'close');
}

/** Answers of at most this many bytes are written in one piece, and not waited for. */
const SMALL_ANSWER = 64 * 1024;

/** Writes a {@link JsonAnswer} to a Node response in one write; a large one (b64_json) resolves once written. */
export async function sendJsonAnswer(answer: JsonAnswer, res: ServerResponse): Promise<void> {
  closeIfBodyAbandoned(res);
  res.writeHead(answer.status, answer.headers);
  res.end(answer.body);
  // Those waiting for the answers in flight (a host shutting down) wait for the large ones to be written.
  if (Number(answer.headers['content-length']) > SMALL_ANSWER) await finished(res);
}

/** Writes a Web `Response` to a Node response: a small answer of known length in one write, others streamed with backpressure. */
export async function sendWebResponse(response: Response, res: ServerResponse): Promise<void> {
  res.statusCode = response.status;
  response.headers.forEach((value, name) => res.setHeader(name, value));
  closeIfBodyAbandoned(res);
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
