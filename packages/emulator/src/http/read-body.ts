import type { IncomingMessage } from 'node:http';

/** A request body read from the socket. */
export interface ReadBody {
  /** The bytes, or undefined when the body was larger than the retention limit (it was drained, not kept). */
  bytes: Buffer | undefined;
  /** Total bytes received. */
  size: number;
}

/**
 * Reads a whole request body. Past `maxBytes` the rest is drained but not kept, so the emulator can
 * still answer a clean 400 (a client whose upload is cut off sees a network error instead).
 * Rejects if the client goes away before the body ends.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<ReadBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let ended = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.on('end', () => {
      ended = true;
      resolve({ bytes: size <= maxBytes ? Buffer.concat(chunks, size) : undefined, size });
    });
    req.on('error', reject);
    req.on('close', () => {
      if (!ended) reject(new Error('client closed the request before its body ended'));
    });
  });
}

/** Parses an application/x-www-form-urlencoded body (or JSON, which some OAuth clients send) into fields. */
export function parseForm(bytes: Buffer, contentType: string | undefined): Record<string, string> {
  const text = bytes.toString('utf8');
  if (contentType?.includes('application/json')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null) {
        return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
      }
    } catch {
      // fall through: treated as an empty form, which the token route rejects
    }
    return {};
  }
  return Object.fromEntries(new URLSearchParams(text));
}
