import sharp from 'sharp';
import { binary, pathOf, startHarness, type Harness } from './support/harness.js';

const KEY_PATTERN = /^\/task-artifacts\/\d{4}\/\d{2}\/\d{2}\/sync-image\/[A-Za-z0-9]{20,}-1\.(png|jpg)$/;

describe("the contract's request examples, end to end", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  test('single-image edit: 4K, 21:9, png, one WEBP reference', async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await h.http
      .post('/v1/images/generations')
      .set('Authorization', 'Bearer YOUR_API_KEY')
      .send({
        model: 'nano-banana-pro',
        prompt: 'Turn this product image into an ultra-wide hero KV with a cleaner background while preserving the subject',
        image_input: [h.images.url('/ref.webp')],
        resolution: '4K',
        aspect_ratio: '21:9',
        output_format: 'png',
      });
    expect(res.status).toBe(200);
    // The contract's created + data[].url, plus output_format and size as OpenAI's newer answers carry them.
    expect(Object.keys(res.body).sort()).toEqual(['created', 'data', 'output_format', 'size']);
    expect([res.body.output_format, res.body.size]).toEqual(['png', '6336x2688']);
    expect(Object.keys(res.body.data[0])).toEqual(['url']);
    expect(res.body.created).toBeGreaterThanOrEqual(before);
    expect(res.body.data).toHaveLength(1);
    const url: string = res.body.data[0].url;
    expect(url.startsWith(`${h.origin}/task-artifacts/`)).toBe(true);
    expect(pathOf(url)).toMatch(KEY_PATTERN);

    const file = await h.http.get(pathOf(url)).buffer(true).parse(binary);
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe('image/png');
    const meta = await sharp(file.body as Buffer).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 6336, 2688]);

    // The upstream saw the reference inline, the size in uppercase and the ratio.
    const call = h.emulator.requests.find((r) => r.kind === 'gemini');
    const body = call?.body as { contents: Array<{ parts: Array<Record<string, unknown>> }>; generationConfig: { imageConfig: unknown } };
    expect(body.generationConfig.imageConfig).toEqual({ imageSize: '4K', aspectRatio: '21:9' });
    expect(body.contents[0]?.parts[1]).toMatchObject({ inlineData: { mimeType: 'image/webp' } });
  });

  test('two references: 1K, 1:1', async () => {
    const res = await h.http.post('/v1/images/generations').send({
      model: 'nano-banana-pro',
      prompt: 'Blend the subject and composition from these two references into one high-quality hero visual',
      image_input: [h.images.url('/ref-1.png'), h.images.url('/ref-2.png')],
      resolution: '1K',
      aspect_ratio: '1:1',
    });
    expect(res.status).toBe(200);
    const file = await h.http.get(pathOf(res.body.data[0].url)).buffer(true).parse(binary);
    const meta = await sharp(file.body as Buffer).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 1024, 1024]);
    const call = h.emulator.requests.filter((r) => r.kind === 'gemini').at(-1);
    const parts = (call?.body as { contents: Array<{ parts: unknown[] }> }).contents[0]?.parts;
    expect(parts).toHaveLength(3);
  });

  test('defaults: 1K png, aspect ratio left to the model, n = 1', async () => {
    const res = await h.http.post('/v1/images/generations').send({ model: 'nano-banana-pro', prompt: 'a banana on a desk' });
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(1);
    expect(pathOf(res.body.data[0].url)).toMatch(/\.png$/);
    const call = h.emulator.requests.filter((r) => r.kind === 'gemini').at(-1);
    expect((call?.body as { generationConfig: { imageConfig: unknown } }).generationConfig.imageConfig).toEqual({ imageSize: '1K' });
  });
});
