import { createHash, randomBytes } from 'node:crypto';
import type { PlannedAnswer } from '../google-errors.js';
import type { Base64Image } from '../render/image-renderer.js';
import type { GenerationSpec, Surface } from './parse-request.js';

/** Everything common to one answer. */
export interface AnswerContext {
  surface: Surface;
  model: string;
  spec: GenerationSpec;
}

/** The images of a successful answer, already base64. */
export interface AnswerImages {
  /** The two interim "thinking" images, small and different from the final one. */
  thoughts: readonly [Base64Image, Base64Image];
  thoughtMimeType: string;
  final: Base64Image;
  /** What the answer declares; normally the final image's real type. */
  finalMimeType: string;
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=UTF-8' };
/** Output tokens Google bills per image: 1120 up to 2K, 2000 at 4K. */
const IMAGE_TOKENS = { '1K': 1120, '2K': 1120, '4K': 2000 } as const;
const INPUT_IMAGE_TOKENS = 560;

const PLANNING = ['Planning the composition', 'Interpreting the request', 'Sketching the layout', 'Establishing the scene'];
const REFINING = ['Refining the details', 'Adjusting the lighting', 'Balancing the colours', 'Polishing the textures'];

/**
 * The 200 answer with two thought images and the final image, shaped like Google's. Every image's
 * base64 goes out as its own chunks (the cached part as the very bytes kept by the renderer): an
 * answer is assembled without copying or re-serialising any image, so that serving hundreds at once
 * costs the emulator little next to the relay it measures.
 */
export function imageAnswer(ctx: AnswerContext, images: AnswerImages): PlannedAnswer {
  const [planning, refining] = thoughtTexts(ctx.spec);
  const [first, second] = images.thoughts;
  // base64 has no character JSON escapes: it goes between the quotes as it is.
  const inline = (mimeType: string, image: Base64Image): Array<string | Buffer> => [`{"inlineData":{"mimeType":${JSON.stringify(mimeType)},"data":"${image.prefix}`, image.rest];
  const chunks: Array<string | Buffer> = [
    `{"candidates":[{"content":{"role":"model","parts":[${JSON.stringify({ text: planning, thought: true })},`,
    ...inline(images.thoughtMimeType, first),
    `"},"thought":true},${JSON.stringify({ text: refining, thought: true })},`,
    ...inline(images.thoughtMimeType, second),
    '"},"thought":true},',
    ...inline(images.finalMimeType, images.final),
    `"},"thoughtSignature":${JSON.stringify(thoughtSignature(ctx.spec.seed))}}]},"finishReason":"STOP","index":0}],` +
      envelope(ctx, usage(ctx.spec, IMAGE_TOKENS[ctx.spec.resolution])),
  ];
  return { status: 200, headers: { ...JSON_HEADERS }, chunks };
}

/** A candidate stopped for `reason` (SAFETY, IMAGE_SAFETY, NO_IMAGE, ...), without an image. */
export function finishReasonAnswer(ctx: AnswerContext, reason: string): PlannedAnswer {
  const candidate: Record<string, unknown> = { finishReason: reason, index: 0 };
  // Google drops the content of policy stops; other stops keep what the model said.
  if (!/SAFETY|PROHIBITED|BLOCKLIST|SPII|RECITATION/.test(reason)) {
    candidate.content = { role: 'model', parts: [{ text: thoughtTexts(ctx.spec)[0], thought: true }] };
  }
  if (reason.startsWith('IMAGE_') || reason === 'NO_IMAGE') {
    candidate.finishMessage = `Unable to show the generated image. The model stopped with ${reason}.`;
  }
  return jsonAnswer(`{"candidates":[${JSON.stringify(candidate)}],` + envelope(ctx, usage(ctx.spec, 0)));
}

/** The prompt itself was blocked: no candidates, only promptFeedback. */
export function blockReasonAnswer(ctx: AnswerContext, reason: string): PlannedAnswer {
  return jsonAnswer(`{"promptFeedback":${JSON.stringify({ blockReason: reason })},` + envelope(ctx, usage(ctx.spec, 0, false)));
}

/** finishReason STOP but the model only wrote text. */
export function textOnlyAnswer(ctx: AnswerContext): PlannedAnswer {
  const parts = [
    { text: thoughtTexts(ctx.spec)[0], thought: true },
    { text: "I can describe this scene, but I didn't generate an image this time.", thoughtSignature: thoughtSignature(ctx.spec.seed) },
  ];
  const candidate = { content: { role: 'model', parts }, finishReason: 'STOP', index: 0 };
  return jsonAnswer(`{"candidates":[${JSON.stringify(candidate)}],` + envelope(ctx, usage(ctx.spec, 24)));
}

function jsonAnswer(body: string): PlannedAnswer {
  return { status: 200, headers: { ...JSON_HEADERS }, chunks: [body] };
}

/** usageMetadata, modelVersion, responseId (and Vertex's createTime), closing the top-level object. */
function envelope(ctx: AnswerContext, usageMetadata: Record<string, unknown>): string {
  const fields: Record<string, unknown> = { usageMetadata, modelVersion: ctx.model };
  if (ctx.surface === 'vertex') fields.createTime = new Date().toISOString();
  fields.responseId = randomBytes(16).toString('base64url').slice(0, 22);
  return JSON.stringify(fields).slice(1);
}

function usage(spec: GenerationSpec, outputTokens: number, generated = true): Record<string, unknown> {
  const textTokens = Math.max(1, Math.ceil(spec.promptText.length / 4));
  const imageTokens = spec.imageCount * INPUT_IMAGE_TOKENS;
  const promptTokenCount = textTokens + imageTokens;
  const thoughtsTokenCount = generated ? 150 + (spec.seed[2]! % 200) : 0;
  const result: Record<string, unknown> = {
    promptTokenCount,
    candidatesTokenCount: outputTokens,
    totalTokenCount: promptTokenCount + outputTokens + thoughtsTokenCount,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: textTokens }, ...(imageTokens ? [{ modality: 'IMAGE', tokenCount: imageTokens }] : [])],
  };
  if (thoughtsTokenCount) result.thoughtsTokenCount = thoughtsTokenCount;
  if (outputTokens) result.candidatesTokensDetails = [{ modality: outputTokens >= 1120 ? 'IMAGE' : 'TEXT', tokenCount: outputTokens }];
  return result;
}

function thoughtTexts(spec: GenerationSpec): [string, string] {
  const excerpt = spec.promptText.length > 80 ? `${spec.promptText.slice(0, 77)}...` : spec.promptText;
  return [
    `**${PLANNING[spec.seed[0]! % PLANNING.length]}**\n\nI'm working out how to depict "${excerpt}" at ${spec.resolution} in ${spec.aspectRatio}, placing the main subject first.\n\n`,
    `**${REFINING[spec.seed[1]! % REFINING.length]}**\n\nThe draft works; I'm sharpening edges and evening out the light before the final render.\n\n`,
  ];
}

/** An opaque, deterministic stand-in for Google's thought signature. */
function thoughtSignature(seed: Buffer): string {
  const blocks: Buffer[] = [];
  for (let i = 0; i < 8; i++) blocks.push(createHash('sha256').update(seed).update(`signature:${i}`).digest());
  return Buffer.concat(blocks).toString('base64');
}
