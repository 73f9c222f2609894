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
