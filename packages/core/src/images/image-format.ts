import { fileTypeFromBuffer } from 'file-type';

/** Image formats the relay accepts as references or handles as upstream output. */
export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'heic' | 'heif';

const MIME: Record<ImageFormat, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  heic: 'image/heic',
  heif: 'image/heif',
};

/** The MIME type of a detected format. */
export function mimeOf(format: ImageFormat): string {
  return MIME[format];
}

/** Detects an image format from its bytes (declared MIME types are not trusted); undefined if not an image we handle. */
export async function detectImageFormat(bytes: Uint8Array): Promise<ImageFormat | undefined> {
  const type = await fileTypeFromBuffer(bytes);
  switch (type?.mime) {
    case 'image/png':
      return 'png';
    case 'image/jpeg':
      return 'jpeg';
    case 'image/webp':
      return 'webp';
    case 'image/heic':
      return 'heic';
    case 'image/heif':
      return 'heif';
    default:
      return undefined;
  }
}
