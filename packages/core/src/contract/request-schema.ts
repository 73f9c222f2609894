import { z } from 'zod';
import type { AspectRatio, Capabilities, OutputFormat, Resolution } from './capabilities.js';

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
}

const list = (values: readonly string[]): string => values.map((v) => `'${v}'`).join(', ');

/** A string field restricted to the operator's enabled values, case-insensitive, normalized on output. */
function enabledValue<T extends string>(field: string, enabled: readonly T[], aliases: Record<string, T> = {}) {
  return z.string({ error: `'${field}' must be a string; allowed values: ${list(enabled)}.` }).transform((raw, ctx) => {
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

/**
 * Builds the zod schema of the request body for the operator's settings. Unknown fields are refused,
 * so a typo never silently changes what is generated.
 */
export function requestSchema(settings: ContractSettings) {
  const { capabilities, maxPromptLength, maxImages } = settings;
  const maxRefs = capabilities.maxReferences;
  const urlString = z.string({ error: "Each 'image_input' entry must be a URL string." });
  return z.strictObject({
    model: z.literal(MODEL_NAME),
    prompt: z
      .string({ error: "'prompt' is required and must be a string." })
      .refine((p) => p.trim().length > 0, { message: "'prompt' must not be empty." })
      .refine((p) => p.length <= maxPromptLength, {
        message: `'prompt' is too long: at most ${maxPromptLength} characters.`,
        params: { code: 'string_above_max_length' },
      }),
    image_input: z
      .preprocess(
        (value) => (typeof value === 'string' ? [value] : value),
        z.array(urlString, { error: "'image_input' must be a URL or a list of URLs." }),
      )
      .refine((refs) => refs.length <= maxRefs, {
        message: `Too many references in 'image_input': at most ${maxRefs} ${maxRefs === 1 ? 'is' : 'are'} accepted.`,
        params: { code: 'too_many_images' },
      })
      .optional(),
    resolution: enabledValue('resolution', capabilities.resolutions).optional(),
    aspect_ratio: enabledValue('aspect_ratio', capabilities.aspectRatios).optional(),
    output_format: enabledValue('output_format', capabilities.outputFormats, { jpeg: 'jpg' }).optional(),
    n: z
      .number({ error: "'n' must be an integer." })
      .int({ error: "'n' must be an integer." })
      .min(1, { error: "'n' must be at least 1." })
      .max(maxImages, { error: `'n' must be at most ${maxImages}.` })
      .optional(),
  });
}
