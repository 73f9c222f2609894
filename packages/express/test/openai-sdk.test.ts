import { bearerApiKeys } from '@banana-relay/core';
import OpenAI, { toFile } from 'openai';
import type { ImageEditParamsNonStreaming, ImageGenerateParamsNonStreaming } from 'openai/resources/images';
import sharp from 'sharp';
import { binary, pathOf, startHarness, type Harness } from './support/harness.js';
import { testImage } from './support/image-host.js';

/** The contract's fields the OpenAI SDK does not know: passed as extra body fields (the SDK sends them as they are). */
interface NanoBananaExtras {
  image_input?: string | string[];
  resolution?: string;
  aspect_ratio?: string;
  output_format?: string;
  [field: string]: unknown;
}

function generateParams(prompt: string, extras: NanoBananaExtras = {}): ImageGenerateParamsNonStreaming {
  return { model: 'nano-banana-pro', prompt, ...extras } as ImageGenerateParamsNonStreaming;
}

function clientFor(h: Harness): OpenAI {
  // No retries: the tests assert the relay's first answer.
  return new OpenAI({ baseURL: `${h.origin}/v1`, apiKey: 'any-key', maxRetries: 0, timeout: 60_000 });
}

async function apiError(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof OpenAI.APIError) return err;
    throw err;
  }
  throw new Error('expected an OpenAI.APIError');
}

async function pixels(bytes: Buffer): Promise<[string | undefined, number | undefined, number | undefined]> {
  const meta = await sharp(bytes).metadata();
  return [meta.format, meta.width, meta.height];
}

describe('the official openai client against the relay', () => {
  let h: Harness;
  let client: OpenAI;
  beforeAll(async () => {
    h = await startHarness();
    client = clientFor(h);
  });
  afterAll(() => h.close());
  afterEach(() => {
    h.emulator.reset();
    h.events.length = 0;
  });

  test('images.generate with the contract fields as extras: image_input, resolution, aspect_ratio, output_format', async () => {
    const res = await client.images.generate(
      generateParams('Turn this product image into an ultra-wide hero KV', {
        image_input: [h.images.url('/ref.webp')],
        resolution: '1K',
        aspect_ratio: '21:9',
        output_format: 'jpg',
      }),
    );
    expect(res.created).toBeGreaterThan(0);
    expect(res.output_format as string).toBe('jpg');
    expect(res.size as string).toBe('1584x672');
    const url = res.data?.[0]?.url ?? '';
    expect(url.startsWith(`${h.origin}/task-artifacts/`)).toBe(true);
    expect(res.data?.[0]?.b64_json).toBeUndefined();
    const file = await h.http.get(pathOf(url)).buffer(true).parse(binary);
    expect(await pixels(file.body as Buffer)).toEqual(['jpeg', 1584, 672]);
    const call = h.emulator.requests.find((r) => r.kind === 'gemini');
    expect((call?.body as { generationConfig: { imageConfig: unknown } }).generationConfig.imageConfig).toMatchObject({ imageSize: '1K', aspectRatio: '21:9' });
  });

  test("response_format 'b64_json': the bytes inline, and still archived with a URL", async () => {
    const res = await client.images.generate({ ...generateParams('a banana'), response_format: 'b64_json', n: 2 });
    expect(res.data).toHaveLength(2);
    for (const image of res.data ?? []) {
      const bytes = Buffer.from(image.b64_json ?? '', 'base64');
      expect(await pixels(bytes)).toEqual(['png', 1024, 1024]);
      const stored = await h.http.get(pathOf(image.url ?? '')).buffer(true).parse(binary);
      expect(Buffer.compare(stored.body as Buffer, bytes)).toBe(0);
    }
    expect(res.size).toBe('1024x1024');
    expect(h.events.filter((e) => e.type === 'image.archived')).toHaveLength(2);
  });

  test("size '1584x672' is read as 1K at 21:9", async () => {
    const res = await client.images.generate({ ...generateParams('a banana'), size: '1584x672' as ImageGenerateParamsNonStreaming['size'] });
    expect(res.size as string).toBe('1584x672');
    const call = h.emulator.requests.find((r) => r.kind === 'gemini');
    expect((call?.body as { generationConfig: { imageConfig: unknown } }).generationConfig.imageConfig).toMatchObject({ imageSize: '1K', aspectRatio: '21:9' });
  });

  test("size '1024x1024' agrees with resolution '1K' and aspect_ratio '1:1'", async () => {
    const res = await client.images.generate({ ...generateParams('a banana', { resolution: '1k', aspect_ratio: '1:1' }), size: '1024x1024' });
    expect(res.size).toBe('1024x1024');
  });

  test('a size the model does not output → 400 listing the valid sizes under the enabled capabilities', async () => {
    const err = await apiError(client.images.generate({ ...generateParams('a banana'), size: '1024x1536' }));
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect([err.status, err.code, err.param, err.type]).toEqual([400, 'invalid_value', 'size', 'invalid_request_error']);
    for (const size of ['1024x1024', '4096x4096', '1584x672', '6336x2688']) expect(err.message).toContain(size);
    expect(err.message).not.toContain('2048x2048'); // 2K is Beta, not enabled here
  });

  test('a size that disagrees with resolution or aspect_ratio → 400 conflicting_parameters', async () => {
    const byResolution = await apiError(client.images.generate({ ...generateParams('a banana', { resolution: '4K' }), size: '1024x1024' }));
    expect([byResolution.status, byResolution.code, byResolution.param]).toEqual([400, 'conflicting_parameters', 'size']);
    const byRatio = await apiError(
      client.images.generate({ ...generateParams('a banana', { aspect_ratio: '1:1' }), size: '1584x672' as ImageGenerateParamsNonStreaming['size'] }),
    );
    expect([byRatio.status, byRatio.code, byRatio.param]).toEqual([400, 'conflicting_parameters', 'size']);
    expect(h.emulator.requests).toHaveLength(0);
  });

  test("'user' is carried into the request events", async () => {
    await client.images.generate({ ...generateParams('a banana'), user: 'end-user-42' });
    const accepted = h.events.find((e) => e.type === 'request.accepted');
    const finished = h.events.find((e) => e.type === 'request.finished');
    expect(accepted).toMatchObject({ user: 'end-user-42' });
    expect(finished).toMatchObject({ status: 200, user: 'end-user-42' });
  });

  test.each([
    ['quality', { quality: 'high' }],
    ['style', { style: 'vivid' }],
    ['background', { background: 'transparent' }],
    ['output_compression', { output_compression: 80 }],
  ])('the OpenAI field %s → 400 naming it as not supported', async (field, extra) => {
    const err = await apiError(client.images.generate({ ...generateParams('a banana'), ...extra } as ImageGenerateParamsNonStreaming));
    expect([err.status, err.param, err.code]).toEqual([400, field, 'unknown_parameter']);
    expect(err.message).toContain(`'${field}'`);
    expect(err.message).toContain('not supported');
  });

  test('errors surface as OpenAI.APIError subclasses with status, code and param', async () => {
    const model = await apiError(client.images.generate({ model: 'dall-e-3', prompt: 'a banana' }));
    expect(model).toBeInstanceOf(OpenAI.BadRequestError);
    expect([model.status, model.code, model.param]).toEqual([400, 'model_not_found', 'model']);

    const ref = await apiError(client.images.generate(generateParams('a banana', { image_input: 'data:image/png;base64,iVBORw0KGgo=' })));
    expect([ref.status, ref.code, ref.param]).toEqual([400, 'invalid_image_url', 'image_input[0]']);

    const edits = await apiError(client.images.edit({ model: 'nano-banana-pro', prompt: 'x', image: await toFile(await testImage('png', 64, 64), 'a.png') }));
    expect(edits).toBeInstanceOf(OpenAI.NotFoundError); // the edits route is off by default: the host app answers

    h.emulator.script({ type: 'status', status: 429, retryAfter: '7' }, { times: 3 });
    const limited = await apiError(client.images.generate(generateParams('a banana')));
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect(limited.status).toBe(429);
    expect(limited.error).toMatchObject({ type: 'rate_limit_error' });
  });
});

describe('images.edit when the operator enables uploads', () => {
  let h: Harness;
  let client: OpenAI;
  beforeAll(async () => {
    h = await startHarness({ edits: { enabled: true }, references: { maxBytes: 200_000, maxPixels: 4_000_000 } });
    client = clientFor(h);
  });
  afterAll(() => h.close());
  afterEach(() => {
    h.emulator.reset();
    h.events.length = 0;
  });

  function editParams(image: ImageEditParamsNonStreaming['image'], extras: NanoBananaExtras = {}): ImageEditParamsNonStreaming {
    return { model: 'nano-banana-pro', prompt: 'Blend these two into one hero visual', image, ...extras } as ImageEditParamsNonStreaming;
  }

  test('two uploaded files (image[]) go upstream inline, with resolution and aspect ratio', async () => {
    const files = [await toFile(await testImage('png', 512, 512, 120), 'one.png'), await toFile(await testImage('webp', 400, 300, 200), 'two.bin')];
    const res = await client.images.edit(editParams(files, { resolution: '1K', aspect_ratio: '21:9', output_format: 'png', n: 1, user: 'u-7' }));
    expect(res.size as string).toBe('1584x672');
    expect(res.data?.[0]?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/task-artifacts\/.+-1\.png$/);
    const call = h.emulator.requests.find((r) => r.kind === 'gemini');
    const parts = (call?.body as { contents: Array<{ parts: Array<Record<string, unknown>> }> }).contents[0]?.parts ?? [];
    expect(parts.slice(1).map((p) => (p.inlineData as { mimeType: string }).mimeType)).toEqual(['image/png', 'image/webp']);
    expect(h.events.find((e) => e.type === 'request.accepted')).toMatchObject({ references: 2, user: 'u-7' });
  });

  test('one file (image) and b64_json', async () => {
    const res = await client.images.edit({ ...editParams(await toFile(await testImage('jpeg', 300, 300), 'one.jpg')), response_format: 'b64_json' });
    expect(await pixels(Buffer.from(res.data?.[0]?.b64_json ?? '', 'base64'))).toEqual(['png', 1024, 1024]);
  });

  test('an upload that is not an image → 400 naming it, nothing sent upstream', async () => {
    const files = [await toFile(await testImage('png', 64, 64), 'ok.png'), await toFile(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'x.png', { type: 'image/png' })];
    const err = await apiError(client.images.edit(editParams(files)));
    expect([err.status, err.code, err.param]).toEqual([400, 'unsupported_image_type', 'image[1]']);
    expect(h.emulator.requests).toHaveLength(0);
  });

  test('an upload over references.maxBytes → 400 image_too_large', async () => {
    const big = await sharp({ create: { width: 1200, height: 1200, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toBuffer();
    expect(big.length).toBeGreaterThan(200_000);
    const err = await apiError(client.images.edit(editParams(await toFile(big, 'big.png'))));
    expect([err.status, err.code, err.param]).toEqual([400, 'image_too_large', 'image[0]']);
  });

  test('an upload over references.maxPixels → 400 image_too_large, read from the header only', async () => {
    const wide = await sharp({ create: { width: 4000, height: 1100, channels: 3, background: '#fc0' } }).png().toBuffer();
    const err = await apiError(client.images.edit(editParams(await toFile(wide, 'wide.png'))));
    expect([err.status, err.code, err.param]).toEqual([400, 'image_too_large', 'image[0]']);
    expect(err.message).toContain('4000x1100');
  });

  test('more files than capabilities.maxReferences → 400 too_many_images', async () => {
    const png = await testImage('png', 64, 64);
    const files = await Promise.all([1, 2, 3].map((i) => toFile(png, `${i}.png`)));
    const err = await apiError(client.images.edit(editParams(files)));
    expect([err.status, err.code, err.param]).toEqual([400, 'too_many_images', 'image']);
  });

  test("the OpenAI field 'mask' → 400 naming it as not supported", async () => {
    const png = await testImage('png', 64, 64);
    const err = await apiError(client.images.edit({ ...editParams(await toFile(png, 'a.png')), mask: await toFile(png, 'm.png') }));
    expect([err.status, err.param, err.code]).toEqual([400, 'mask', 'unknown_parameter']);
    expect(err.message).toContain('not supported');
  });

  test('fields are validated as on the JSON route', async () => {
    const png = await testImage('png', 64, 64);
    const err = await apiError(client.images.edit(editParams(await toFile(png, 'a.png'), { resolution: '2K' })));
    expect([err.status, err.code, err.param]).toEqual([400, 'invalid_value', 'resolution']);
    const noModel = await apiError(client.images.edit({ prompt: 'x', image: await toFile(png, 'a.png') }));
    expect([noModel.status, noModel.code, noModel.param]).toEqual([400, 'missing_required_parameter', 'model']);
  });

  test('a request without files, or a JSON body → 400', async () => {
    const noFile = await h.http.post('/v1/images/edits').field('model', 'nano-banana-pro').field('prompt', 'x');
    expect([noFile.status, noFile.body.error.code, noFile.body.error.param]).toEqual([400, 'missing_required_parameter', 'image']);
    const json = await h.http.post('/v1/images/edits').send({ model: 'nano-banana-pro', prompt: 'x' });
    expect([json.status, json.body.error.code]).toEqual([400, 'invalid_content_type']);
    const get = await h.http.get('/v1/images/edits');
    expect([get.status, get.headers.allow]).toEqual([405, 'POST']);
  });
});

describe('the edits route behind authorize', () => {
  test('the API key the SDK sends is checked before the upload is read; the principal reaches the events', async () => {
    const h = await startHarness({ edits: { enabled: true }, authorize: bearerApiKeys({ 'sk-acme-0123456789': 'acme' }) });
    try {
      const image = await toFile(await testImage('png', 64, 64), 'a.png');
      const params = { model: 'nano-banana-pro', prompt: 'x', image } as ImageEditParamsNonStreaming;
      const stranger = new OpenAI({ baseURL: `${h.origin}/v1`, apiKey: 'sk-wrong', maxRetries: 0 });
      const err = await apiError(stranger.images.edit(params));
      expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
      expect(h.emulator.requests).toHaveLength(0);
      const acme = new OpenAI({ baseURL: `${h.origin}/v1`, apiKey: 'sk-acme-0123456789', maxRetries: 0 });
      const res = await acme.images.edit(params);
      expect(res.data).toHaveLength(1);
      // Both answers have their request.finished: the refusal (no principal) and the generation.
      expect(h.events.filter((e) => e.type === 'request.finished')).toMatchObject([
        { status: 401, code: 'invalid_api_key' },
        { status: 200, principal: 'acme' },
      ]);
    } finally {
      await h.close();
    }
  });
});

describe("archiving of b64_json answers turned off (archive: { b64Json: false })", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ archive: { b64Json: false } });
  });
  afterAll(() => h.close());

  test('the bytes come inline only: no URL, nothing stored; url answers are still archived', async () => {
    const client = clientFor(h);
    const inline = await client.images.generate({ ...generateParams('a banana'), response_format: 'b64_json' });
    expect(inline.data?.[0]?.url).toBeUndefined();
    expect(await pixels(Buffer.from(inline.data?.[0]?.b64_json ?? '', 'base64'))).toEqual(['png', 1024, 1024]);
    expect(h.events.filter((e) => e.type === 'image.archived')).toHaveLength(0);
    expect(h.events.find((e) => e.type === 'request.finished')).toMatchObject({ status: 200, images: 1 });

    const linked = await client.images.generate(generateParams('a banana'));
    expect(linked.data?.[0]?.url).toBeDefined();
    expect(h.events.filter((e) => e.type === 'image.archived')).toHaveLength(1);
  });
});
