import busboy from 'busboy';
import { RelayError } from '../contract/errors.js';
import { unknownFields } from '../contract/parse-request.js';
import { ReferenceFailure } from '../references/reference-errors.js';
import type { ReferenceImage } from '../references/reference-image.js';
import { verifyImage } from '../references/verify-image.js';
import { discardRest } from './discard-body.js';
import type { Incoming } from './incoming.js';

/** Limits of an uploaded request: the same per-image caps as URL references, plus the text fields. */
export interface MultipartLimits {
  /** Most images per request (`capabilities.maxReferences`). */
  maxReferences: number;
  /** Bytes per image (`references.maxBytes`). */
  maxBytes: number;
  /** Bytes of all images of the request (`references.maxTotalBytes`). */
  maxTotalBytes: number;
  /** Pixels per image (`references.maxPixels`). */
  maxPixels: number;
  /** Bytes of all text fields together (`limits.maxBodyBytes`). */
  maxFieldBytes: number;
}

/** What a multipart edit request holds: its text fields as a request body, and the verified images. */
export interface MultipartReferences {
  /** The text fields, for the same validation as a JSON body (`n` read as a number). */
  fields: Record<string, unknown>;
  /** The uploaded images in order (`image` / `image[]` parts), verified by their bytes. */
  images: ReferenceImage[];
}

/** The file fields of OpenAI's `images.edit`: one file is sent as `image`, several as `image[]`. */
const IMAGE_FIELDS = new Set(['image', 'image[]']);
/** Room for part headers and boundaries on top of the payload limits. */
const MULTIPART_OVERHEAD = 64 * 1024;
/** More parts than any honest edit request carries. */
const MAX_PARTS = 64;

function tooLarge(message: string): RelayError {
  return new RelayError(413, message, { code: 'request_too_large' });
}

function invalid(message: string, param: string | null, code: string): RelayError {
  return new RelayError(400, message, { param, code });
}

/** A reference failure of upload `index`, phrased as for URL references (`image[1] is larger than …`). */
function uploadError(failure: ReferenceFailure, index: number): RelayError {
  return new RelayError(400, `image[${index}] ${failure.detail}`, { param: `image[${index}]`, code: failure.code, cause: failure.cause ?? failure });
}

/** A text field's value as the JSON body would carry it. */
function fieldValue(name: string, value: string): unknown {
  return name === 'n' && /^\d{1,6}$/.test(value) ? Number(value) : value;
}

/** The 400 for a text field the edits route does not take as such. */
function fieldError(name: string): RelayError | undefined {
  if (name === 'image_input' || name === 'image_input[]') {
    return invalid("The edits route takes uploaded files in 'image[]', not URLs in 'image_input': use /v1/images/generations for URLs.", name, 'unsupported_parameter');
  }
  if (IMAGE_FIELDS.has(name)) return invalid(`'${name}' must be an uploaded image file, not a text field.`, 'image', 'invalid_value');
  if (/[[\]]/.test(name)) return unknownFields([name]);
  return undefined;
}

/**
 * Reads a `multipart/form-data` edit request while it streams (busboy): text fields become the
 * request body, `image` / `image[]` files become references. Each file is capped while streaming
 * (`maxBytes`, `maxTotalBytes`), then verified exactly like a downloaded reference (`verifyImage`:
 * type sniffed from the bytes, pixels read from the header). The whole body is read before
 * answering (up to the limits), so that the caller always gets the error rather than a reset.
 *
 * Throws a {@link RelayError}: 400 (`image[i]` errors with the codes of URL references, too many
 * images, bad fields, a malformed body), 413 (a body over the limits).
 */
export async function readMultipartReferences(request: Incoming, limits: MultipartLimits, signal?: AbortSignal): Promise<MultipartReferences> {
  const contentType = request.headers.get('content-type') ?? '';
  if (!/^multipart\/form-data\b/i.test(contentType)) {
    throw invalid("The request body must be sent as 'multipart/form-data' with the images in 'image[]'.", null, 'invalid_content_type');
  }
  const maxRaw = limits.maxTotalBytes + limits.maxFieldBytes + MULTIPART_OVERHEAD;
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxRaw) throw tooLarge(`The request body is larger than ${maxRaw} bytes.`);

  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { 'content-type': contentType },
      limits: { fileSize: limits.maxBytes, files: limits.maxReferences + 1, fieldSize: limits.maxFieldBytes, parts: MAX_PARTS },
    });
  } catch (cause) {
    throw new RelayError(400, 'The multipart body has no boundary in its Content-Type.', { code: 'invalid_multipart', cause });
  }

  // The first error wins; the rest of the body is still drained (bounded by maxRaw) so it can be answered.
  let failure: RelayError | undefined;
  const fail = (error: RelayError): void => {
    failure ??= error;
  };
  // A Map, not an object: a field named `__proto__` or `constructor` is a field like any other.
  const fields = new Map<string, unknown>();
  const verified: Array<Promise<ReferenceImage | undefined>> = [];
  let fieldBytes = 0;
  let imageBytes = 0;

  parser.on('field', (name, value: string | undefined, info) => {
    // busboy gives no text for a part in a charset it does not know (shift_jis, utf-16be...).
    if (typeof value !== 'string') {
      fail(invalid(`'${name}' is in a charset the relay does not read: send the text fields as UTF-8.`, name, 'invalid_value'));
      return;
    }
    fieldBytes += name.length + value.length;
    if (info.valueTruncated || fieldBytes > limits.maxFieldBytes) {
      fail(tooLarge(`The text fields of the request are larger than ${limits.maxFieldBytes} bytes.`));
      return;
    }
    const error = fieldError(name) ?? (fields.has(name) ? invalid(`'${name}' was sent more than once.`, name, 'invalid_value') : undefined);
    if (error) fail(error);
    // busboy decodes each field in the charset its part names (UTF-8 by default), replacing what is
    // not valid with U+FFFD: such a field is refused, never sent upstream mangled.
    else if (value.includes('\uFFFD')) fail(invalid(`'${name}' is not valid UTF-8 text.`, name, 'invalid_value'));
    else fields.set(name, fieldValue(name, value));
  });

  parser.on('file', (name, stream) => {
    if (!IMAGE_FIELDS.has(name)) {
      fail(name === 'image_input' || name === 'image_input[]' ? (fieldError(name) as RelayError) : unknownFields([name]));
      stream.resume();
      return;
    }
    const index = verified.length;
    if (index >= limits.maxReferences) {
      const max = limits.maxReferences;
      fail(invalid(`Too many images in 'image[]': at most ${max} ${max === 1 ? 'is' : 'are'} accepted.`, 'image', 'too_many_images'));
      stream.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let dropped = false;
    const drop = (detail: string): void => {
      dropped = true;
      chunks.length = 0;
      fail(uploadError(new ReferenceFailure('image_too_large', detail), index));
    };
    stream.on('data', (chunk: Buffer) => {
      if (dropped) return;
      imageBytes += chunk.length;
      if (imageBytes > limits.maxTotalBytes) {
        drop(`makes the reference images of this request larger than ${limits.maxTotalBytes} bytes in total: use smaller images.`);
      } else chunks.push(chunk);
    });
    stream.on('limit', () => {
      if (!dropped) drop(`is larger than ${limits.maxBytes} bytes: use a smaller image.`);
    });
    // A body cut off mid-file: the parser reports it; this image is simply not kept.
    stream.on('error', () => {
      dropped = true;
    });
    verified.push(
      new Promise<ReferenceImage | undefined>((resolve) => {
        stream.on('close', () => {
          if (dropped || failure) {
            resolve(undefined);
            return;
          }
          verifyImage(Buffer.concat(chunks), limits.maxPixels).then(
            (image) => resolve({ index, url: `upload:image[${index}]`, ...image }),
            (err: unknown) => {
              fail(err instanceof ReferenceFailure ? uploadError(err, index) : invalid(`image[${index}] could not be read.`, `image[${index}]`, 'unsupported_image_type'));
              resolve(undefined);
            },
          );
        });
      }),
    );
  });

  parser.on('filesLimit', () => fail(invalid(`Too many images in 'image[]': at most ${limits.maxReferences} are accepted.`, 'image', 'too_many_images')));
  parser.on('partsLimit', () => fail(tooLarge(`The request has more than ${MAX_PARTS} parts.`)));

  const parsed = new Promise<void>((resolve, reject) => {
    parser.on('close', resolve);
    parser.on('error', (cause: unknown) => reject(new RelayError(400, 'The multipart body could not be read.', { code: 'invalid_multipart', cause })));
  });
  parsed.catch(() => {}); // observed below; avoids an unhandled rejection while the body is still being pumped

  await pump(request, parser, maxRaw, signal);
  await parsed;
  const images = await Promise.all(verified);
  if (failure) throw failure;
  if (images.length === 0) throw invalid("'image' is required: upload at least one image file in 'image[]'.", 'image', 'missing_required_parameter');
  return { fields: Object.fromEntries(fields), images: images as ReferenceImage[] };
}

/** Feeds the request body into the parser with backpressure, refusing it past `maxRaw` bytes. */
async function pump(request: Incoming, parser: busboy.Busboy, maxRaw: number, signal?: AbortSignal): Promise<void> {
  const reader = request.body();
  if (!reader) {
    parser.end();
    return;
  }
  let size = 0;
  try {
    for (;;) {
      signal?.throwIfAborted();
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxRaw) {
        parser.destroy();
        await discardRest(reader);
        throw tooLarge(`The request body is larger than ${maxRaw} bytes.`);
      }
      // A parser that gave up (malformed body) takes no more; its error is what the caller gets.
      if (parser.destroyed) break;
      if (!parser.write(value)) await drained(parser);
    }
    if (parser.destroyed) await discardRest(reader);
    else parser.end();
  } catch (err) {
    await reader.cancel().catch(() => {});
    parser.destroy();
    throw err;
  }
}

/** Resolves when the parser wants more, or will never want more (error, close). */
function drained(parser: busboy.Busboy): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      parser.off('drain', done).off('error', done).off('close', done);
      resolve();
    };
    parser.on('drain', done).on('error', done).on('close', done);
  });
}
