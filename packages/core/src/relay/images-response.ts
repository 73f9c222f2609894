import { z } from 'zod';
import type { Capabilities, OutputFormat } from '../contract/capabilities.js';
import type { ResponseFormat } from '../contract/request-schema.js';

/** One generated image of an {@link ImagesResponse}. */
export interface ImagesResponseImage {
  /**
   * Public URL of the archived image. Always present, except with `response_format: 'b64_json'`
   * when the operator turned archiving of inline answers off (`archive: { b64Json: false }`).
   */
  url?: string;
  /** The image bytes, base64, when the request asked for `response_format: 'b64_json'`. */
  b64_json?: string;
}

/**
 * The route's successful answer: the contract's `created` and `data[].url`, plus `output_format` and
 * `size` as OpenAI's newer image answers carry them.
 */
export interface ImagesResponse {
  /** Unix time in seconds. */
  created: number;
  data: ImagesResponseImage[];
  /** The format of the images (the contract's spelling: `png` or `jpg`). */
  output_format: OutputFormat;
  /** The real pixel size of the images, `WIDTHxHEIGHT` (of the first, should the model vary them). */
  size: string;
}

/** What the answer is built from: the final images, in order, and their URLs when archived. */
export interface AnswerParts {
  images: ReadonlyArray<{ bytes: Buffer; width: number; height: number }>;
  /** One URL per image, or undefined when nothing was archived. */
  urls: readonly string[] | undefined;
  responseFormat: ResponseFormat;
  outputFormat: OutputFormat;
}

/** Builds the answer of a successful request. */
export function imagesResponse({ images, urls, responseFormat, outputFormat }: AnswerParts): ImagesResponse {
  const first = images[0];
  return {
    created: Math.floor(Date.now() / 1000),
    data: images.map((image, i) => {
      const url = urls?.[i];
      return {
        ...(url === undefined ? {} : { url }),
        ...(responseFormat === 'b64_json' ? { b64_json: image.bytes.toString('base64') } : {}),
      };
    }),
    output_format: outputFormat,
    size: first === undefined ? '0x0' : `${first.width}x${first.height}`,
  };
}

/** The zod schema of {@link ImagesResponse} under the enabled capabilities (its JSON Schema is in the OpenAPI document). */
export function imagesResponseSchema(capabilities: Capabilities) {
  return z.object({
    created: z.number().int().meta({ description: 'Unix time in seconds.' }),
    data: z
      .array(
        z.object({
          url: z.string().meta({ format: 'uri', description: 'Public URL of the archived image.' }).optional(),
          b64_json: z
            .string()
            .meta({ contentEncoding: 'base64', description: "The image bytes, with response_format 'b64_json'." })
            .optional(),
        }),
      )
      .min(1),
    output_format: z.enum(capabilities.outputFormats as [OutputFormat, ...OutputFormat[]]),
    size: z.string().regex(/^[1-9]\d*x[1-9]\d*$/).meta({ description: 'Real pixel size of the images, WIDTHxHEIGHT.' }),
  });
}
