import { CarrierError } from '../carriers/carrier.js';
import { bufferView } from './buffer-view.js';
import { detectImageFormat, type ImageFormat } from './image-format.js';

/** A PNG ends with its IEND chunk: the type and the CRC of its empty data. */
const PNG_END = Buffer.from([0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
/** A JPEG ends with its EOI marker, which its compressed data cannot contain (0xFF is stuffed there). */
const JPEG_END = Buffer.from([0xff, 0xd9]);
/** How far from the end the end marker may sit: some encoders pad after it. */
const TAIL = 64;

/** Whether an image's bytes reach its end: the damage a transfer does is an image cut short. */
function isWhole(bytes: Buffer, format: ImageFormat): boolean {
  const tail = bytes.subarray(Math.max(0, bytes.length - TAIL));
  switch (format) {
    case 'png':
      return tail.includes(PNG_END);
    case 'jpeg':
      return tail.includes(JPEG_END);
    case 'webp':
      // RIFF: the size after the first 8 bytes.
      return bytes.length >= 12 && bytes.readUInt32LE(4) + 8 <= bytes.length;
    default:
      // HEIF has no cheap end to look for: a damaged one fails when it is decoded.
      return true;
  }
}

/**
 * What a carrier's image really is (its declared MIME type is not trusted), once it is known to be an
 * image and whole: its signature and its end are looked at, nothing is decoded. Otherwise throws a
 * retryable `no_image` CarrierError, so the router asks the next carrier: an image cut short must
 * never be archived.
 */
export async function inspectImage(image: Uint8Array): Promise<ImageFormat> {
  const bytes = bufferView(image);
  const format = await detectImageFormat(bytes);
  if (format === undefined) throw new CarrierError('no_image', 'The model answered with data that is not an image.');
  if (!isWhole(bytes, format)) throw new CarrierError('no_image', `The model answered with a ${format} image cut short.`);
  return format;
}
