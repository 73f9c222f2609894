import { randomBytes } from 'node:crypto';
import { CarrierError } from '../../src/carriers/carrier.js';
import { readGenerateContentResponse, type GenerateContentAnswer } from '../../src/carriers/google/read-response.js';
import {
  AnswerSyntaxError,
  GenerateContentAnswerReader,
  readGenerateContentAnswer,
  type AnswerReaderOptions,
} from '../../src/carriers/google/stream-generate-content-answer.js';

interface TestPart {
  text?: string;
  thought?: boolean;
  inlineData?: { mimeType: string; data: string };
}

/** A generateContent answer shaped like Google's, with the parts given (keys in the order given). */
function answer(parts: TestPart[], extra = ''): Buffer {
  const candidate = { content: { role: 'model', parts }, finishReason: 'STOP', index: 0 };
  const usage = { promptTokenCount: 12, candidatesTokenCount: 1120, promptTokensDetails: [{ modality: 'TEXT', tokenCount: 12 }], ratio: -1.5e-3, none: null };
  return Buffer.from(JSON.stringify({ candidates: [candidate], usageMetadata: usage, modelVersion: 'gemini-3-pro-image-preview' }).slice(0, -1) + extra + '}');
}

function read(chunks: Uint8Array[], options?: AnswerReaderOptions): GenerateContentAnswer {
  const reader = new GenerateContentAnswerReader(options);
  for (const chunk of chunks) reader.write(chunk);
  return reader.end();
}

const finalBytes = randomBytes(1201);
const thought1 = randomBytes(250);
const thought2 = randomBytes(251);
/** Two interim thoughts (flag after inlineData, as Google and the emulator send it), then the final image; non-ASCII and escapes in the texts. */
const small = answer([
  { text: '**Planning** 🍌 "crème brûlée"\n\tand a \\ backslash', thought: true },
  { inlineData: { mimeType: 'image/png', data: thought1.toString('base64') }, thought: true },
  { text: 'Refining… ✨', thought: true },
  { inlineData: { mimeType: 'image/png', data: thought2.toString('base64') }, thought: true },
  { inlineData: { mimeType: 'image/jpeg', data: finalBytes.toString('base64') } },
]);

function expectFinal(result: GenerateContentAnswer, bytes = finalBytes, mimeType = 'image/jpeg'): void {
  expect(result.finishReason).toBe('STOP');
  expect(result.image?.mimeType).toBe(mimeType);
  expect(result.image?.bytes.equals(bytes)).toBe(true);
}

describe('GenerateContentAnswerReader', () => {
  test('reads the whole answer in one piece: the final image is the last non-thought one', () => {
    expectFinal(read([small]));
    expectFinal(read([small], { expectedBytes: small.length }));
  });

  test('the same answer split in two at every byte offset, with and without a known length', () => {
    for (let at = 0; at <= small.length; at += 1) {
      const pieces = [small.subarray(0, at), small.subarray(at)];
      expectFinal(read(pieces));
      expectFinal(read(pieces, { expectedBytes: small.length }));
    }
  });

  test('split in three at many offset pairs, and one byte at a time', () => {
    for (let a = 1; a < small.length; a += 37) {
      for (let b = a; b <= small.length; b += 53) expectFinal(read([small.subarray(0, a), small.subarray(a, b), small.subarray(b)]));
    }
    expectFinal(read(Array.from(small, (byte) => Uint8Array.of(byte))));
  });

  test('escaped slashes in the base64 (legal JSON) decode the same, however the escapes are cut', () => {
    const escaped = Buffer.from(small.toString('latin1').replace(/\//g, '\\/'), 'latin1');
    expect(escaped.length).toBeGreaterThan(small.length);
    for (let at = 0; at <= escaped.length; at += 7) expectFinal(read([escaped.subarray(0, at), escaped.subarray(at)]));
  });

  test('a thought image is dropped whether its thought flag comes before or after inlineData', () => {
    const flagFirst = answer([
      { thought: true, inlineData: { mimeType: 'image/png', data: thought1.toString('base64') } },
      { inlineData: { mimeType: 'image/png', data: finalBytes.toString('base64') } },
      { thought: true, inlineData: { mimeType: 'image/png', data: thought2.toString('base64') } },
    ]);
    expectFinal(read([flagFirst]), finalBytes, 'image/png');
    const flagLast = answer([
      { inlineData: { mimeType: 'image/png', data: finalBytes.toString('base64') } },
      { inlineData: { mimeType: 'image/png', data: thought2.toString('base64') }, thought: true },
    ]);
    expectFinal(read([flagLast]), finalBytes, 'image/png');
    expectFinal(read([flagLast], { expectedBytes: flagLast.length }), finalBytes, 'image/png');
  });

  test('thought: false counts as a final image; of two final images the last wins', () => {
    const first = randomBytes(300);
    const twoFinals = answer([
      { inlineData: { mimeType: 'image/png', data: first.toString('base64') }, thought: false },
      { text: 'and another' },
      { inlineData: { mimeType: 'image/webp', data: finalBytes.toString('base64') } },
    ]);
    expectFinal(read([twoFinals]), finalBytes, 'image/webp');
  });

  test('only thought images, or only text: no image', () => {
    const onlyThoughts = answer([
      { inlineData: { mimeType: 'image/png', data: thought1.toString('base64') }, thought: true },
      { inlineData: { mimeType: 'image/png', data: thought2.toString('base64') }, thought: true },
    ]);
    expect(read([onlyThoughts]).image).toBeUndefined();
    expect(read([answer([{ text: 'just words' }])]).image).toBeUndefined();
  });

  test('images of a second candidate are ignored', () => {
    const other = randomBytes(100).toString('base64');
    const body = Buffer.from(
      JSON.stringify({
        candidates: [
          { content: { parts: [{ inlineData: { mimeType: 'image/png', data: finalBytes.toString('base64') } }] }, finishReason: 'STOP' },
          { content: { parts: [{ inlineData: { mimeType: 'image/gif', data: other } }] }, finishReason: 'SAFETY' },
        ],
      }),
    );
    expectFinal(read([body]), finalBytes, 'image/png');
  });

  test('a truncated answer is an error at every cut, never a partial image', () => {
    for (let at = 0; at < small.length; at += 1) {
      expect(() => read([small.subarray(0, at)])).toThrow(AnswerSyntaxError);
    }
  });

  test('malformed JSON and trailing garbage are errors', () => {
    expect(() => read([Buffer.from('<html>502 Bad Gateway</html>')])).toThrow(AnswerSyntaxError);
    expect(() => read([Buffer.concat([small, Buffer.from('{}')])])).toThrow(AnswerSyntaxError);
  });

  test('an answer larger than maxBytes is refused as it arrives', () => {
    const reader = new GenerateContentAnswerReader({ maxBytes: 1000 });
    expect(() => {
      for (let at = 0; at < small.length; at += 100) reader.write(small.subarray(at, at + 100));
    }).toThrow(CarrierError);
  });

  test('a huge image (24 MB, 32 MB of base64) in odd-sized pieces decodes exactly, known length or not', async () => {
    const huge = randomBytes(24 * 1024 * 1024 + 1);
    const body = answer([
      { inlineData: { mimeType: 'image/png', data: thought1.toString('base64') }, thought: true },
      { inlineData: { mimeType: 'image/png', data: huge.toString('base64') } },
    ]);
    async function* pieces(size: number): AsyncGenerator<Uint8Array> {
      for (let at = 0; at < body.length; at += size) yield body.subarray(at, at + size);
    }
    const known = await readGenerateContentAnswer(pieces(65_537), { expectedBytes: body.length });
    expect(known.image?.bytes.equals(huge)).toBe(true);
    // With the length known, the image is a view of one block, never a joined copy.
    expect(known.image!.bytes.buffer.byteLength).toBeLessThanOrEqual(Math.ceil((body.length * 3) / 4) + 3);
    const unknown = await readGenerateContentAnswer(pieces(16_383));
    expect(unknown.image?.bytes.equals(huge)).toBe(true);
  });
});

describe('readGenerateContentResponse', () => {
  const image = { bytes: Buffer.from('img'), mimeType: 'image/png' };

  test('a blocked prompt or a policy finishReason is a content_policy error, even with an image', () => {
    expect(() => readGenerateContentResponse({ blockReason: 'PROHIBITED_CONTENT' })).toThrow(expect.objectContaining({ kind: 'content_policy', reason: 'PROHIBITED_CONTENT' }));
    expect(() => readGenerateContentResponse({ finishReason: 'IMAGE_SAFETY', image })).toThrow(expect.objectContaining({ kind: 'content_policy' }));
  });

  test('no image is no_image with the finishReason; an image comes back with its declared type', () => {
    expect(() => readGenerateContentResponse({ finishReason: 'NO_IMAGE' })).toThrow(expect.objectContaining({ kind: 'no_image', reason: 'NO_IMAGE' }));
    expect(() => readGenerateContentResponse({})).toThrow(expect.objectContaining({ kind: 'no_image' }));
    expect(readGenerateContentResponse({ finishReason: 'STOP', image })).toEqual({ bytes: image.bytes, declaredMimeType: 'image/png' });
  });
});
