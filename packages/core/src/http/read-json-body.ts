import { RelayError } from '../contract/errors.js';

function tooLarge(limit: number): RelayError {
  return new RelayError(413, `The request body is larger than ${limit} bytes.`, { code: 'request_too_large' });
}

/**
 * Reads a JSON request body, refusing it as soon as it passes `limit` bytes (a missing or lying
 * Content-Length does not help), and turning malformed JSON into a clear 400.
 */
export async function readJsonBody(request: Request, limit: number): Promise<unknown> {
  const type = request.headers.get('content-type');
  if (type && !/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
    throw new RelayError(400, "The request body must be JSON, sent with 'Content-Type: application/json'.", { code: 'invalid_content_type' });
  }
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        throw tooLarge(limit);
      }
      chunks.push(value);
    }
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') {
    throw new RelayError(400, 'The request body is empty: send a JSON object.', { code: 'invalid_json' });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new RelayError(400, 'The request body is not valid JSON.', { code: 'invalid_json' });
  }
}
