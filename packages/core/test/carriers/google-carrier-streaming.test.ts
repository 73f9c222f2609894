import { startEmulator, type Emulator } from '@banana-relay/emulator';
import sharp from 'sharp';
import { geminiCarrier } from '../../src/carriers/gemini-carrier.js';
import type { CarrierRequest } from '../../src/carriers/carrier.js';
import type { ReferenceImage } from '../../src/references/reference-image.js';
import { makePng } from '../references/test-images.js';

describe('a Google carrier over real HTTP, streaming both ways', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.close());

  test('a multi-megabyte reference is streamed out intact, and the final image streamed in', async () => {
    const bytes = await makePng(1200, 900, { compressionLevel: 0 });
    expect(bytes.length).toBeGreaterThan(3_000_000); // well past the size sent as one buffer
    const reference: ReferenceImage = { index: 0, url: 'https://img.example/r.png', bytes, format: 'png', mimeType: 'image/png', width: 1200, height: 900 };
    const carrier = geminiCarrier({ id: 'g', apiKey: 'test-key', baseUrl: emulator.url });
    const request: CarrierRequest = { prompt: 'the same, at dusk', references: [reference], resolution: '1K', aspectRatio: '4:3', outputFormat: 'png', requestId: 'r1' };
    try {
      const image = await carrier.generate(request, { signal: new AbortController().signal });
      const sent = emulator.requests.at(-1)?.body as { contents: Array<{ parts: Array<{ inlineData?: { data: string } }> }> };
      expect(sent.contents[0]!.parts[1]!.inlineData!.data).toBe(bytes.toString('base64'));
      expect(image.declaredMimeType).toBe('image/png');
      const meta = await sharp(image.bytes).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['png', 1200, 896]);
    } finally {
      await carrier.close();
    }
  });
});
