import type { CarrierRequest } from '../carrier.js';
import type { ReferenceImage } from '../../references/reference-image.js';

/** Which generateContent dialect to speak: Vertex adds output options the Gemini API lacks. */
export type GoogleDialect = 'gemini' | 'vertex';

/**
 * Builds a generateContent request body: the prompt first, then each reference as inline data.
 * candidateCount stays 1 (the model refuses more); n images are n calls.
 */
export function generateContentBody(request: CarrierRequest, references: ReferenceImage[], dialect: GoogleDialect): unknown {
  const imageConfig: Record<string, unknown> = { imageSize: request.resolution.toUpperCase() };
  if (request.aspectRatio !== undefined) imageConfig.aspectRatio = request.aspectRatio;
  if (dialect === 'vertex') {
    imageConfig.imageOutputOptions = { mimeType: request.outputFormat === 'jpg' ? 'image/jpeg' : 'image/png' };
  }
  return {
    contents: [
      {
        role: 'user',
        parts: [
          { text: request.prompt },
          ...references.map((ref) => ({ inlineData: { mimeType: ref.mimeType, data: ref.bytes.toString('base64') } })),
        ],
      },
    ],
    generationConfig: { responseModalities: ['TEXT', 'IMAGE'], imageConfig },
  };
}
