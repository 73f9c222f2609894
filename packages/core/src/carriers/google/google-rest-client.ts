import { Readable } from 'node:stream';
import { Pool } from 'undici';
import { CarrierError } from '../carrier.js';
import { transportError } from '../transport-error.js';
import type { StreamedJsonBody } from './generate-content-body.js';
import type { GenerateContentAnswer } from './read-response.js';
import { cooperate } from '../../scheduling/turn-budget.js';
import { linkedSignal } from '../../signals/linked-signal.js';
import { withAnswerReadSlots } from './answer-read-slots.js';
import { pushedChunks } from './pushed-chunks.js';
import { AnswerSyntaxError, readGenerateContentAnswer } from './stream-generate-content-answer.js';
import { upstreamStatusError } from './upstream-status.js';

/** Request bodies up to this size are sent as one buffer. */
const SMALL_BODY = 256 * 1024;
/** Most of an error answer read (Google's are a few hundred bytes); the rest is dropped. */
const ERROR_BODY_LIMIT = 64 * 1024;
/**
 * Bytes of an answer undici buffers before it stops reading the socket (its default is 64 KiB).
 * An answer waiting for a decoding slot (see answer-read-slots) then holds the one chunk already
 * read, and the rest stays in the kernel's socket buffer: with hundreds of answers landing
 * together, reading ahead into each made every turn of their arrival longer, and the buffers read
 * (counted by V8 as external memory) brought on more garbage collections. On the bench's burst of
 * 500 answers it took the event loop's p99 delay from 20-28 ms to 14-18 ms, and 60 MB off the peak RSS.
 */
const ANSWER_READ_AHEAD = 16 * 1024;

/** Reads a body as UTF-8 text, up to `limit` bytes. */
async function readCapped(body: AsyncIterable<Uint8Array>, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(Buffer.from(chunk));
    size += chunk.byteLength;
    if (size >= limit) break; // leaving the loop destroys the body
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

/** Settings of one carrier's connection to a Google endpoint. */
export interface GoogleRestClientOptions {
  /** Origin such as `https://aiplatform.googleapis.com`; a path prefix is allowed. */
  baseUrl: string;
  /** Keep-alive connections kept to the origin. */
  connections: number;
  /** Whole-call time limit in ms (a 4K image takes about a minute). */
  timeoutMs: number;
  /** Auth headers, fetched per call so that tokens can refresh. */
  authHeaders: () => Promise<Record<string, string>>;
}

/** A small generateContent REST client over one keep-alive undici pool per carrier. */
export class GoogleRestClient {
  readonly #pool: Pool;
  readonly #prefix: string;
  readonly #options: GoogleRestClientOptions;

  constructor(options: GoogleRestClientOptions) {
    const url = new URL(options.baseUrl);
    this.#options = options;
    this.#prefix = url.pathname.replace(/\/+$/, '');
    // Timeouts are enforced by our own signal (whole call), so undici's idle timers stay generous.
    this.#pool = new Pool(url.origin, {
      connections: options.connections,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  /**
   * POSTs a generateContent body, streaming it out, and reads the answer as it streams in (see
   * `GenerateContentAnswerReader`): neither side is ever held whole. Throws a CarrierError.
   */
  async postJson(path: string, body: StreamedJsonBody, signal: AbortSignal): Promise<GenerateContentAnswer> {
    const limit = linkedSignal([signal], this.#options.timeoutMs);
    const combined = limit.signal;
    try {
      const auth = await this.#options.authHeaders();
      const headers = { 'content-type': 'application/json', 'content-length': String(body.length), ...auth };
      // A burst of requests starts its upstream calls over several event-loop turns (see turn-budget).
      await cooperate();
      combined.throwIfAborted();
      const response = await this.#pool.request({
        method: 'POST',
        path: this.#prefix + path,
        headers,
        // A small body (no reference) goes out in one write; a large one is produced as it is sent.
        body: body.length <= SMALL_BODY ? Buffer.concat([...body.chunks()], body.length) : Readable.from(body.chunks(), { objectMode: false }),
        signal: combined,
        highWaterMark: ANSWER_READ_AHEAD,
      });
      if (response.statusCode >= 400) {
        const text = await readCapped(response.body, ERROR_BODY_LIMIT);
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        // An upstream may echo the credential it refused: the ones sent are removed from its message.
        throw upstreamStatusError(response.statusCode, json, response.headers['retry-after'], Object.values(auth));
      }
      const length = Number(response.headers['content-length']);
      try {
        const expected = Number.isSafeInteger(length) && length > 0 ? { expectedBytes: length } : {};
        return await readGenerateContentAnswer(withAnswerReadSlots(pushedChunks(response.body)), expected);
      } catch (cause) {
        if (!(cause instanceof AnswerSyntaxError)) throw cause;
        throw new CarrierError('network', 'The upstream answer was cut short.', { status: response.statusCode, cause });
      }
    } catch (err) {
      throw transportError(err, signal, limit.timedOut, 'model');
    } finally {
      limit.dispose();
    }
  }

  /** Closes the pool's connections. */
  async close(): Promise<void> {
    await this.#pool.close();
  }
}
