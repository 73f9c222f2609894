import { startEmulator, type Emulator } from '@banana-relay/emulator';
import { callGemini, dimensions, geminiUrl, imageBase64, imagesOf, post, textRequest } from './helpers.js';

describe('Gemini API generateContent', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator({ apiKeys: ['test-key', 'other-key'] });
  });
  afterAll(() => emu.close());
  afterEach(() => emu.reset());

  test('answers two small thought images, then the final image at the exact output size', async () => {
    const res = await callGemini(emu, textRequest('a banana on a desk'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const candidate = res.json.candidates[0];
    expect(candidate.finishReason).toBe('STOP');
    expect(candidate.content.role).toBe('model');
    const parts = candidate.content.parts;
    expect(parts.map((p: { thought?: boolean; inlineData?: unknown }) => [p.inlineData ? 'image' : 'text', p.thought === true])).toEqual([
      ['text', true],
      ['image', true],
      ['text', true],
      ['image', true],
      ['image', false],
    ]);
    expect(typeof parts[4].thoughtSignature).toBe('string');
    expect(res.json.modelVersion).toBe('gemini-3-pro-image-preview');
    expect(typeof res.json.responseId).toBe('string');
    expect(res.json.usageMetadata.totalTokenCount).toBeGreaterThan(res.json.usageMetadata.candidatesTokenCount);

    const { thoughts, final } = imagesOf(res.json);
    expect(final?.mimeType).toBe('image/png');
    expect(await dimensions(final!.bytes)).toEqual({ width: 1024, height: 1024, format: 'png' });
    // A 1K PNG weighs what a real one does, not a few KB of flat colour.
    expect(final!.bytes.length).toBeGreaterThan(400_000);
    expect(final!.bytes.length).toBeLessThan(3_000_000);
    for (const thought of thoughts) {
      expect(await dimensions(thought.bytes)).toEqual({ width: 256, height: 256, format: 'png' });
    }
    expect(thoughts[0]!.bytes.equals(thoughts[1]!.bytes)).toBe(false);
  });

  test('4K 21:9 is 6336x2688, with thought images of the same shape', async () => {
    const res = await callGemini(emu, textRequest('a wide landscape', { imageSize: '4K', aspectRatio: '21:9' }));
    expect(res.status).toBe(200);
    const { thoughts, final } = imagesOf(res.json);
    expect(await dimensions(final!.bytes)).toEqual({ width: 6336, height: 2688, format: 'png' });
    expect(await dimensions(thoughts[0]!.bytes)).toMatchObject({ width: 256, height: 109 });
  });

  test('a 4K 1:1 PNG is several MB', async () => {
    const res = await callGemini(emu, textRequest('a detailed poster', { imageSize: '4K', aspectRatio: '1:1' }));
    const { final } = imagesOf(res.json);
    expect(await dimensions(final!.bytes)).toMatchObject({ width: 4096, height: 4096 });
    expect(final!.bytes.length).toBeGreaterThan(5_000_000);
    expect(final!.bytes.length).toBeLessThan(40_000_000);
  });

  test('2K 9:16 and snake_case fields', async () => {
    const res = await callGemini(emu, {
      contents: [{ parts: [{ text: 'a tall tower' }] }],
      generation_config: { image_config: { image_size: '2K', aspect_ratio: '9:16' } },
    });
    expect(res.status).toBe(200);
    expect(await dimensions(imagesOf(res.json).final!.bytes)).toMatchObject({ width: 1536, height: 2752 });
  });

  test('identical requests give identical bytes; another prompt gives other bytes', async () => {
    const a = imagesOf((await callGemini(emu, textRequest('same prompt', { aspectRatio: '4:3' }))).json);
    const b = imagesOf((await callGemini(emu, textRequest('same prompt', { aspectRatio: '4:3' }))).json);
    const c = imagesOf((await callGemini(emu, textRequest('another prompt', { aspectRatio: '4:3' }))).json);
    expect(a.final!.bytes.equals(b.final!.bytes)).toBe(true);
    expect(a.thoughts[0]!.bytes.equals(b.thoughts[0]!.bytes)).toBe(true);
    expect(a.final!.bytes.equals(c.final!.bytes)).toBe(false);
    expect(await dimensions(c.final!.bytes)).toMatchObject({ width: 1200, height: 896 });
  });

  test('without aspectRatio the output follows the first reference image', async () => {
    const wide = await imageBase64(320, 180);
    const res = await callGemini(emu, {
      contents: [{ parts: [{ text: 'restyle this' }, { inlineData: { mimeType: 'image/png', data: wide } }] }],
    });
    expect(res.status).toBe(200);
    expect(await dimensions(imagesOf(res.json).final!.bytes)).toMatchObject({ width: 1376, height: 768 });
    expect(res.json.usageMetadata.promptTokensDetails).toContainEqual({ modality: 'IMAGE', tokenCount: 560 });
  });

  test('the key may come as ?key=', async () => {
    const res = await post(`${geminiUrl(emu)}?key=other-key`, textRequest('query key'));
    expect(res.status).toBe(200);
    expect(emu.requests[0]!.apiKey).toBe('other-key');
  });

  test('a wrong key is 400 INVALID_ARGUMENT with ErrorInfo API_KEY_INVALID, as Google answers it; no key is 403', async () => {
    const wrong = await callGemini(emu, textRequest('x'), { 'x-goog-api-key': 'nope' });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT', message: expect.stringContaining('API key not valid') });
    expect(wrong.json.error.details).toContainEqual(expect.objectContaining({ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' }));
    const none = await callGemini(emu, textRequest('x'), {});
    expect(none.status).toBe(403);
    expect(none.json.error.status).toBe('PERMISSION_DENIED');
  });

  test.each([
    ['candidateCount 2', textRequest('x', undefined, { candidateCount: 2 }), 'Multiple candidates'],
    ["lowercase '4k'", textRequest('x', { imageSize: '4k' }), 'image size'],
    ['an unsupported ratio', textRequest('x', { aspectRatio: '7:3' }), 'aspect ratio'],
    ['no contents', { generationConfig: {} }, 'contents is not specified'],
    ['an empty part', { contents: [{ parts: [{}] }] }, "required oneof field 'data'"],
    ['a non-image inline part', { contents: [{ parts: [{ inlineData: { mimeType: 'application/pdf', data: 'AAAA' } }] }] }, 'Unsupported MIME type'],
    ['bad base64', { contents: [{ parts: [{ inlineData: { mimeType: 'image/png', data: 'not base64!' } }] }] }, 'Base64 decoding failed'],
    // Google refuses fields it does not know: a carrier sending one must fail here as it would there.
    ['an unknown top-level field', { ...textRequest('x'), size: '1024x1024' }, 'Unknown name "size": Cannot find field.'],
    ['an unknown generationConfig field', textRequest('x', undefined, { bogus: 1 }), `Unknown name "bogus" at 'generation_config'`],
    ["Vertex's imageOutputOptions on the Gemini API", textRequest('x', { imageOutputOptions: { mimeType: 'image/jpeg' } }), `Unknown name "imageOutputOptions" at 'generation_config.image_config'`],
    ['an unknown part field', { contents: [{ parts: [{ text: 'x', image: 'y' }] }] }, `Unknown name "image" at 'contents[0].parts[0]'`],
    ["the role 'assistant'", { contents: [{ role: 'assistant', parts: [{ text: 'x' }] }] }, 'valid role: user, model'],
    ['a response modality that does not exist', { contents: [{ parts: [{ text: 'x' }] }], generationConfig: { responseModalities: ['TEXT', 'PICTURE'] } }, "response_modalities[1]"],
  ])('%s → 400 INVALID_ARGUMENT', async (_name, body, message) => {
    const res = await callGemini(emu, body);
    expect(res.status).toBe(400);
    expect(res.json.error.status).toBe('INVALID_ARGUMENT');
    expect(res.json.error.message).toContain(message);
  });

  test('a body that is not JSON → 400', async () => {
    const res = await callGemini(emu, '{"contents": [');
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(/^Invalid JSON payload received/);
    expect(emu.requests[0]!.body).toBe('{"contents": [');
  });

  test('an unreadable first reference (needed for the aspect ratio) → 400', async () => {
    const res = await callGemini(emu, { contents: [{ parts: [{ text: 'x' }, { inlineData: { mimeType: 'image/png', data: 'AAAAAAAA' } }] }] });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain('Unable to process input image');
  });

  test('more than 14 images → 400', async () => {
    const small = await imageBase64(8, 8);
    const parts = [{ text: 'collage' }, ...Array.from({ length: 15 }, () => ({ inlineData: { mimeType: 'image/png', data: small } }))];
    const res = await callGemini(emu, { contents: [{ parts }], generationConfig: { imageConfig: { aspectRatio: '1:1' } } });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain('at most 14');
  });

  test('a request body over 20 MB → 400 (the Gemini API inline limit)', async () => {
    const data = Buffer.alloc(16 * 1024 * 1024, 1).toString('base64'); // ~21.3 MB of base64
    const res = await callGemini(emu, { contents: [{ parts: [{ text: 'x' }, { inlineData: { mimeType: 'image/png', data } }] }] });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toBe('Request payload size exceeds the limit: 20971520 bytes.');
  });

  test('responseModalities without IMAGE → text only', async () => {
    const res = await callGemini(emu, { contents: [{ parts: [{ text: 'x' }] }], generationConfig: { responseModalities: ['TEXT'] } });
    expect(res.status).toBe(200);
    expect(imagesOf(res.json).final).toBeUndefined();
  });

  test('unknown paths and methods → 404 Google error', async () => {
    const res = await post(`${emu.url}/v1beta/models/${'x'}:streamGenerateContent`, textRequest('x'), { 'x-goog-api-key': 'test-key' });
    expect(res.status).toBe(404);
    expect(res.json.error.status).toBe('NOT_FOUND');
    const get = await fetch(geminiUrl(emu));
    expect(get.status).toBe(404);
    expect(emu.requests.map((r) => r.kind)).toEqual(['other', 'gemini']);
  });

  test('any model id is accepted and echoed', async () => {
    const res = await post(geminiUrl(emu, 'gemini-9-imaginary'), textRequest('x'), { 'x-goog-api-key': 'test-key' });
    expect(res.status).toBe(200);
    expect(res.json.modelVersion).toBe('gemini-9-imaginary');
    expect(emu.requests[0]!.model).toBe('gemini-9-imaginary');
  });
});
