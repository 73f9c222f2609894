import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { ALL_ASPECT_RATIOS, OUTPUT_SIZES, type AspectRatio, type Resolution } from '@banana-relay/core';
import type { EmulatorImageFormat } from '../render/image-renderer.js';
import { field, isObject } from './json-fields.js';
import { shapeProblem } from './known-fields.js';

/** What a valid generateContent request asks the model for. */
export interface GenerationSpec {
  resolution: Resolution;
  aspectRatio: AspectRatio;
  /** Final image size: OUTPUT_SIZES[aspectRatio][resolution]. */
  width: number;
  height: number;
  format: EmulatorImageFormat;
  /** sha256 of the prompt text, the image config and the inline images: same request, same bytes. */
  seed: Buffer;
  promptText: string;
  imageCount: number;
  /** False when responseModalities leaves IMAGE out: the model then answers text only. */
  wantsImage: boolean;
}

/** Which API surface a request came through; limits and options differ. */
export type Surface = 'gemini' | 'vertex';

/** A validation failure, worded like Google's 400 INVALID_ARGUMENT messages. */
export class InvalidRequest extends Error {}

const RESOLUTIONS: readonly string[] = ['1K', '2K', '4K'];
/** Inline images the model accepts (Google's documented list). */
const INPUT_MIME_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/heic', 'image/heif'];
const OUTPUT_MIME_TYPES: Readonly<Record<string, EmulatorImageFormat>> = { 'image/png': 'png', 'image/jpeg': 'jpeg' };
/** Vertex AI's per-image inline limit. */
export const VERTEX_INLINE_IMAGE_LIMIT = 7 * 1024 * 1024;
/** The Gemini API's whole-request limit for inline data. */
export const GEMINI_REQUEST_LIMIT = 20 * 1024 * 1024;
/** The model's maximum number of input images. */
export const MAX_INPUT_IMAGES = 14;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

interface InlineImage {
  where: string;
  mimeType: string;
  data: string;
}

/**
 * Validates a parsed generateContent body the way the image model does and resolves its defaults.
 * Throws {@link InvalidRequest} with Google's wording on the first problem found.
 */
export async function parseGenerateContent(body: unknown, surface: Surface, model: string): Promise<GenerationSpec> {
  if (!isObject(body)) throw new InvalidRequest('Invalid JSON payload received. Expected an object at the top level.');
  const shape = shapeProblem(body, surface);
  if (shape !== undefined) throw new InvalidRequest(shape);
  const contents = field(body, 'contents');
  if (contents === undefined || (Array.isArray(contents) && contents.length === 0)) {
    throw new InvalidRequest('* GenerateContentRequest.contents: contents is not specified\n');
  }
  if (!Array.isArray(contents)) {
    throw new InvalidRequest(`Invalid value at 'contents' (Content), ${JSON.stringify(contents).slice(0, 100)}`);
  }

  const texts: string[] = [];
  const images: InlineImage[] = [];
  let fileImages = 0;
  contents.forEach((content: unknown, c) => {
    const parts = field(content, 'parts');
    if (!Array.isArray(parts) || parts.length === 0) {
      throw new InvalidRequest(`* GenerateContentRequest.contents[${c}].parts: contents.parts must not be empty.\n`);
    }
    parts.forEach((part: unknown, p) => {
      const where = `contents[${c}].parts[${p}]`;
      const text = field(part, 'text');
      const inline = field(part, 'inlineData');
      const file = field(part, 'fileData');
      if (typeof text === 'string') texts.push(text);
      else if (isObject(inline)) images.push(readInline(inline, where));
      else if (isObject(file)) {
        if (String(field(file, 'mimeType') ?? '').startsWith('image/')) fileImages += 1;
      } else if (field(part, 'thoughtSignature') === undefined && field(part, 'functionCall') === undefined && field(part, 'functionResponse') === undefined) {
        throw new InvalidRequest(`* GenerateContentRequest.${where}.data: required oneof field 'data' must have one initialized field\n`);
      }
    });
  });

  if (surface === 'vertex') {
    for (const image of images) {
      const size = decodedLength(image.data);
      if (size > VERTEX_INLINE_IMAGE_LIMIT) {
        throw new InvalidRequest(
          `The inline image at ${image.where} is ${size} bytes, over the 7 MB (${VERTEX_INLINE_IMAGE_LIMIT} bytes) limit for inline data. Use a Cloud Storage URI (fileData) for larger images.`,
        );
      }
    }
  }
  const imageCount = images.length + fileImages;
  if (imageCount > MAX_INPUT_IMAGES) {
    throw new InvalidRequest(`The request has ${imageCount} images, but ${model} accepts at most ${MAX_INPUT_IMAGES} input images.`);
  }

  const config = field(body, 'generationConfig');
  const candidateCount = field(config, 'candidateCount');
  if (typeof candidateCount === 'number' && candidateCount > 1) {
    throw new InvalidRequest(`Multiple candidates is not enabled for models/${model}`);
  }
  const imageConfig = field(config, 'imageConfig');
  const imageSize = field(imageConfig, 'imageSize');
  if (imageSize !== undefined && !(typeof imageSize === 'string' && RESOLUTIONS.includes(imageSize))) {
    throw new InvalidRequest(`Invalid image size ${JSON.stringify(imageSize)}. Supported values are: ${RESOLUTIONS.join(', ')}.`);
  }
  const requestedRatio = field(imageConfig, 'aspectRatio');
  if (requestedRatio !== undefined && !(typeof requestedRatio === 'string' && (ALL_ASPECT_RATIOS as readonly string[]).includes(requestedRatio))) {
    throw new InvalidRequest(`Invalid aspect ratio ${JSON.stringify(requestedRatio)}. Supported values are: ${ALL_ASPECT_RATIOS.join(', ')}.`);
  }
  let format: EmulatorImageFormat = 'png';
  if (surface === 'vertex') {
    // Only Vertex has imageOutputOptions; the Gemini API always answers PNG.
    const outputMime = field(field(imageConfig, 'imageOutputOptions'), 'mimeType');
    if (outputMime !== undefined) {
      const chosen = typeof outputMime === 'string' ? OUTPUT_MIME_TYPES[outputMime] : undefined;
      if (!chosen) {
        throw new InvalidRequest(`Unsupported output mime type ${JSON.stringify(outputMime)}. Supported values are: ${Object.keys(OUTPUT_MIME_TYPES).join(', ')}.`);
      }
      format = chosen;
    }
  }
  const modalities = field(config, 'responseModalities');
  const wantsImage = !Array.isArray(modalities) || modalities.some((m) => String(m).toUpperCase() === 'IMAGE');

  const resolution = (imageSize ?? '1K') as Resolution;
  const aspectRatio = (requestedRatio as AspectRatio | undefined) ?? (images[0] ? await aspectOf(images[0]) : '1:1');
  const [width, height] = OUTPUT_SIZES[aspectRatio][resolution];

  const hash = createHash('sha256');
  hash.update(`${texts.join('\n')}\0${resolution}\0${aspectRatio}`);
  for (const image of images) hash.update(`\0${image.mimeType}\0`).update(createHash('sha256').update(image.data).digest());
  return {
    resolution,
    aspectRatio,
    width,
    height,
    format,
    seed: hash.digest(),
    promptText: texts.join('\n'),
    imageCount,
    wantsImage,
  };
}

function readInline(inline: Record<string, unknown>, where: string): InlineImage {
  const mimeType = field(inline, 'mimeType');
  const data = field(inline, 'data');
  if (typeof mimeType !== 'string' || mimeType === '') {
    throw new InvalidRequest(`* GenerateContentRequest.${where}.inline_data.mime_type: mime_type is not specified\n`);
  }
  if (!INPUT_MIME_TYPES.includes(mimeType.toLowerCase())) throw new InvalidRequest(`Unsupported MIME type: ${mimeType}`);
  if (typeof data !== 'string' || data === '') {
    throw new InvalidRequest(`* GenerateContentRequest.${where}.inline_data.data: data is not specified\n`);
  }
  if (!BASE64.test(data)) {
    throw new InvalidRequest(`Invalid value at '${where}.inline_data.data' (TYPE_BYTES), Base64 decoding failed for "${data.slice(0, 40)}"`);
  }
  return { where, mimeType: mimeType.toLowerCase(), data };
}

/** Decoded size of base64 text, without decoding it. */
function decodedLength(base64: string): number {
  let padding = 0;
  if (base64.endsWith('==')) padding = 2;
  else if (base64.endsWith('=')) padding = 1;
  return Math.floor(((base64.length - padding) * 3) / 4);
}

/** The supported ratio nearest (in log scale) to an inline image's shape; the model follows its input. */
async function aspectOf(image: InlineImage): Promise<AspectRatio> {
  let width: number | undefined;
  let height: number | undefined;
  try {
    const meta = await sharp(Buffer.from(image.data, 'base64')).metadata();
    // EXIF orientations 5-8 rotate by 90°: the displayed shape is transposed.
    const rotated = (meta.orientation ?? 1) >= 5;
    width = rotated ? meta.height : meta.width;
    height = rotated ? meta.width : meta.height;
  } catch {
    // libvips may lack a HEIC decoder; Google reads those fine, so do not fail the request for it.
    if (image.mimeType === 'image/heic' || image.mimeType === 'image/heif') return '1:1';
  }
  if (!width || !height) {
    throw new InvalidRequest('Unable to process input image. Please retry or report in https://developers.generativeai.google/guide/troubleshooting');
  }
  return nearestAspectRatio(width, height);
}

/** The supported aspect ratio closest to width:height. */
export function nearestAspectRatio(width: number, height: number): AspectRatio {
  const target = Math.log(width / height);
  let best: AspectRatio = '1:1';
  let bestDistance = Infinity;
  for (const ratio of ALL_ASPECT_RATIOS) {
    const [w, h] = ratio.split(':').map(Number) as [number, number];
    const distance = Math.abs(Math.log(w / h) - target);
    if (distance < bestDistance) {
      best = ratio;
      bestDistance = distance;
    }
  }
  return best;
}
