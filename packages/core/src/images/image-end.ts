import type { ImageFormat } from './image-format.js';

/** A PNG ends with its IEND chunk: the type and the CRC of its empty data. */
const PNG_END = Buffer.from([0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
/** A JPEG's end marker, which its compressed data cannot contain (0xFF is stuffed there). */
const JPEG_END = Buffer.from([0xff, 0xd9]);

/**
 * Offset of a JPEG's first start-of-scan marker at the top level, or -1. Segments are skipped by their
 * lengths, so the scan of a thumbnail inside the EXIF segment is not taken for the image's.
 */
function jpegScanStart(bytes: Buffer): number {
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return -1;
    const marker = bytes[at + 1]!;
    if (marker === 0xda) return at;
    if (marker === 0xff) at += 1; // fill byte
    else if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) at += 2; // markers without a length
    else at += 2 + bytes.readUInt16BE(at + 2);
  }
  return -1;
}

/**
 * Whether an image's bytes reach its end, as far as can be told without decoding: the damage a
 * transfer does is an image cut short, which a header read (sharp's `metadata()`) does not notice.
 * Data after the end (a phone's trailer, a motion photo's video) is allowed. A PNG must hold its IEND
 * chunk; a JPEG an end marker after its first scan begins (an EXIF thumbnail's, before it, does not
 * count); a WEBP the size its RIFF header declares. HEIF has no cheap end to look for: a damaged one
 * fails only when it is decoded. Searches run backwards from the end, where the marker normally is.
 */
export function reachesItsEnd(bytes: Buffer, format: ImageFormat): boolean {
  switch (format) {
    case 'png':
      return bytes.lastIndexOf(PNG_END) > 8;
    case 'jpeg': {
      const scan = jpegScanStart(bytes);
      return scan > 0 && bytes.lastIndexOf(JPEG_END) > scan;
    }
    case 'webp':
      // RIFF: the size after the first 8 bytes.
      return bytes.length >= 12 && bytes.readUInt32LE(4) + 8 <= bytes.length;
    default:
      return true;
  }
}
