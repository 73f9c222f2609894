import sharp from 'sharp';
import { binary, emulatedVertex, pathOf, startHarness, type Harness } from './support/harness.js';

describe('Vertex AI carrier', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ carriers: (emu) => [emulatedVertex(emu)] });
  });
  afterAll(() => h.close());

  test('authenticates through the token endpoint with google-auth-library, then calls the Vertex path', async () => {
    const res = await h.http.post('/v1/images/generations').send({ model: 'nano-banana-pro', prompt: 'a banana', output_format: 'jpg' });
    expect(res.status).toBe(200);
    const kinds = h.emulator.requests.map((r) => r.kind);
    expect(kinds.indexOf('token')).toBeGreaterThanOrEqual(0);
    expect(kinds.indexOf('token')).toBeLessThan(kinds.indexOf('vertex'));
    const call = h.emulator.requests.find((r) => r.kind === 'vertex');
    expect(call?.path).toBe(`/v1/projects/${h.emulator.serviceAccount.project_id}/locations/global/publishers/google/models/gemini-3-pro-image-preview:generateContent`);
    expect(call?.headers.authorization).toMatch(/^Bearer /);
    // Vertex is asked for the output format directly, so no transcoding is needed.
    expect((call?.body as { generationConfig: { imageConfig: unknown } }).generationConfig.imageConfig).toMatchObject({
      imageOutputOptions: { mimeType: 'image/jpeg' },
    });
    const file = await h.http.get(pathOf(res.body.data[0].url)).buffer(true).parse(binary);
    expect((await sharp(file.body as Buffer).metadata()).format).toBe('jpeg');
    expect(h.events.some((e) => e.type === 'image.archived' && !e.transcoded)).toBe(true);
  });

  test('the token is cached across requests', async () => {
    await h.http.post('/v1/images/generations').send({ model: 'nano-banana-pro', prompt: 'another banana' });
    expect(h.emulator.requests.filter((r) => r.kind === 'token')).toHaveLength(1);
  });
});
