import sharp from 'sharp';
import type { OutputFormat } from '../contract/capabilities.js';
import { CarrierError } from '../carriers/carrier.js';
import type { ImageFormat } from './image-format.js';
import { imageWork } from './image-work-slots.js';

/** An image ready to archive: bytes in the requested format, labelled by what they really are. */
export interface FinalImage {
  bytes: Buffer;
  format: OutputFormat;
  contentType: 'image/png' | 'image/jpeg';
  width: number;
  height: number;
  /** Whether the relay had to re-encode the upstream bytes. */
  transcoded: boolean;
}

/**
 * A PNG's size, from its IHDR chunk, which the format requires first, right after the 8-byte
 * signature. Saves the common case (PNG asked, PNG answered) a trip to sharp's thread pool.
 */
function pngSize(bytes: Buffer): { width: number; height: number } | undefined {
  if (bytes.length < 24 || bytes.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** JPEG quality used when the upstream format differs from the requested one. */
const JPEG_QUALITY = 92;

/** sharp failing on bytes that looked whole: the image is damaged inside. */
function unreadable(cause: unknown): CarrierError {
  return new CarrierError('no_image', 'The model answered with an image that cannot be decoded.', { cause });
}

/**
 * Brings upstream bytes, already inspected (`detected`: what they really are, see inspectImage), to
 * the requested format: sharp re-encodes only when it differs. The declared MIME type plays no part.
 */
export async function normalizeImage(bytes: Buffer, detected: ImageFormat, wanted: OutputFormat, signal?: AbortSignal): Promise<FinalImage> {
  const wantedSharp = wanted === 'jpg' ? 'jpeg' : 'png';
  const contentType = wanted === 'jpg' ? 'image/jpeg' : 'image/png';
  try {
    if (detected === wantedSharp) {
      const { width = 0, height = 0 } = (detected === 'png' ? pngSize(bytes) : undefined) ?? (await sharp(bytes).metadata());
      return { bytes, format: wanted, contentType, width, height, transcoded: false };
    }
    // JPEG has no alpha: flatten onto white rather than let transparent pixels turn black.
    const pipeline = wanted === 'jpg' ? sharp(bytes).flatten({ background: '#ffffff' }).jpeg({ quality: JPEG_QUALITY }) : sharp(bytes).png();
    const { data, info } = await imageWork(() => pipeline.toBuffer({ resolveWithObject: true }), signal);
    return { bytes: data, format: wanted, contentType, width: info.width, height: info.height, transcoded: true };
  } catch (err) {
    if (signal?.aborted) throw err;
    throw unreadable(err);
  }
}
