import { z } from 'zod';
import { RelayError, type RelayErrorType } from '../contract/errors.js';
import { MODEL_NAME, requestSchema, type ContractSettings } from '../contract/request-schema.js';
import { imagesResponseSchema } from '../relay/images-response.js';
import { errorResponse } from './json-response.js';

/** The default path of the OpenAPI document. */
export const DEFAULT_OPENAPI_PATH = '/v1/images/openapi.json';

/** `createRelay({ openapi })`: the OpenAPI 3.1 document of the route (on by default; `false` turns it off). */
export interface OpenApiOptions {
  /** Where it is served (`GET`). Default `/v1/images/openapi.json`. */
  path?: string;
  /**
   * The document's `servers`, e.g. `[{ url: 'https://api.example.com' }]`. Default: none, so paths
   * are relative to the host that served the document (set it when the relay is mounted under a prefix).
   */
  servers?: Array<{ url: string; description?: string }>;
  /** `info.title`. Default `banana-relay: nano-banana-pro`. */
  title?: string;
  /** `info.version`, the version of your API. Default `1.0.0`. */
  version?: string;
}

/** What the document describes. */
export interface OpenApiSettings {
  contract: ContractSettings;
  /** Path of the generation route. */
  routePath: string;
  /** Path of the edits route, when it is enabled. */
  editsPath?: string;
  options: OpenApiOptions;
}

/** An OpenAPI 3.1 document (plain JSON). */
export type OpenApiDocument = Record<string, unknown>;

const ERROR_TYPES = [
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'not_found_error',
  'rate_limit_error',
  'upstream_error',
  'server_error',
] as const satisfies readonly RelayErrorType[];

/** OpenAI's error shape, as every error of the relay leaves. */
const errorSchema = z.object({
  error: z.object({
    message: z.string(),
    type: z.enum(ERROR_TYPES),
    param: z.string().nullable(),
    code: z.string().nullable(),
  }),
});

/** JSON Schema (2020-12, OpenAPI 3.1's dialect) of a zod schema, without its own `$schema`. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, target: 'draft-2020-12' }) as Record<string, unknown>;
  return rest;
}

/** `schema` with `fields` added to its `required` list (rules checked outside the zod schema). */
function requiring(schema: Record<string, unknown>, fields: string[]): Record<string, unknown> {
  if (fields.length === 0) return schema;
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  return { ...schema, required: [...required, ...fields.filter((f) => !required.includes(f))] };
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const ERROR_STATUSES: Record<string, string> = {
  '400': 'Invalid request: a field, a reference image, or the JSON itself (the field is in `error.param`).',
  '401': 'Not authenticated (when the operator configured `authorize`).',
  '413': 'The request body is too large.',
  '429': 'Every carrier is rate limited; see `Retry-After`.',
  '502': 'The upstream failed, or the image could not be stored.',
  '503': 'No carrier is available.',
  '504': 'The request did not complete within its deadline.',
};

function errorResponses(): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const status of Object.keys(ERROR_STATUSES)) responses[status] = { $ref: `#/components/responses/Error${status}` };
  responses.default = { $ref: '#/components/responses/Error' };
  return responses;
}

/** The request examples of the public contract. */
export function contractExamples(settings: ContractSettings): Record<string, { summary: string; value: Record<string, unknown> }> {
  const caps = settings.capabilities;
  const resolution = caps.resolutions.at(-1) ?? '1K';
  const aspectRatio = caps.aspectRatios.at(-1) ?? '1:1';
  const examples: Record<string, { summary: string; value: Record<string, unknown> }> = {};
  if (caps.textToImage) {
    examples.textToImage = { summary: 'Text to image', value: { model: MODEL_NAME, prompt: 'A ripe banana on a marble desk, studio light' } };
  }
  if (caps.maxReferences >= 1) {
    examples.singleImageEdit = {
      summary: 'Single-image edit',
      value: {
        model: MODEL_NAME,
        prompt: 'Turn this product image into an ultra-wide hero KV with a cleaner background while preserving the subject',
        image_input: ['https://example.com/image36.webp'],
        resolution,
        aspect_ratio: aspectRatio,
        output_format: caps.outputFormats[0] ?? 'png',
      },
    };
  }
  if (caps.maxReferences >= 2) {
    examples.twoReferences = {
      summary: 'Two references',
      value: {
        model: MODEL_NAME,
        prompt: 'Blend the subject and composition from these two references into one high-quality hero visual',
        image_input: ['https://example.com/ref-1.png', 'https://example.com/ref-2.png'],
        resolution: caps.resolutions[0] ?? '1K',
        aspect_ratio: caps.aspectRatios[0] ?? '1:1',
      },
    };
  }
  return examples;
}

/**
 * Builds the OpenAPI 3.1 document of the relay's routes from the same zod schemas that validate
 * requests (through zod's `z.toJSONSchema`), so it lists exactly the enabled capabilities.
 */
export function openApiDocument(settings: OpenApiSettings): OpenApiDocument {
  const { contract, routePath, editsPath, options } = settings;
  const maxRefs = contract.capabilities.maxReferences;
  const request = requestSchema(contract);
  const file = z.string().meta({ contentMediaType: 'application/octet-stream', description: 'A PNG, JPEG, WEBP or HEIC image.' });
  const schemas: Record<string, unknown> = {
    ImageGenerationRequest: requiring(jsonSchema(request, 'input'), contract.capabilities.textToImage ? [] : ['image_input']),
    ImagesResponse: jsonSchema(imagesResponseSchema(contract.capabilities), 'output'),
    Error: jsonSchema(errorSchema, 'output'),
  };
  const ok = {
    description: 'The generated images.',
    content: { 'application/json': { schema: ref('ImagesResponse') } },
  };
  const paths: Record<string, unknown> = {
    [routePath]: {
      post: {
        operationId: 'createImage',
        summary: `Generate images with ${MODEL_NAME}`,
        description: contract.capabilities.textToImage
          ? 'Text to image, or image editing from reference image URLs (`image_input`). Every image is archived and returned as a URL.'
          : 'Image editing from reference image URLs (`image_input`, required: text to image is not enabled). Every image is archived and returned as a URL.',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: ref('ImageGenerationRequest'), examples: contractExamples(contract) } },
        },
        responses: { '200': ok, ...errorResponses() },
      },
    },
  };
  if (editsPath !== undefined) {
    const edit = request.omit({ image_input: true }).extend({
      image: file.optional(),
      'image[]': z.array(file).min(1).max(maxRefs).optional(),
    });
    schemas.ImageEditRequest = jsonSchema(edit, 'input');
    paths[editsPath] = {
      post: {
        operationId: 'createImageEdit',
        summary: `Edit uploaded images with ${MODEL_NAME}`,
        description: `The same as ${routePath}, with the reference images uploaded as files (\`image\` or \`image[]\`, 1 to ${maxRefs}) instead of URLs.`,
        requestBody: {
          required: true,
          content: {
            'multipart/form-data': {
              schema: ref('ImageEditRequest'),
              encoding: { image: { contentType: 'image/png, image/jpeg, image/webp, image/heic' }, 'image[]': { contentType: 'image/png, image/jpeg, image/webp, image/heic' } },
            },
          },
        },
        responses: { '200': ok, ...errorResponses() },
      },
    };
  }
  const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: ref('Error') } } });
  return {
    openapi: '3.1.0',
    info: {
      title: options.title ?? `banana-relay: ${MODEL_NAME}`,
      version: options.version ?? '1.0.0',
      description: `OpenAI-Images-style image generation with ${MODEL_NAME}. Unknown fields are refused with 400 naming them.`,
    },
    ...(options.servers === undefined ? {} : { servers: options.servers }),
    paths,
    components: {
      schemas,
      responses: {
        Error: errorResponse('An error, in OpenAI’s shape.'),
        ...Object.fromEntries(Object.entries(ERROR_STATUSES).map(([status, description]) => [`Error${status}`, errorResponse(description)])),
      },
    },
  };
}

/** Serves the document (`GET`/`HEAD`), built once per route path. */
export function openApiServer(settings: OpenApiSettings): (request: Request, routePath?: string) => Response {
  const built = new Map<string, string>();
  return (request, routePath = settings.routePath) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return errorResponse(new RelayError(405, 'Use GET for the OpenAPI document.', { code: 'method_not_allowed' }), { allow: 'GET, HEAD' });
    }
    let text = built.get(routePath);
    if (text === undefined) {
      text = JSON.stringify(openApiDocument({ ...settings, routePath }));
      built.set(routePath, text);
    }
    return new Response(request.method === 'HEAD' ? null : text, {
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache' },
    });
  };
}
