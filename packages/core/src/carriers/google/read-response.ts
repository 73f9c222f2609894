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
  // Vertex: blocked by the project's Model Armor policy (another carrier must not get around it).
  'MODEL_ARMOR',
]);

/**
 * What a generateContent answer says, read by `GenerateContentAnswerReader` as it streams in:
 * only the fields the relay acts on.
 */
export interface GenerateContentAnswer {
  /** `promptFeedback.blockReason`: the prompt itself was refused. */
  blockReason?: string;
  /** `candidates[0].finishReason`. */
  finishReason?: string;
  /** The last non-thought inline image of `candidates[0]`, decoded, with the MIME type it was declared as. */
  image?: { bytes: Buffer; mimeType?: string };
}

function policyError(reason: string): CarrierError {
  return new CarrierError('content_policy', `The request was refused by the model's content policy (${reason}).`, { reason });
}

/**
 * Turns what a generateContent answer says into the carrier's result: a refusal by policy, an answer
 * without an image, or the final image. The model may send interim images flagged `thought: true`
 * before the final one, so the answer is the LAST non-thought inline image (the reader picks it).
 */
export function readGenerateContentResponse(answer: GenerateContentAnswer): CarrierImage {
  if (answer.blockReason) throw policyError(answer.blockReason);
  const finishReason = answer.finishReason;
  if (finishReason && POLICY_REASONS.has(finishReason)) throw policyError(finishReason);
  if (!answer.image || answer.image.bytes.length === 0) {
    throw new CarrierError('no_image', 'The model answered without an image.', { reason: finishReason ?? 'NO_IMAGE' });
  }
  return { bytes: answer.image.bytes, ...(answer.image.mimeType ? { declaredMimeType: answer.image.mimeType } : {}) };
}
