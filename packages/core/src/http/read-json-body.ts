import { RelayError } from '../contract/errors.js';
import { discardRest } from './discard-body.js';
import type { Incoming } from './incoming.js';
import { strictUtf8 } from './utf8.js';

function tooLarge(limit: number): RelayError {
  return new RelayError(413, `The request body is larger than ${limit} bytes.`, { code: 'request_too_large' });
}

/**
 * Reads a JSON request body, refusing it as soon as it passes `limit` bytes (a missing or lying
 * Content-Length does not help), and turning malformed JSON into a clear 400.
 */
export async function readJsonBody(request: Incoming, limit: number): Promise<unknown> {
  const type = request.headers.get('content-type');
  if (type && !/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
    throw new RelayError(400, "The request body must be JSON, sent with 'Content-Type: application/json'.", { code: 'invalid_content_type' });
  }
  // JSON is UTF-8 (RFC 8259): another charset would be read wrongly, so it is refused rather than guessed.
  const charset = type ? /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(type)?.[1] : undefined;
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
    throw new RelayError(400, `The request body must be UTF-8 JSON: charset '${charset}' is not accepted.`, { code: 'invalid_content_type' });
  }
  const encoding = request.headers.get('content-encoding');
  if (encoding && encoding.trim().toLowerCase() !== 'identity') {
    throw new RelayError(400, 'Compressed request bodies (Content-Encoding) are not accepted: send the JSON as it is.', { code: 'invalid_content_type' });
  }
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body();
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await discardRest(reader);
        throw tooLarge(limit);
      }
      chunks.push(value);
    }
  }
  // Bytes that are not UTF-8 are refused, never read as U+FFFD; a leading byte-order mark is dropped, as RFC 8259 allows.
  const text = strictUtf8(Buffer.concat(chunks));
  if (text === undefined) throw new RelayError(400, 'The request body is not valid UTF-8.', { code: 'invalid_json' });
  if (text.trim() === '') {
    throw new RelayError(400, 'The request body is empty: send a JSON object.', { code: 'invalid_json' });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new RelayError(400, 'The request body is not valid JSON.', { code: 'invalid_json' });
  }
}
