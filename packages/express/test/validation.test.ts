import { startHarness, type Harness } from './support/harness.js';

const ROUTE = '/v1/images/generations';
const base = { model: 'nano-banana-pro', prompt: 'a banana' };

function expectError(res: { status: number; body: unknown }, status: number, param: string | null, code: string): void {
  expect({ status: res.status, param: (res.body as { error: { param: unknown } }).error?.param, code: (res.body as { error: { code: unknown } }).error?.code }).toEqual({
    status,
    param,
    code,
  });
  const error = (res.body as { error: Record<string, unknown> }).error;
  expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(typeof error.message).toBe('string');
}

describe('request validation (default Verified capabilities)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ limits: { maxPromptLength: 100, maxBodyBytes: 4096 } });
  });
  afterAll(() => h.close());
  afterEach(() => {
    // No invalid request may reach the upstream.
    expect(h.emulator.requests.filter((r) => r.kind === 'gemini')).toHaveLength(0);
    h.emulator.reset();
  });

  const cases: Array<[string, unknown, number, string | null, string]> = [
    ['another model', { ...base, model: 'dall-e-3' }, 400, 'model', 'model_not_found'],
    ['no model', { prompt: 'x' }, 400, 'model', 'missing_required_parameter'],
    ['no prompt', { model: 'nano-banana-pro' }, 400, 'prompt', 'missing_required_parameter'],
    ['empty prompt', { ...base, prompt: '   ' }, 400, 'prompt', 'invalid_value'],
    ['prompt not a string', { ...base, prompt: 42 }, 400, 'prompt', 'invalid_value'],
    ['prompt over the limit', { ...base, prompt: 'x'.repeat(101) }, 400, 'prompt', 'string_above_max_length'],
    ['the field image', { ...base, image: 'https://example.com/a.png' }, 400, 'image', 'unsupported_parameter'],
    ['a data: URL', { ...base, image_input: 'data:image/png;base64,iVBORw0KGgo=' }, 400, 'image_input[0]', 'invalid_image_url'],
    ['bare base64', { ...base, image_input: ['https://example.com/a.png', 'iVBORw0KGgo'.repeat(10)] }, 400, 'image_input[1]', 'invalid_image_url'],
    ['image_input not a string', { ...base, image_input: [42] }, 400, 'image_input[0]', 'invalid_value'],
    ['three references', { ...base, image_input: ['https://a.example/1.png', 'https://a.example/2.png', 'https://a.example/3.png'] }, 400, 'image_input', 'too_many_images'],
    ['an unknown field', { ...base, quality: 'hd' }, 400, 'quality', 'unknown_parameter'],
    ['2K (Beta, not enabled)', { ...base, resolution: '2K' }, 400, 'resolution', 'invalid_value'],
    ['an unknown resolution', { ...base, resolution: '8K' }, 400, 'resolution', 'invalid_value'],
    ['16:9 (Beta, not enabled)', { ...base, aspect_ratio: '16:9' }, 400, 'aspect_ratio', 'invalid_value'],
    ['webp output', { ...base, output_format: 'webp' }, 400, 'output_format', 'invalid_value'],
    ['n = 0', { ...base, n: 0 }, 400, 'n', 'invalid_value'],
    ['n = 5 (over the default max 4)', { ...base, n: 5 }, 400, 'n', 'invalid_value'],
    ['n = 1.5', { ...base, n: 1.5 }, 400, 'n', 'invalid_value'],
    ['n as a string', { ...base, n: '2' }, 400, 'n', 'invalid_value'],
    ['an array body', [base], 400, null, 'invalid_json'],
    ['image_input an empty list', { ...base, image_input: [] }, 400, 'image_input', 'invalid_value'],
    ['a prompt of 101 emoji (characters, not UTF-16 units)', { ...base, prompt: '🍌'.repeat(101) }, 400, 'prompt', 'string_above_max_length'],
  ];

  test.each(cases)('%s → %i', async (_name, body, status, param, code) => {
    const res = await h.http.post(ROUTE).send(body as object);
    expectError(res, status, param, code);
  });

  test('the message for a disabled value lists the allowed values', async () => {
    const res = await h.http.post(ROUTE).send({ ...base, resolution: '2K' });
    expect(res.body.error.message).toContain("'1K', '4K'");
  });

  test("the field 'image' is answered with a pointer to image_input", async () => {
    const res = await h.http.post(ROUTE).send({ ...base, image: ['https://example.com/a.png'] });
    expect(res.body.error.message).toContain('image_input');
  });

  test('a body that is not JSON → 400 invalid_json', async () => {
    const res = await h.http.post(ROUTE).set('content-type', 'application/json').send('{"model": "nano-banana-pro",');
    expectError(res, 400, null, 'invalid_json');
  });

  test('a form body → 400', async () => {
    const res = await h.http.post(ROUTE).type('form').send('model=nano-banana-pro&prompt=x');
    expectError(res, 400, null, 'invalid_content_type');
  });

  test('a body in another charset, compressed, or not UTF-8 → 400 saying so, never read as something else', async () => {
    const json = JSON.stringify(base);
    // Raw bytes go through fetch: supertest would serialise a Buffer as JSON.
    const post = async (type: string, bytes: Buffer): Promise<{ status: number; body: { error: { message: string } } }> => {
      const res = await fetch(`${h.origin}${ROUTE}`, { method: 'POST', headers: { 'content-type': type }, body: new Uint8Array(bytes) });
      return { status: res.status, body: (await res.json()) as { error: { message: string } } };
    };
    const latin1 = await post('application/json; charset=iso-8859-1', Buffer.from(json, 'latin1'));
    expectError(latin1, 400, null, 'invalid_content_type');
    expect(latin1.body.error.message).toContain('iso-8859-1');
    const gzip = await h.http.post(ROUTE).set('content-type', 'application/json').set('content-encoding', 'gzip').send(json);
    expectError(gzip, 400, null, 'invalid_content_type');
    const badBytes = Buffer.concat([Buffer.from('{"model":"nano-banana-pro","prompt":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
    const notUtf8 = await post('application/json', badBytes);
    expectError(notUtf8, 400, null, 'invalid_json');
    expect(notUtf8.body.error.message).toContain('UTF-8');
  });

  test('a body over the size limit → 413', async () => {
    const res = await h.http.post(ROUTE).send({ ...base, prompt: 'x'.repeat(5000) });
    expectError(res, 413, null, 'request_too_large');
  });

  test('GET on the route → 405 with Allow', async () => {
    const res = await h.http.get(ROUTE);
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
    expect(res.body.error.code).toBe('method_not_allowed');
  });

  test('other paths are left to the host app', async () => {
    const res = await h.http.get('/somewhere-else');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ host: 'not found' });
  });
});

describe('accepted as OpenAI accepts them', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ limits: { maxPromptLength: 100 } });
  });
  afterAll(() => h.close());

  test("OpenAI's optional fields sent as null mean 'not set'", async () => {
    const res = await h.http.post(ROUTE).send({ ...base, n: null, response_format: null, size: null, user: null });
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(1);
    expect(res.body.data[0]).toEqual({ url: expect.any(String) });
    expect(res.body.size).toBe('1024x1024');
  });

  test('a prompt of exactly the limit in emoji, and a body starting with a byte-order mark', async () => {
    const emoji = await h.http.post(ROUTE).send({ ...base, prompt: '🍌'.repeat(100) });
    expect(emoji.status).toBe(200);
    const bom = await h.http.post(ROUTE).set('content-type', 'application/json; charset=utf-8').send(`\uFEFF${JSON.stringify(base)}`);
    expect(bom.status).toBe(200);
  });
});

describe('normalization and widened capabilities', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ capabilities: { resolutions: ['1K', '2K', '4K'], aspectRatios: ['1:1', '16:9', '21:9'] } });
  });
  afterAll(() => h.close());

  test('jpeg is read as jpg, lowercase sizes are normalized, Beta values pass once enabled', async () => {
    const res = await h.http.post(ROUTE).send({ ...base, output_format: 'jpeg', resolution: '2k', aspect_ratio: '16:9' });
    expect(res.status).toBe(200);
    expect(res.body.data[0].url).toMatch(/\.jpg$/);
    const call = h.emulator.requests.filter((r) => r.kind === 'gemini').at(-1);
    expect((call?.body as { generationConfig: { imageConfig: unknown } }).generationConfig.imageConfig).toEqual({ imageSize: '2K', aspectRatio: '16:9' });
  });

  test('a ratio outside the widened set is still refused', async () => {
    const res = await h.http.post(ROUTE).send({ ...base, aspect_ratio: '9:16' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain("'1:1', '16:9', '21:9'");
  });
});

describe('defaults under narrowed capabilities', () => {
  test("with only 4K and jpg enabled, a request leaving both out gets 4K and jpg (never the disabled 1K/png), as the OpenAPI document says", async () => {
    const h = await startHarness({ capabilities: { resolutions: ['4K'], outputFormats: ['jpg'] } });
    try {
      const res = await h.http.post(ROUTE).send(base);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ output_format: 'jpg', size: '4096x4096' });
      const call = h.emulator.requests.filter((r) => r.kind === 'gemini').at(-1);
      expect((call?.body as { generationConfig: { imageConfig: { imageSize: string } } }).generationConfig.imageConfig.imageSize).toBe('4K');
      const doc = (await h.http.get('/v1/images/openapi.json')).body as { components: { schemas: { ImageGenerationRequest: { properties: Record<string, { default?: string }> } } } };
      expect(doc.components.schemas.ImageGenerationRequest.properties.resolution?.default).toBe('4K');
      expect(doc.components.schemas.ImageGenerationRequest.properties.output_format?.default).toBe('jpg');
    } finally {
      await h.close();
    }
  });
});

describe('text to image (a prompt alone) is Beta in the contract: off unless enabled', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ capabilities: { textToImage: false } });
  });
  afterAll(() => h.close());

  test('a prompt alone → 400 missing image_input, saying text to image is not enabled; nothing reaches the upstream', async () => {
    const res = await h.http.post(ROUTE).send(base);
    expectError(res, 400, 'image_input', 'missing_required_parameter');
    expect(res.body.error.message).toMatch(/text to image .* not enabled/i);
    expect(h.emulator.requests).toHaveLength(0);
    expect((await h.http.post(ROUTE).send({ ...base, image_input: h.images.url('/ref.png') })).status).toBe(200);
  });

  test('the OpenAPI document requires image_input and offers no text-to-image example', async () => {
    const doc = (await h.http.get('/v1/images/openapi.json')).body;
    expect(doc.components.schemas.ImageGenerationRequest.required).toEqual(expect.arrayContaining(['model', 'prompt', 'image_input']));
    const examples = doc.paths[ROUTE].post.requestBody.content['application/json'].examples;
    expect(Object.keys(examples)).not.toContain('textToImage');
    expect(Object.keys(examples)).toContain('singleImageEdit');
  });

  test('it is the default; settings that would allow no request at all fail at startup', async () => {
    const { createRelay, memoryStorage } = await import('@banana-relay/core');
    const storage = memoryStorage({ publicBaseUrl: 'http://127.0.0.1' });
    expect(createRelay({ carriers: [], storage }).capabilities.textToImage).toBe(false);
    expect(() => createRelay({ carriers: [], storage, capabilities: { maxReferences: 0 } })).toThrow(/textToImage/);
    expect(() => createRelay({ carriers: [], storage, capabilities: { textToImage: 'yes' as unknown as boolean } })).toThrow(/textToImage/);
    // (And a limit that would only fail once a request needs it.)
    for (const imageConcurrency of [0, 1.5, Number.NaN]) expect(() => createRelay({ carriers: [], storage, limits: { imageConcurrency } })).toThrow(/imageConcurrency/);
  });
});

describe('reference URLs are part of validation', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ carriers: () => [] });
  });
  afterAll(() => h.close());

  test('a bad image_input entry is a 400 even when no carrier could take the request', async () => {
    const bad = await h.http.post(ROUTE).send({ ...base, image_input: ['https://example.com/a.png', 'data:image/png;base64,iVBORw0KGgo='] });
    expectError(bad, 400, 'image_input[1]', 'invalid_image_url');
    const good = await h.http.post(ROUTE).send({ ...base, image_input: 'https://example.com/a.png' });
    expect(good.status).toBe(503);
  });
});
