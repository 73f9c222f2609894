import { CarrierError, type CarrierImage } from '../carrier.js';

/** finishReasons and blockReasons that mean the content was refused by policy. */
const POLICY_REASONS = new Set([
  'SAFETY',
  'IMAGE_SAFETY',
  'PROHIBITED_CONTENT',
  'IMAGE_PROHIBITED_CONTENT',
  'BLOCKLIST',
  'SPII',
  'RECITATION',
  'IMAGE_RECITATION',
  'OTHER_BLOCK',
]);

interface Part {
  text?: string;
  thought?: boolean;
  inlineData?: { mimeType?: string; data?: string };
}

interface GenerateContentResponse {
  candidates?: Array<{ content?: { parts?: Part[] }; finishReason?: string }>;
  promptFeedback?: { blockReason?: string };
}

function policyError(reason: string): CarrierError {
  return new CarrierError('content_policy', `The request was refused by the model's content policy (${reason}).`, { reason });
}

/**
 * Picks the answer out of a generateContent response: the model may send interim images flagged
 * `thought: true` before the final one, so the answer is the LAST non-thought inline image.
 */
export function readGenerateContentResponse(json: unknown): CarrierImage {
  const response = (json ?? {}) as GenerateContentResponse;
  const blockReason = response.promptFeedback?.blockReason;
  if (blockReason) throw policyError(blockReason);
  const candidate = response.candidates?.[0];
  const finishReason = candidate?.finishReason;
  if (finishReason && POLICY_REASONS.has(finishReason)) throw policyError(finishReason);

  const final = (candidate?.content?.parts ?? []).filter((p) => p.inlineData?.data && p.thought !== true).at(-1);
  if (!final?.inlineData?.data) {
    throw new CarrierError('no_image', 'The model answered without an image.', { reason: finishReason ?? 'NO_IMAGE' });
  }
  return {
    bytes: Buffer.from(final.inlineData.data, 'base64'),
    ...(final.inlineData.mimeType ? { declaredMimeType: final.inlineData.mimeType } : {}),
  };
}
