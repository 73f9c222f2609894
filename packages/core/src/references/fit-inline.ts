import sharp from 'sharp';
import { RelayError } from '../contract/errors.js';
import { mimeOf } from '../images/image-format.js';
import { imageWork } from '../images/image-work-slots.js';
import type { ReferenceImage } from './reference-image.js';
import { CORRUPT } from './verify-image.js';

/** Shrink attempts before giving up; each aims 10% under the cap, so 2 or 3 usually suffice. */
const MAX_ATTEMPTS = 8;
/** Below this size (longest side) an image is no use as a reference. */
const MIN_SIDE = 16;
const QUALITY = 85;

async function encode(
  input: Buffer,
  format: 'jpeg' | 'webp',
  width: number | undefined,
  signal: AbortSignal | undefined,
): Promise<{ data: Buffer; width: number; height: number }> {
  // rotate() applies EXIF orientation first, since re-encoding drops the EXIF that carried it.
  let pipeline = sharp(input).rotate();
  if (width !== undefined) pipeline = pipeline.resize({ width });
  pipeline = format === 'jpeg' ? pipeline.jpeg({ quality: QUALITY }) : pipeline.webp({ quality: QUALITY, alphaQuality: 100 });
  const { data, info } = await imageWork(() => pipeline.toBuffer({ resolveWithObject: true }), signal);
  return { data, width: info.width, height: info.height };
}

/** WEBP cannot be wider or taller than this; a larger image with alpha is brought under it first. */
const WEBP_MAX_SIDE = 16_383;

/** The width of the first encoding: full size, except where WEBP's size limit asks for less. */
function firstWidth(meta: sharp.Metadata, format: 'jpeg' | 'webp'): number | undefined {
  const { width, height } = meta;
  if (format !== 'webp' || width === undefined || height === undefined || Math.max(width, height) <= WEBP_MAX_SIDE) return undefined;
  // EXIF orientations 5-8 swap the sides once rotated, and resize() applies after rotate().
  const [w, h] = (meta.orientation ?? 1) >= 5 ? [height, width] : [width, height];
  return Math.floor((w * WEBP_MAX_SIDE) / Math.max(w, h));
}

/**
 * Returns the reference unchanged when it has at most `maxBytes` bytes; otherwise re-encodes it
 * (JPEG, or WEBP when it has an alpha channel), downscaling with its aspect ratio kept until it fits.
 * The result is deterministic for a given input and cap. EXIF orientation is applied to the pixels.
 *
 * Throws a 400 {@link RelayError} (param `image_input[index]`): `image_too_large` if even a tiny
 * version would not fit, or if the image cannot be decoded here (HEIC without an HEVC decoder);
 * `unsupported_image_type` if a PNG, JPEG or WEBP turns out to be damaged when decoded.
 *
 * @param ref - A verified reference (e.g. from `ReferenceFetcher.fetchAll`).
 * @param maxBytes - The inline budget for this image, e.g. 7 MB for Vertex.
 * @param signal - Its request's: a re-encoding still waiting for a slot when it aborts is skipped.
 */
export async function fitInline(ref: ReferenceImage, maxBytes: number, signal?: AbortSignal): Promise<ReferenceImage> {
  if (ref.bytes.length <= maxBytes) return ref;
  const tooLarge = (detail: string, cause?: unknown): RelayError =>
    new RelayError(400, `image_input[${ref.index}] ${detail}`, {
      param: `image_input[${ref.index}]`,
      code: 'image_too_large',
      ...(cause !== undefined ? { cause } : {}),
    });
  let out: { data: Buffer; width: number; height: number };
  let format: 'jpeg' | 'webp';
  try {
    const meta = await sharp(ref.bytes).metadata();
    format = meta.hasAlpha ? 'webp' : 'jpeg';
    // First re-encode at full size (a PNG photo often fits as JPEG), then shrink by the ratio missed.
    out = await encode(ref.bytes, format, firstWidth(meta, format), signal);
    for (let attempt = 1; out.data.length > maxBytes && attempt < MAX_ATTEMPTS; attempt += 1) {
      const scale = Math.sqrt(maxBytes / out.data.length) * 0.9;
      const width = Math.max(1, Math.floor(out.width * scale));
      if (Math.max(width, Math.round(out.height * scale)) < MIN_SIDE) break;
      out = await encode(ref.bytes, format, width, signal);
    }
  } catch (cause) {
    // Cancelled while waiting for a slot: not the image's fault.
    if (signal?.aborted) throw signal.reason;
    // HEIC with a codec this sharp build cannot decode: it cannot be shrunk, only refused.
    if (ref.format === 'heic' || ref.format === 'heif') {
      throw tooLarge(`is larger than ${maxBytes} bytes and cannot be converted: use a smaller PNG, JPEG or WEBP image.`, cause);
    }
    // A PNG, JPEG or WEBP that libvips cannot decode is damaged: saying it is too large would mislead.
    throw new RelayError(400, `image_input[${ref.index}] ${CORRUPT}`, {
      param: `image_input[${ref.index}]`,
      code: 'unsupported_image_type',
      cause,
    });
  }
  if (out.data.length > maxBytes) {
    throw tooLarge(`cannot be made smaller than ${maxBytes} bytes: use a smaller image.`);
  }
  return { ...ref, bytes: out.data, format, mimeType: mimeOf(format), width: out.width, height: out.height };
}
