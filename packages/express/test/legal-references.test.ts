import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { emulatedVertex, startHarness, type Harness } from './support/harness.js';

type InlinePart = { inlineData?: { mimeType: string; data: string } };
const inlineImages = (h: Harness): Buffer[] => {
  const call = h.emulator.requests.filter((r) => r.kind === 'vertex').at(-1);
  const parts = (call?.body as { contents: Array<{ parts: InlinePart[] }> }).contents[0]?.parts ?? [];
  return parts.filter((p) => p.inlineData).map((p) => Buffer.from(p.inlineData!.data, 'base64'));
};

describe('legal references reach the upstream intact, or resized to fit its limits', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ carriers: (emu) => [emulatedVertex(emu)], capabilities: { maxReferences: 3 } });
  });
  afterAll(() => h.close());

  test('PNG, JPEG and WEBP references arrive byte for byte, typed from their bytes', async () => {
    const res = await h.http.post('/v1/images/generations').send({
      model: 'nano-banana-pro',
      prompt: 'combine',
      image_input: [h.images.url('/ref.png'), h.images.url('/ref.jpg'), h.images.url('/ref.webp')],
    });
    expect(res.status).toBe(200);
    const sent = inlineImages(h);
    expect(sent).toHaveLength(3);
    const originals = await Promise.all(['/ref.png', '/ref.jpg', '/ref.webp'].map(async (p) => Buffer.from(await (await fetch(h.images.url(p))).arrayBuffer())));
    sent.forEach((bytes, i) => expect(Buffer.compare(bytes, originals[i]!)).toBe(0));
  });

  test('a 12 MB PNG is shrunk under Vertex’s 7 MB inline cap, keeping its aspect ratio', async () => {
    const width = 2400;
    const height = 1800;
    // Noise does not compress: a realistic worst case for the inline limit.
    const big = await sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } }).png({ compressionLevel: 1 }).toBuffer();
    expect(big.length).toBeGreaterThan(12 * 1024 * 1024);
    h.images.set('/big.png', big, 'image/png');
    const res = await h.http.post('/v1/images/generations').send({ model: 'nano-banana-pro', prompt: 'edit', image_input: h.images.url('/big.png') });
    expect(res.status).toBe(200);
    const [sent] = inlineImages(h);
    expect(sent!.length).toBeLessThanOrEqual(7_000_000);
    const meta = await sharp(sent!).metadata();
    expect(Math.abs(meta.width! / meta.height! - width / height)).toBeLessThan(0.01);
  });
});

describe('shrinking references for Vertex: once per request, and never held against the carrier', () => {
  let h: Harness;
  let big: Buffer;
  beforeAll(async () => {
    h = await startHarness({ carriers: (emu) => [emulatedVertex(emu)] });
    big = await sharp(randomBytes(2400 * 1800 * 3), { raw: { width: 2400, height: 1800, channels: 3 } }).png({ compressionLevel: 1 }).toBuffer();
  });
  afterAll(() => h.close());

  test('n = 3 with a 12 MB reference: the three calls send it shrunk, the same bytes each', async () => {
    h.images.set('/big-n.png', big, 'image/png');
    const res = await h.http.post('/v1/images/generations').send({ model: 'nano-banana-pro', prompt: 'edit', n: 3, image_input: h.images.url('/big-n.png') });
    expect(res.status).toBe(200);
    const sent = h.emulator.requests
      .filter((r) => r.kind === 'vertex')
      .map((r) => ((r.body as { contents: Array<{ parts: InlinePart[] }> }).contents[0]!.parts.find((p) => p.inlineData)!.inlineData!.data));
    expect(sent).toHaveLength(3);
    expect(new Set(sent).size).toBe(1);
  });

  test('requests arriving together with the same reference URL make one download of it', async () => {
    const ref = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#369' } }).png().toBuffer();
    // A slow image host: all five requests want the reference while its download is in flight.
    h.images.set('/shared.png', ref, 'image/png', { delayMs: 300 });
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => h.http.post('/v1/images/generations').send({ model: 'nano-banana-pro', prompt: 'same template', image_input: h.images.url('/shared.png') })),
    );
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(h.images.hits.get('/shared.png')).toBe(1);
  });

  test('a large reference damaged inside: 400 unsupported_image_type each time, and the carrier stays healthy', async () => {
    const damaged = Buffer.from(big);
    damaged.fill(0x5a, 1000, damaged.length - 1000);
    h.images.set('/damaged.png', damaged, 'image/png');
    for (let i = 0; i < 6; i++) {
      const res = await h.http.post('/v1/images/generations').send({ model: 'nano-banana-pro', prompt: 'edit', image_input: h.images.url('/damaged.png') });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'unsupported_image_type', param: 'image_input[0]' });
    }
    expect(h.relay.carriers()).toMatchObject([{ id: 'vertex', status: 'healthy', failures: 0 }]);
    const plain = await h.http.post('/v1/images/generations').send({ model: 'nano-banana-pro', prompt: 'a banana' });
    expect(plain.status).toBe(200);
  });
});
