import { z } from 'zod';
import type { AspectRatio, Capabilities, OutputFormat, Resolution } from './capabilities.js';
import { OUTPUT_SIZES } from './output-sizes.js';

/** The public model name of the route. */
export const MODEL_NAME = 'nano-banana-pro';

/** Contract settings that shape validation. */
export interface ContractSettings {
  capabilities: Capabilities;
  /** Longest prompt accepted, in characters. */
  maxPromptLength: number;
  /** Largest `n`. */
  maxImages: number;
}

/** A validated request, normalized (`jpeg` → `jpg`, `4k` → `4K`, `image_input` always a list). */
export interface GenerationRequest {
  model: typeof MODEL_NAME;
  prompt: string;
  imageInput: string[];
  resolution: Resolution;
  /** Omitted: the model follows the input. */
  aspectRatio?: AspectRatio;
  outputFormat: OutputFormat;
  n: number;
  /** `url` (default): archived and linked; `b64_json`: the bytes inline as well. */
  responseFormat: ResponseFormat;
  /** The caller's end-user id (OpenAI's `user`), carried into events only. */
  user?: string;
}

/** Every `response_format` value (OpenAI's). */
export const RESPONSE_FORMATS = ['url', 'b64_json'] as const;
/** How images are returned: OpenAI's `response_format`. */
export type ResponseFormat = (typeof RESPONSE_FORMATS)[number];
/** Longest `user` accepted, in characters (it only travels into events). */
export const MAX_USER_LENGTH = 256;

/** An exact output size of the model (`size`), and what it stands for. */
export interface OutputSizeChoice {
  /** `WIDTHxHEIGHT`, e.g. `1584x672`. */
  size: string;
  resolution: Resolution;
  aspectRatio: AspectRatio;
}

/** The `size` values the enabled capabilities allow, in capability order (ratio, then resolution). */
export function enabledSizes(capabilities: Capabilities): OutputSizeChoice[] {
  return capabilities.aspectRatios.flatMap((aspectRatio) =>
    capabilities.resolutions.map((resolution) => {
      const [width, height] = OUTPUT_SIZES[aspectRatio][resolution];
      return { size: `${width}x${height}`, resolution, aspectRatio };
    }),
  );
}

const list = (values: readonly string[]): string => values.map((v) => `'${v}'`).join(', ');

/**
 * What an omitted `resolution` / `output_format` means under the operator's capabilities: `1K` and
 * `png` when they are enabled, else the first enabled value (a relay enabling only `4K` never sends `1K`).
 */
export function defaultsOf(capabilities: Capabilities): { resolution: Resolution; outputFormat: OutputFormat } {
  const pick = <T extends string>(enabled: readonly T[], preferred: T): T => (enabled.includes(preferred) ? preferred : (enabled[0] ?? preferred));
  return { resolution: pick(capabilities.resolutions, '1K'), outputFormat: pick(capabilities.outputFormats, 'png') };
}

/** A string field restricted to the operator's enabled values, case-insensitive, normalized on output. */
function enabledValue<T extends string>(field: string, enabled: readonly T[], aliases: Record<string, T> = {}, json: Record<string, unknown> = {}) {
  // The JSON Schema (OpenAPI) lists the canonical spellings; the parser is more lenient.
  const input = z.string({ error: `'${field}' must be a string; allowed values: ${list(enabled)}.` }).meta({ enum: [...enabled], ...json });
  return input.transform((raw, ctx) => {
    const wanted = raw.trim().toUpperCase();
    const match = enabled.find((v) => v.toUpperCase() === wanted) ?? aliases[raw.trim().toLowerCase()];
    if (match === undefined || !enabled.includes(match)) {
      ctx.addIssue({
        code: 'custom',
        message: `Invalid value for '${field}': '${raw}' is not supported here. Allowed values: ${list(enabled)}.`,
        params: { code: 'invalid_value' },
      });
      return z.NEVER;
    }
    return match;
  });
}

/** `size` (`WIDTHxHEIGHT`, an exact output size under the enabled capabilities) read as resolution + ratio. */
function sizeValue(capabilities: Capabilities) {
  const sizes = enabledSizes(capabilities);
  const allowed = sizes.map((s) => `'${s.size}' (${s.resolution}, ${s.aspectRatio})`).join(', ');
  return z
    .string({ error: `'size' must be a string such as '${sizes[0]?.size ?? '1024x1024'}'.` })
    .meta({ enum: sizes.map((s) => s.size), description: 'An exact output size of the model; sets `resolution` and `aspect_ratio`.' })
    .transform((raw, ctx) => {
      const wanted = raw.trim().toLowerCase();
      const match = sizes.find((s) => s.size === wanted);
      if (match === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `Invalid value for 'size': '${raw}' is not an output size of this route. Valid sizes: ${allowed}.`,
          params: { code: 'invalid_value' },
        });
        return z.NEVER;
      }
      return match;
    });
}

/** Length of a string in characters (code points), not UTF-16 units. */
function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

/**
 * Builds the zod schema of the request body for the operator's settings. Unknown fields are refused,
 * so a typo never silently changes what is generated. The same schema, through `z.toJSONSchema`, is
 * the request schema of the OpenAPI document; `.meta()` adds the JSON Schema keywords of checks that
 * are refinements here (they carry their own error codes). OpenAI's own optional fields (`n`,
 * `response_format`, `size`, `user`) accept `null` for "not set", as OpenAI's API and SDKs do.
 */
export function requestSchema(settings: ContractSettings) {
  const { capabilities, maxPromptLength, maxImages } = settings;
  const maxRefs = capabilities.maxReferences;
  const defaults = defaultsOf(capabilities);
  const urlString = z.string({ error: "Each 'image_input' entry must be a URL string." }).meta({ format: 'uri' });
  return z.strictObject({
    model: z.literal(MODEL_NAME),
    prompt: z
      .string({ error: "'prompt' is required and must be a string." })
      .meta({ minLength: 1, maxLength: maxPromptLength, description: 'What to generate, or how to edit the references.' })
      .refine((p) => p.trim().length > 0, { message: "'prompt' must not be empty." })
      // Characters are code points (as JSON Schema's maxLength counts them): an emoji is one, not two.
      .refine((p) => p.length <= maxPromptLength || codePoints(p) <= maxPromptLength, {
        message: `'prompt' is too long: at most ${maxPromptLength} characters.`,
        params: { code: 'string_above_max_length' },
      }),
    image_input: z
      .union([urlString, z.array(urlString).meta({ minItems: 1, maxItems: maxRefs })], { error: "'image_input' must be a URL or a list of URLs." })
      .meta({
        description: capabilities.textToImage
          ? `Reference image URL(s), http(s); 1 to ${maxRefs}. Leave it out for a prompt alone.`
          : `Reference image URL(s), http(s); 1 to ${maxRefs}. Required: text to image is not enabled.`,
      })
      .transform((value) => (typeof value === 'string' ? [value] : value))
      // An empty list is most likely references lost on the way: refused rather than run as a prompt alone.
      .refine((refs) => refs.length > 0, {
        message: capabilities.textToImage
          ? `'image_input' is an empty list: give 1 to ${maxRefs} image URLs, or leave 'image_input' out for a prompt alone.`
          : `'image_input' is an empty list: give 1 to ${maxRefs} image URLs.`,
        params: { code: 'invalid_value' },
      })
      .refine((refs) => refs.length <= maxRefs, {
        message: `Too many references in 'image_input': at most ${maxRefs} ${maxRefs === 1 ? 'is' : 'are'} accepted.`,
        params: { code: 'too_many_images' },
      })
      .optional(),
    resolution: enabledValue('resolution', capabilities.resolutions, {}, { default: defaults.resolution }).optional(),
    aspect_ratio: enabledValue('aspect_ratio', capabilities.aspectRatios, {}, { description: 'Omitted: the model follows the input.' }).optional(),
    output_format: enabledValue('output_format', capabilities.outputFormats, { jpeg: 'jpg' }, { default: defaults.outputFormat }).optional(),
    n: z
      .number({ error: "'n' must be an integer." })
      .int({ error: "'n' must be an integer." })
      .min(1, { error: "'n' must be at least 1." })
      .max(maxImages, { error: `'n' must be at most ${maxImages}.` })
      .meta({ default: 1 })
      .nullish(),
    response_format: z
      .enum(RESPONSE_FORMATS, { error: `Invalid value for 'response_format': allowed values: ${list(RESPONSE_FORMATS)}.` })
      .meta({ default: 'url', description: '`b64_json` also returns the bytes inline in `data[].b64_json`.' })
      .nullish(),
    size: sizeValue(capabilities).nullish(),
    user: z
      .string({ error: "'user' must be a string." })
      .max(MAX_USER_LENGTH, { error: `'user' is too long: at most ${MAX_USER_LENGTH} characters.` })
      .meta({ description: "The caller's end-user id; carried into events." })
      .nullish(),
  });
}
