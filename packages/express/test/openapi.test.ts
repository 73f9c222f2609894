import { ALL_CAPABILITIES } from '@banana-relay/core';
import { openApiValidator, type SchemaCheck } from './support/openapi-validator.js';
import { startHarness, type Harness } from './support/harness.js';

const DOC = '/v1/images/openapi.json';

interface Document {
  openapi: string;
  paths: Record<string, { post: { requestBody: { content: Record<string, { examples?: Record<string, { value: unknown }> }> } } }>;
  components: { schemas: Record<string, { properties: Record<string, Property> }> };
}

/** A property's schema; a nullable one (OpenAI's optional fields) is `anyOf` the value and null. */
interface Property {
  enum?: string[];
  anyOf?: Property[];
  type?: string;
}

/** The allowed values of a property, nullable or not. */
function enumOf(property: Property | undefined): string[] | undefined {
  return property?.enum ?? property?.anyOf?.find((p) => p.enum !== undefined)?.enum;
}

describe('the OpenAPI document (default settings)', () => {
  let h: Harness;
  let doc: Document;
  let check: (name: string) => SchemaCheck;
  beforeAll(async () => {
    h = await startHarness();
    const res = await h.http.get(DOC);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    doc = res.body as Document;
    check = openApiValidator(doc);
  });
  afterAll(() => h.close());

  test('is OpenAPI 3.1 with the generation route, and no edits route unless enabled', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(['/v1/images/generations']);
  });

  test('lists exactly the enabled capabilities', () => {
    const props = doc.components.schemas.ImageGenerationRequest!.properties;
    expect(props.resolution?.enum).toEqual(['1K', '4K']);
    expect(props.aspect_ratio?.enum).toEqual(['1:1', '21:9']);
    expect(props.output_format?.enum).toEqual(['png', 'jpg']);
    expect(enumOf(props.size)).toEqual(['1024x1024', '4096x4096', '1584x672', '6336x2688']);
    // OpenAI's own optional fields may be null, as in OpenAI's API.
    for (const name of ['n', 'response_format', 'size', 'user']) expect(props[name]?.anyOf).toContainEqual({ type: 'null' });
  });

  test("the document's own request examples are valid, and the relay accepts them", async () => {
    const examples = doc.paths['/v1/images/generations']!.post.requestBody.content['application/json']!.examples ?? {};
    expect(Object.keys(examples).length).toBeGreaterThanOrEqual(3);
    const request = check('ImageGenerationRequest');
    for (const { value } of Object.values(examples)) {
      expect(request(value)).toEqual({ valid: true, errors: '' });
      // Same bodies against the relay, with the example URLs pointed at the test image host.
      const body = { ...(value as Record<string, unknown>) };
      if (Array.isArray(body.image_input)) body.image_input = body.image_input.map((_u, i) => h.images.url(i === 0 ? '/ref-1.png' : '/ref-2.png'));
      const res = await h.http.post('/v1/images/generations').send({ ...body, resolution: '1K' });
      expect(res.status).toBe(200);
    }
  });

  test('the document and the relay agree on what is valid', async () => {
    const base = { model: 'nano-banana-pro', prompt: 'a banana' };
    const bodies: Array<Record<string, unknown>> = [
      base,
      { ...base, n: 2, response_format: 'b64_json', user: 'u1' },
      { ...base, size: '1584x672' },
      { ...base, resolution: '2K' },
      { ...base, aspect_ratio: '16:9' },
      { ...base, size: '1024x1536' },
      { ...base, quality: 'high' },
      { ...base, n: 0 },
      { ...base, response_format: 'base64' },
      { ...base, prompt: '' },
      { prompt: 'no model' },
      { ...base, model: 'dall-e-3' },
      { ...base, image_input: [1] },
    ];
    const request = check('ImageGenerationRequest');
    for (const body of bodies) {
      const res = await h.http.post('/v1/images/generations').send(body);
      expect({ body, valid: request(body).valid }).toEqual({ body, valid: res.status === 200 });
    }
  });

  test('real answers match the document: url, b64_json, and errors', async () => {
    const images = check('ImagesResponse');
    const error = check('Error');
    const url = await h.http.post('/v1/images/generations').send({ model: 'nano-banana-pro', prompt: 'a banana', aspect_ratio: '21:9', output_format: 'jpg' });
    expect(url.status).toBe(200);
    expect(images(url.body)).toEqual({ valid: true, errors: '' });
    const b64 = await h.http.post('/v1/images/generations').send({ model: 'nano-banana-pro', prompt: 'a banana', response_format: 'b64_json' });
    expect(images(b64.body)).toEqual({ valid: true, errors: '' });
    // The schema is strict: a stray field in an answer would be caught.
    expect(images({ ...url.body, extra: 1 }).valid).toBe(false);

    for (const body of [{ model: 'nano-banana-pro' }, { model: 'nano-banana-pro', prompt: 'x', image_input: h.images.url('/missing.png') }]) {
      const res = await h.http.post('/v1/images/generations').send(body);
      expect(res.status).toBe(400);
      expect(error(res.body)).toEqual({ valid: true, errors: '' });
    }
    h.emulator.script({ type: 'status', status: 503 }, { times: 3 });
    const upstream = await h.http.post('/v1/images/generations').send({ model: 'nano-banana-pro', prompt: 'a banana' });
    expect(upstream.status).toBeGreaterThanOrEqual(500);
    expect(error(upstream.body)).toEqual({ valid: true, errors: '' });
  });

  test('only GET and HEAD', async () => {
    expect((await h.http.head(DOC)).status).toBe(200);
    const post = await h.http.post(DOC).send({});
    expect([post.status, post.headers.allow]).toEqual([405, 'GET, HEAD']);
  });
});

describe('the OpenAPI document follows the configuration', () => {
  test('widened capabilities, the edits route, a custom path and servers', async () => {
    const h = await startHarness({
      capabilities: ALL_CAPABILITIES,
      edits: { enabled: true },
      openapi: { path: '/docs/openapi.json', servers: [{ url: 'https://api.example.com' }] },
    });
    try {
      expect((await h.http.get(DOC)).status).toBe(404);
      const res = await h.http.get('/docs/openapi.json');
      const doc = res.body as Document & { servers: unknown };
      expect(doc.servers).toEqual([{ url: 'https://api.example.com' }]);
      expect(Object.keys(doc.paths)).toEqual(['/v1/images/generations', '/v1/images/edits']);
      expect(doc.components.schemas.ImageGenerationRequest!.properties.resolution?.enum).toEqual(['1K', '2K', '4K']);
      expect(enumOf(doc.components.schemas.ImageGenerationRequest!.properties.size)).toHaveLength(30);
      const edit = doc.components.schemas.ImageEditRequest!;
      expect(Object.keys(edit.properties)).toEqual(expect.arrayContaining(['image', 'image[]', 'prompt']));
      expect(edit.properties).not.toHaveProperty('image_input');
      expect(Object.keys(doc.paths['/v1/images/edits']!.post.requestBody.content)).toEqual(['multipart/form-data']);
    } finally {
      await h.close();
    }
  });

  test('a route path given by the adapter (relay.fetch options) is the one documented', async () => {
    const h = await startHarness();
    try {
      const res = await h.relay.fetch(new Request(`http://relay.local${DOC}`), { routePath: '/images/create' });
      expect(Object.keys(((await res.json()) as Document).paths)).toEqual(['/images/create']);
    } finally {
      await h.close();
    }
  });

  test('openapi: false turns it off', async () => {
    const h = await startHarness({ openapi: false });
    try {
      const res = await h.http.get(DOC);
      expect([res.status, res.body]).toEqual([404, { host: 'not found' }]);
    } finally {
      await h.close();
    }
  });
});
