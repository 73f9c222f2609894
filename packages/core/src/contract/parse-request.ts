import type { z } from 'zod';
import { RelayError } from './errors.js';
import { defaultsOf, MODEL_NAME, requestSchema, type ContractSettings, type GenerationRequest } from './request-schema.js';

/**
 * OpenAI Images parameters the model has no equivalent for. They are refused like any unknown field
 * (silently dropping `quality` or `background` would hand back something the caller did not ask for),
 * but the message says they are known and unsupported rather than misspelt.
 */
export const UNSUPPORTED_OPENAI_FIELDS: readonly string[] = [
  'background',
  'input_fidelity',
  'mask',
  'moderation',
  'output_compression',
  'partial_images',
  'quality',
  'stream',
  'style',
];


function invalid(message: string, param: string | null, code: string): RelayError {
  return new RelayError(400, message, { param, code });
}

function fromIssue(issue: z.core.$ZodIssue, body: Record<string, unknown>): RelayError {
  if (issue.code === 'unrecognized_keys') return unknownFields(issue.keys);
  if (issue.code === 'invalid_union' && issue.path[0] === 'image_input' && Array.isArray(body.image_input)) {
    // The list form failed: name the entry at fault rather than the whole field.
    const index = body.image_input.findIndex((entry) => typeof entry !== 'string');
    if (index >= 0) return invalid("Each 'image_input' entry must be a URL string.", `image_input[${index}]`, 'invalid_value');
  }
  const param = issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('') || null;
  const custom = issue.code === 'custom' ? (issue.params as { code?: string } | undefined)?.code : undefined;
  const field = issue.path[0];
  if (issue.path.length === 1 && typeof field === 'string' && body[field] === undefined) {
    return invalid(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
  }
  return invalid(issue.message, param, custom ?? 'invalid_value');
}

/** The 400 for fields the schema does not know, naming them (OpenAI's own fields as unsupported). */
export function unknownFields(keys: readonly string[]): RelayError {
  const field = keys[0] ?? '';
  const others = keys.length > 1 ? ` Also not accepted: ${keys.slice(1).join(', ')}.` : '';
  const message = UNSUPPORTED_OPENAI_FIELDS.includes(field)
    ? `The OpenAI Images parameter '${field}' is not supported by ${MODEL_NAME} on this route: remove it.${others}`
    : `Unrecognized request argument supplied: ${field}.${others}`;
  return invalid(message, field, 'unknown_parameter');
}

/**
 * Rules of the public contract that are not about shape: `image` is refused, the model is named.
 * (That references are http(s) URLs, not `data:` or base64, is the reference fetcher's `check`.)
 */
function checkContractRules(body: Record<string, unknown>): void {
  if ('image' in body) {
    throw invalid(
      "The field 'image' is not accepted: pass reference image URLs in 'image_input' (a URL or a list of URLs).",
      'image',
      'unsupported_parameter',
    );
  }
  if (body.model !== undefined && body.model !== MODEL_NAME) {
    throw new RelayError(400, `The model '${String(body.model)}' does not exist on this route; use '${MODEL_NAME}'.`, {
      param: 'model',
      code: 'model_not_found',
    });
  }
}

/** Validates a parsed JSON body; throws a 400 {@link RelayError} naming the offending field. */
export type RequestParser = (body: unknown) => GenerationRequest;

/** Builds the validator for the operator's settings once (the zod schema is reused for every request). */
export function createRequestParser(settings: ContractSettings): RequestParser {
  const schema = requestSchema(settings);
  const defaults = defaultsOf(settings.capabilities);
  return (body) => parseWith(schema, defaults, body);
}

function parseWith(schema: ReturnType<typeof requestSchema>, defaults: ReturnType<typeof defaultsOf>, body: unknown): GenerationRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('The request body must be a JSON object.', null, 'invalid_json');
  }
  checkContractRules(body as Record<string, unknown>);
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    // Report unknown fields first: they usually explain the other errors (a misspelt field).
    throw fromIssue(issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0]!, body as Record<string, unknown>);
  }
  const data = parsed.data;
  const size = data.size ?? undefined;
  // `size` stands for a resolution and a ratio; given alongside them, all must agree.
  if (size !== undefined && data.resolution !== undefined && data.resolution !== size.resolution) {
    throw invalid(
      `'size' ${size.size} is resolution '${size.resolution}', but 'resolution' is '${data.resolution}': send one of them, or make them agree.`,
      'size',
      'conflicting_parameters',
    );
  }
  if (size !== undefined && data.aspect_ratio !== undefined && data.aspect_ratio !== size.aspectRatio) {
    throw invalid(
      `'size' ${size.size} is aspect ratio '${size.aspectRatio}', but 'aspect_ratio' is '${data.aspect_ratio}': send one of them, or make them agree.`,
      'size',
      'conflicting_parameters',
    );
  }
  const aspectRatio = size?.aspectRatio ?? data.aspect_ratio;
  return {
    model: MODEL_NAME,
    prompt: data.prompt,
    imageInput: data.image_input ?? [],
    resolution: size?.resolution ?? data.resolution ?? defaults.resolution,
    ...(aspectRatio === undefined ? {} : { aspectRatio }),
    outputFormat: data.output_format ?? defaults.outputFormat,
    n: data.n ?? 1,
    responseFormat: data.response_format ?? 'url',
    ...(data.user == null ? {} : { user: data.user }),
  };
}
