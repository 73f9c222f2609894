import type { ServerResponse } from 'node:http';
import type { PlannedAnswer } from '../google-errors.js';
import type { RecordedRequest } from '../recorded-request.js';

/** How an answer goes on the wire: whole, reset midway, stalled midway, cut short but ended cleanly, or whole with its JSON broken early. */
export type Delivery = 'normal' | 'reset' | 'stall' | 'truncated' | 'garbled';

/** Sends a planned answer and records its status. Does nothing if the client already went away. */
export function deliver(res: ServerResponse, record: RecordedRequest, answer: PlannedAnswer, delivery: Delivery = 'normal'): void {
  if (res.destroyed || res.headersSent) return;
  const total = answer.chunks.reduce((n, c) => n + (typeof c === 'string' ? Buffer.byteLength(c) : c.length), 0);
  record.status = answer.status;
  if (delivery === 'normal' || delivery === 'garbled') {
    res.writeHead(answer.status, { ...answer.headers, 'content-length': String(total) });
    answer.chunks.forEach((chunk, i) => res.write(i === 0 && delivery === 'garbled' ? garble(chunk) : chunk));
    res.end();
    return;
  }
  const cut = Math.max(1, Math.floor(total / 2));
  const partial = sliceChunks(answer.chunks, cut);
  if (delivery === 'truncated') {
    // Content-Length matches what is sent: HTTP-wise the answer is complete, only the JSON is broken.
    res.writeHead(answer.status, { ...answer.headers, 'content-length': String(cut) });
    for (const chunk of partial) res.write(chunk);
    res.end();
    return;
  }
  // reset / stall: promise the whole body and send half; then reset the connection once that half is
  // flushed, or send nothing more (the socket ends when the client leaves or the emulator closes).
  res.writeHead(answer.status, { ...answer.headers, 'content-length': String(total) });
  partial.forEach((chunk, i) => {
    const last = i === partial.length - 1;
    res.write(chunk, last && delivery === 'reset' ? () => destroySocket(res) : undefined);
  });
}

/** How often a slow answer sends its next piece, ms. */
const SLOW_PIECE_MS = 20;

/**
 * Sends a planned answer at about `bytesPerSecond`, a piece every 20 ms, and records its status.
 * Stops when `signal` aborts (the client went away, or the emulator closes).
 */
export async function deliverSlowly(res: ServerResponse, record: RecordedRequest, answer: PlannedAnswer, bytesPerSecond: number, signal: AbortSignal): Promise<void> {
  if (res.destroyed || res.headersSent) return;
  const body = Buffer.concat(answer.chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk) : chunk)));
  const piece = Math.max(1, Math.round((bytesPerSecond * SLOW_PIECE_MS) / 1000));
  record.status = answer.status;
  res.writeHead(answer.status, { ...answer.headers, 'content-length': String(body.length) });
  for (let at = 0; at < body.length; at += piece) {
    if (res.destroyed || !(await sleep(at === 0 ? 0 : SLOW_PIECE_MS, signal))) return;
    res.write(body.subarray(at, at + piece));
  }
  res.end();
}

const resets = new WeakSet<ServerResponse>();

/** Whether the emulator itself reset this answer's connection (a `reset` fault), as opposed to the client leaving. */
export function wasResetByEmulator(res: ServerResponse): boolean {
  return resets.has(res);
}

function destroySocket(res: ServerResponse): void {
  resets.add(res);
  const socket = res.socket;
  if (socket && !socket.destroyed) socket.resetAndDestroy();
  else res.destroy();
}

/** The first `length` bytes of a chunk list, as chunks. */
function sliceChunks(chunks: ReadonlyArray<string | Buffer>, length: number): Buffer[] {
  const out: Buffer[] = [];
  let left = length;
  for (const chunk of chunks) {
    if (left <= 0) break;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    out.push(bytes.length <= left ? bytes : bytes.subarray(0, left));
    left -= bytes.length;
  }
  return out;
}

/** Waits `ms`, or less if `signal` aborts first. Resolves true when the full wait elapsed. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves when `signal` aborts (a hung answer waits on this). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** The chunk with its second byte (just inside the opening brace) made a stray `]`: the JSON is broken at once, the length unchanged. */
function garble(chunk: string | Buffer): Buffer {
  const bytes = Buffer.from(chunk);
  if (bytes.length > 1) bytes[1] = 0x5d;
  return bytes;
}
