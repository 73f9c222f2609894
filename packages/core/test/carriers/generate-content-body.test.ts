import { randomBytes } from 'node:crypto';
import { generateContentBody } from '../../src/carriers/google/generate-content-body.js';
import type { CarrierRequest } from '../../src/carriers/carrier.js';
import type { ReferenceImage } from '../../src/references/reference-image.js';

function ref(bytes: Buffer, mimeType: string): ReferenceImage {
  return { index: 0, url: 'https://img.example/x', bytes, format: 'png', mimeType, width: 1, height: 1 };
}

const request: CarrierRequest = {
  prompt: 'a "quoted" banana 🍌\nwith a \\ backslash',
  references: [],
  resolution: '4K',
  aspectRatio: '21:9',
  outputFormat: 'jpg',
  requestId: 'r1',
};

describe('generateContentBody', () => {
  test.each([0, 1, 2, 3, 49_151, 49_152, 49_153, 200_000])('streams valid JSON of exactly its declared length (reference of %i bytes)', (size) => {
    const a = randomBytes(size);
    const b = randomBytes(17);
    const body = generateContentBody(request, [ref(a, 'image/png'), ref(b, 'image/webp')], 'vertex');
    const chunks = [...body.chunks()];
    const bytes = Buffer.concat(chunks);
    expect(bytes.length).toBe(body.length);
    // Pieces stay small however large the references are.
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(64 * 1024 + 200);
    expect(JSON.parse(bytes.toString('utf8'))).toEqual({
      contents: [
        {
          role: 'user',
          parts: [
            { text: request.prompt },
            { inlineData: { mimeType: 'image/png', data: a.toString('base64') } },
            { inlineData: { mimeType: 'image/webp', data: b.toString('base64') } },
          ],
        },
      ],
      generationConfig: {
        responseModalities: ['TEXT', 'IMAGE'],
        imageConfig: { imageSize: '4K', aspectRatio: '21:9', imageOutputOptions: { mimeType: 'image/jpeg' } },
      },
    });
  });

  test('the Gemini dialect has no output options; no aspect ratio when the model follows the input', () => {
    const { aspectRatio: _omitted, ...followInput } = request;
    const body = generateContentBody(followInput, [], 'gemini');
    const json = JSON.parse(Buffer.concat([...body.chunks()]).toString('utf8'));
    expect(json.generationConfig.imageConfig).toEqual({ imageSize: '4K' });
    expect(json.contents[0].parts).toEqual([{ text: request.prompt }]);
  });
});
