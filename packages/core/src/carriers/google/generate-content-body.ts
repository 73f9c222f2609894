import type { CarrierRequest } from '../carrier.js';
import type { ReferenceImage } from '../../references/reference-image.js';

/** Which generateContent dialect to speak: Vertex adds output options the Gemini API lacks. */
export type GoogleDialect = 'gemini' | 'vertex';

/** A JSON request body produced piece by piece: its exact length up front, its bytes when sent. */
export interface StreamedJsonBody {
  /** Bytes of the whole body (the Content-Length). */
  readonly length: number;
  /** The body's bytes, in order; references are base64-encoded only as they are sent. */
  chunks(): Generator<Buffer>;
}

/** Raw bytes per base64 piece: a multiple of 3, so pieces concatenate into one valid base64 string. */
const RAW_PIECE = 3 * 16 * 1024;

const base64Length = (bytes: number): number => Math.ceil(bytes / 3) * 4;

/**
 * Builds a generateContent request body: the prompt first, then each reference as inline data.
 * candidateCount stays 1 (the model refuses more); n images are n calls. The references' base64
 * (up to 14 x 7 MB on Vertex) is never built as one string: it is encoded 64 KiB at a time as
 * the body is sent.
 */
export function generateContentBody(request: CarrierRequest, references: ReferenceImage[], dialect: GoogleDialect): StreamedJsonBody {
  const imageConfig: Record<string, unknown> = { imageSize: request.resolution.toUpperCase() };
  if (request.aspectRatio !== undefined) imageConfig.aspectRatio = request.aspectRatio;
  if (dialect === 'vertex') {
    imageConfig.imageOutputOptions = { mimeType: request.outputFormat === 'jpg' ? 'image/jpeg' : 'image/png' };
  }
  const generationConfig = { responseModalities: ['TEXT', 'IMAGE'], imageConfig };
  const head = `{"contents":[{"role":"user","parts":[{"text":${JSON.stringify(request.prompt)}}`;
  const openings = references.map((ref) => `,{"inlineData":{"mimeType":${JSON.stringify(ref.mimeType)},"data":"`);
  const closing = '"}}';
  const tail = `]}],"generationConfig":${JSON.stringify(generationConfig)}}`;
  const length =
    Buffer.byteLength(head) +
    Buffer.byteLength(tail) +
    references.reduce((sum, ref, i) => sum + Buffer.byteLength(openings[i]!) + base64Length(ref.bytes.length) + closing.length, 0);
  return {
    length,
    *chunks() {
      yield Buffer.from(head);
      for (const [i, ref] of references.entries()) {
        yield Buffer.from(openings[i]!);
        for (let at = 0; at < ref.bytes.length; at += RAW_PIECE) {
          yield Buffer.from(ref.bytes.subarray(at, at + RAW_PIECE).toString('base64'), 'latin1');
        }
        yield Buffer.from(closing);
      }
      yield Buffer.from(tail);
    },
  };
}
