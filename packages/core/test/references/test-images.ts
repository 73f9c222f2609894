import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';

/** CRC-32 (PNG/zip polynomial); node 20 has no zlib.crc32. */
const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * A tiny, valid-looking PNG that declares `width` x `height` RGBA pixels (IHDR with correct CRC, one
 * small IDAT, IEND): a decompression bomb for anything that decodes before checking dimensions.
 */
export function pngHeaderBomb(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.alloc(1024))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Random pixels (incompressible, so the file size follows the pixel count). */
function noise(width: number, height: number, channels: 3 | 4): sharp.Sharp {
  return sharp(randomBytes(width * height * channels), { raw: { width, height, channels } });
}

export async function makePng(width: number, height: number, options: { alpha?: boolean; compressionLevel?: number } = {}): Promise<Buffer> {
  return noise(width, height, options.alpha ? 4 : 3)
    .png({ compressionLevel: options.compressionLevel ?? 1 })
    .toBuffer();
}

export async function makeJpeg(width: number, height: number): Promise<Buffer> {
  return noise(width, height, 3).jpeg({ quality: 80 }).toBuffer();
}

export async function makeWebp(width: number, height: number): Promise<Buffer> {
  return noise(width, height, 3).webp({ quality: 80 }).toBuffer();
}

/** A HEIC (HEVC) image, or undefined when this sharp build cannot encode one (prebuilt sharp cannot). */
export async function makeHeic(width: number, height: number): Promise<Buffer | undefined> {
  try {
    return await noise(width, height, 3).heif({ compression: 'hevc', quality: 60 }).toBuffer();
  } catch {
    return undefined;
  }
}

/** A GIF (valid image, unsupported format). */
export async function makeGif(width: number, height: number): Promise<Buffer> {
  return noise(width, height, 3).gif().toBuffer();
}

/** A one-file zip archive (stored), whose bytes are certainly not an image. */
export function makeZip(): Buffer {
  const name = Buffer.from('a.txt');
  const data = Buffer.from('hello');
  const crc = crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(10, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(10, 4);
  central.writeUInt16LE(10, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(name.length, 28);
  const centralOffset = local.length + name.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length, 12);
  end.writeUInt32LE(centralOffset, 16);
  return Buffer.concat([local, name, data, central, name, end]);
}
