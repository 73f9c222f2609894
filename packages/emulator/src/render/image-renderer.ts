import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { ByteLruCache } from './byte-lru-cache.js';
import { renderPixels } from './pixels.js';

/** Image encodings the emulator can answer with. */
export type EmulatorImageFormat = 'png' | 'jpeg';

/**
 * An encoded image kept as base64, split after its first structural bytes (PNG signature+IHDR,
 * JPEG SOI) so a per-request marker can be spliced in without re-encoding or re-base64ing megabytes.
 */
export interface EncodedImage {
  readonly width: number;
  readonly height: number;
  readonly format: EmulatorImageFormat;
  /** The file's bytes before the marker insertion point. */
  readonly head: Buffer;
  /** Base64 (as ASCII bytes, ready to write to a socket) of the file's bytes after `head`. */
  readonly restBase64: Buffer;
}

/** A whole image as base64, in two pieces to write one after the other. */
export interface Base64Image {
  readonly prefix: string;
  readonly rest: Buffer;
}

const PNG_IHDR_END = 33; // 8-byte signature + 25-byte IHDR chunk
const JPEG_SOI_END = 2;
const MIB = 1024 * 1024;

/** Renders deterministic synthetic images and caches them in a byte-bounded LRU. */
export class ImageRenderer {
  private readonly cache: ByteLruCache<EncodedImage>;
  private readonly inFlight = new Map<string, Promise<EncodedImage>>();

  constructor(maxCacheBytes = 512 * MIB) {
    this.cache = new ByteLruCache(maxCacheBytes);
  }

  /** The image for `seed` at this size and format, rendered once then served from the cache. */
  render(width: number, height: number, format: EmulatorImageFormat, seed: Buffer): Promise<EncodedImage> {
    const key = `${width}x${height}:${format}:${seed.toString('hex')}`;
    const cached = this.cache.get(key);
    if (cached) return Promise.resolve(cached);
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const job = encode(width, height, format, seed)
      .then((image) => {
        this.cache.set(key, image, image.head.length + image.restBase64.length);
        return image;
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, job);
    return job;
  }

  /** Bytes currently cached. */
  get cachedBytes(): number {
    return this.cache.size;
  }

  clear(): void {
    this.cache.clear();
  }
}

async function encode(width: number, height: number, format: EmulatorImageFormat, seed: Buffer): Promise<EncodedImage> {
  // Less noise for PNG: deflate sees raw bytes, so a little noise already gives photo-like sizes.
  const pixels = renderPixels(width, height, seed, format === 'png' ? 1 : 31);
  const input = sharp(pixels, { raw: { width, height, channels: 3 } });
  const bytes =
    format === 'png'
      ? await input.png({ compressionLevel: 1, adaptiveFiltering: false }).toBuffer()
      : await input.jpeg({ quality: 90 }).toBuffer();
  const split = markerOffset(bytes, format);
  return {
    width,
    height,
    format,
    head: Buffer.from(bytes.subarray(0, split)),
    restBase64: Buffer.from(bytes.subarray(split).toString('base64'), 'latin1'),
  };
}

function markerOffset(bytes: Buffer, format: EmulatorImageFormat): number {
  if (format === 'png' && bytes.length >= PNG_IHDR_END && bytes.toString('latin1', 12, 16) === 'IHDR') return PNG_IHDR_END;
  if (format === 'jpeg' && bytes[0] === 0xff && bytes[1] === 0xd8) return JPEG_SOI_END;
  return 0;
}

/**
 * The image's base64 with `marker` embedded as a PNG tEXt chunk or JPEG COM segment, so distinct
 * requests sharing a cached picture still get distinct (and deterministic) bytes.
 * The marker is padded so head+marker is a multiple of 3 bytes: base64 then concatenates exactly.
 */
export function withMarker(image: EncodedImage, marker: string): Base64Image {
  const headLen = image.head.length;
  if (headLen === 0) return { prefix: '', rest: image.restBase64 };
  let segment: Buffer;
  if (image.format === 'png') {
    // data % 3 must equal (3 - (headLen + 12) % 3) % 3
    const data = padTo(`Comment\0${marker}`, (3 - ((headLen + 12) % 3)) % 3);
    const typeAndData = Buffer.concat([Buffer.from('tEXt', 'latin1'), data]);
    segment = Buffer.alloc(12 + data.length);
    segment.writeUInt32BE(data.length, 0);
    typeAndData.copy(segment, 4);
    segment.writeUInt32BE(crc32(typeAndData), 8 + data.length);
  } else {
    const text = padTo(marker, (3 - ((headLen + 4) % 3)) % 3);
    segment = Buffer.alloc(4 + text.length);
    segment[0] = 0xff;
    segment[1] = 0xfe;
    segment.writeUInt16BE(2 + text.length, 2);
    text.copy(segment, 4);
  }
  return { prefix: Buffer.concat([image.head, segment]).toString('base64'), rest: image.restBase64 };
}

/** `text` as latin1 bytes, space-padded so its length modulo 3 equals `remainder`. */
function padTo(text: string, remainder: number): Buffer {
  let padded = text;
  while (Buffer.byteLength(padded, 'latin1') % 3 !== remainder) padded += ' ';
  return Buffer.from(padded, 'latin1');
}
