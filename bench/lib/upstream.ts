import type { Resolution } from '../../packages/core/src/index.js';

/** The Gemini API key every bench process uses (the emulator accepts any). */
export const API_KEY = 'bench-key';
/** The generateContent path of the default model on the Gemini API. */
export const GEMINI_PATH = '/v1beta/models/gemini-3-pro-image-preview:generateContent';
/** One prompt for everything: the emulator then serves its pre-rendered, cached answers. */
export const PROMPT = 'a ripe banana on a marble table, studio light';

/** The generateContent body the relay sends for PROMPT (Gemini dialect, no references). */
export function generateContentJson(resolution: Resolution): string {
  return JSON.stringify({
    contents: [{ role: 'user', parts: [{ text: PROMPT }] }],
    generationConfig: { responseModalities: ['TEXT', 'IMAGE'], imageConfig: { imageSize: resolution, aspectRatio: '1:1' } },
  });
}
