import { createHash } from 'node:crypto';
import type { Fault } from '../faults.js';
import type { PlannedAnswer } from '../google-errors.js';
import { withMarker, type Base64Image, type EmulatorImageFormat, type ImageRenderer } from '../render/image-renderer.js';
import { blockReasonAnswer, finishReasonAnswer, imageAnswer, textOnlyAnswer, type AnswerContext } from './answer-body.js';

/**
 * Distinct full-size pictures per (size, format). Final images are one of these plus a per-request
 * marker, so a handful of renders (see prerender) serve any number of prompts at send speed.
 */
export const BASE_VARIANTS = 4;
/** Long side of the interim "thinking" images. */
const THOUGHT_LONG_SIDE = 256;

const MIME: Readonly<Record<EmulatorImageFormat, string>> = { png: 'image/png', jpeg: 'image/jpeg' };

/** The seed of base picture `variant`. */
export function baseSeed(variant: number): Buffer {
  return createHash('sha256').update(`banana-emulator-base:${variant}`).digest();
}

/** Renders every base picture of a size and format into the cache. */
export async function prerenderBase(renderer: ImageRenderer, width: number, height: number, format: EmulatorImageFormat): Promise<void> {
  for (let v = 0; v < BASE_VARIANTS; v++) await renderer.render(width, height, format, baseSeed(v));
}

/** Options that faults apply to a successful image answer. */
export interface ImageAnswerOptions {
  format: EmulatorImageFormat;
  /** Declared instead of the real MIME type (the `mislabel` fault). */
  declaredMimeType?: string | undefined;
  /** Damages the final image's bytes (the `badImage` fault). */
  damage?: 'cut' | 'junk' | undefined;
}

/** The final image's base64 with its bytes damaged: cut halfway, or replaced by bytes that are no image. */
function damaged(image: Base64Image, damage: 'cut' | 'junk'): Base64Image {
  if (damage === 'junk') return { prefix: '', rest: Buffer.from(Buffer.alloc(4096, 'not an image ').toString('base64'), 'latin1') };
  // Whole 4-character groups, so the base64 stays valid.
  return { prefix: image.prefix, rest: image.rest.subarray(0, Math.floor(image.rest.length / 8) * 4) };
}

/** The model's successful answer: two small thought images and the final image at the exact output size. */
export async function answerImage(renderer: ImageRenderer, ctx: AnswerContext, options: ImageAnswerOptions): Promise<PlannedAnswer> {
  const { spec } = ctx;
  const long = Math.max(spec.width, spec.height);
  const tw = Math.max(1, Math.round((spec.width * THOUGHT_LONG_SIDE) / long));
  const th = Math.max(1, Math.round((spec.height * THOUGHT_LONG_SIDE) / long));
  const thoughtSeed = (i: number): Buffer => createHash('sha256').update(spec.seed).update(`thought:${i}`).digest();
  const [base, thought1, thought2] = await Promise.all([
    renderer.render(spec.width, spec.height, options.format, baseSeed(spec.seed[31]! % BASE_VARIANTS)),
    renderer.render(tw, th, options.format, thoughtSeed(1)),
    renderer.render(tw, th, options.format, thoughtSeed(2)),
  ]);
  const marker = `banana-relay-emulator seed=${spec.seed.toString('hex')}`;
  return imageAnswer(ctx, {
    thoughts: [withMarker(thought1, marker), withMarker(thought2, marker)],
    thoughtMimeType: MIME[options.format],
    final: options.damage === undefined ? withMarker(base, marker) : damaged(withMarker(base, marker), options.damage),
    finalMimeType: options.declaredMimeType ?? MIME[options.format],
  });
}

/** Answers without an image: a stop reason, a blocked prompt, or text only. */
export function answerWithoutImage(ctx: AnswerContext, fault: Extract<Fault, { type: 'finishReason' | 'blockReason' | 'noImage' }>): PlannedAnswer {
  switch (fault.type) {
    case 'finishReason':
      return finishReasonAnswer(ctx, fault.reason);
    case 'blockReason':
      return blockReasonAnswer(ctx, fault.reason);
    case 'noImage':
      return textOnlyAnswer(ctx);
  }
}
