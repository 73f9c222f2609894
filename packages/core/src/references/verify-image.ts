import sharp from 'sharp';
import { reachesItsEnd } from '../images/image-end.js';
import { detectImageFormat, mimeOf, type ImageFormat } from '../images/image-format.js';
import { ReferenceFailure } from './reference-errors.js';

/** Bytes whose format and dimensions were read from the bytes themselves. */
export interface VerifiedImage {
  bytes: Buffer;
  format: ImageFormat;
  mimeType: string;
  width: number;
  height: number;
}

/** sharp's name for each format we accept (HEIC and HEIF are both its 'heif'). */
const SHARP_FORMAT: Record<ImageFormat, string> = { png: 'png', jpeg: 'jpeg', webp: 'webp', heic: 'heif', heif: 'heif' };

/** What a reference that is damaged is told (here, and when decoding it to shrink it fails). */
export const CORRUPT = 'could not be read as an image (corrupt or truncated): use a valid image file.';
const UNSUPPORTED = 'is not a PNG, JPEG, WEBP or HEIC image (the type is read from the bytes, not from Content-Type): use one of those formats.';

function tooManyPixels(width: number, height: number, maxPixels: number): ReferenceFailure {
  return new ReferenceFailure(
    'image_too_large',
    `is ${width}x${height} pixels, more than the ${maxPixels} allowed: use a smaller image.`,
  );
}

/**
 * Checks that bytes are a PNG, JPEG, WEBP or HEIC/HEIF image (by content; the declared type is
 * ignored) of at most `maxPixels` pixels, that reaches its end (not cut short). Only the header and
 * the end are read (`sharp().metadata()` with `limitInputPixels`), never the pixels, so a tiny file
 * declaring 100000x100000 is refused cheaply.
 *
 * Throws a {@link ReferenceFailure}: `unsupported_image_type` or `image_too_large`.
 */
export async function verifyImage(bytes: Buffer, maxPixels: number): Promise<VerifiedImage> {
  if (bytes.length === 0) throw new ReferenceFailure('unsupported_image_type', 'is empty: use a PNG, JPEG, WEBP or HEIC image.');
  const format = await detectImageFormat(bytes);
  if (format === undefined) throw new ReferenceFailure('unsupported_image_type', UNSUPPORTED);
  // A download cut short keeps its header: caught here, before it is sent to (and billed by) a model.
  if (!reachesItsEnd(bytes, format)) throw new ReferenceFailure('unsupported_image_type', CORRUPT);

  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: maxPixels }).metadata();
  } catch (err) {
    // sharp refuses headers over the limit; read the header again without it only to say which.
    const unlimited = await sharp(bytes, { limitInputPixels: false })
      .metadata()
      .catch(() => undefined);
    if (unlimited?.width !== undefined && unlimited.height !== undefined && unlimited.width * unlimited.height > maxPixels) {
      throw tooManyPixels(unlimited.width, unlimited.height, maxPixels);
    }
    throw new ReferenceFailure('unsupported_image_type', CORRUPT, err);
  }
  const { width, height } = meta;
  if (width === undefined || height === undefined || width < 1 || height < 1 || meta.format !== SHARP_FORMAT[format]) {
    throw new ReferenceFailure('unsupported_image_type', CORRUPT);
  }
  if (width * height > maxPixels) throw tooManyPixels(width, height, maxPixels);
  return { bytes, format, mimeType: mimeOf(format), width, height };
}
