import type { z } from 'zod';
import { RelayError } from './errors.js';
import { MODEL_NAME, requestSchema, type ContractSettings, type GenerationRequest } from './request-schema.js';

/** Bare base64 (a long run of base64 characters with no scheme) is not a URL; refused with a clear message. */
const BARE_BASE64 = /^[A-Za-z0-9+/=\s]{64,}$/;

function invalid(message: string, param: string | null, code: string): RelayError {
  return new RelayError(400, message, { param, code });
}

function fromIssue(issue: z.core.$ZodIssue, body: Record<string, unknown>): RelayError {
  if (issue.code === 'unrecognized_keys') {
    const field = issue.keys[0] ?? '';
    return invalid(`Unrecognized request argument supplied: ${field}.`, field, 'unknown_parameter');
  }
  const param = issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('') || null;
  const custom = issue.code === 'custom' ? (issue.params as { code?: string } | undefined)?.code : undefined;
  const field = issue.path[0];
  if (issue.path.length === 1 && typeof field === 'string' && body[field] === undefined) {
    return invalid(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
  }
  return invalid(issue.message, param, custom ?? 'invalid_value');
}

/** Rules of the public contract that are not about shape: `image` is refused, references are URLs. */
function checkContractRules(body: Record<string, unknown>, allowDataUrls: boolean): void {
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
  const refs = typeof body.image_input === 'string' ? [body.image_input] : body.image_input;
  if (!Array.isArray(refs)) return;
  refs.forEach((ref, i) => {
    if (typeof ref !== 'string') return;
    const param = `image_input[${i}]`;
    if (/^\s*data:/i.test(ref) && !allowDataUrls) {
      throw invalid('data: URLs are not accepted in image_input: pass an http(s) URL of the image.', param, 'invalid_image_url');
    }
    if (BARE_BASE64.test(ref)) {
      throw invalid('Base64 image data is not accepted in image_input: pass an http(s) URL of the image.', param, 'invalid_image_url');
    }
  });
}

/** Validates a parsed JSON body; throws a 400 {@link RelayError} naming the offending field. */
export type RequestParser = (body: unknown) => GenerationRequest;

/** Builds the validator for the operator's settings once (the zod schema is reused for every request). */
export function createRequestParser(settings: ContractSettings & { allowDataUrls: boolean }): RequestParser {
  const schema = requestSchema(settings);
  return (body) => parseWith(schema, body, settings.allowDataUrls);
}

function parseWith(schema: ReturnType<typeof requestSchema>, body: unknown, allowDataUrls: boolean): GenerationRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('The request body must be a JSON object.', null, 'invalid_json');
  }
  checkContractRules(body as Record<string, unknown>, allowDataUrls);
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    // Report unknown fields first: they usually explain the other errors (a misspelt field).
    throw fromIssue(issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0]!, body as Record<string, unknown>);
  }
  const data = parsed.data;
  return {
    model: MODEL_NAME,
    prompt: data.prompt,
    imageInput: data.image_input ?? [],
    resolution: data.resolution ?? '1K',
    ...(data.aspect_ratio === undefined ? {} : { aspectRatio: data.aspect_ratio }),
    outputFormat: data.output_format ?? 'png',
    n: data.n ?? 1,
  };
}
