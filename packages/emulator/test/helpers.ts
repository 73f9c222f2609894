import { createSign } from 'node:crypto';
import sharp from 'sharp';
import type { Emulator } from '@banana-relay/emulator';

export const MODEL = 'gemini-3-pro-image-preview';

export function geminiUrl(emu: Emulator, model = MODEL): string {
  return `${emu.url}/v1beta/models/${model}:generateContent`;
}

export function vertexUrl(emu: Emulator, project = emu.serviceAccount.project_id, location = 'global', model = MODEL): string {
  return `${emu.url}/v1/projects/${project}/locations/${location}/publishers/google/models/${model}:generateContent`;
}

/** A text-to-image request body. */
export function textRequest(prompt: string, imageConfig?: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    contents: [{ role: 'user', parts: [{ text: prompt }] }],
    generationConfig: { responseModalities: ['TEXT', 'IMAGE'], ...(imageConfig ? { imageConfig } : {}), ...extra },
  };
}

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** POSTs JSON (or a raw string) and reads the whole answer. */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<CallResult> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export function callGemini(emu: Emulator, body: unknown, headers: Record<string, string> = { 'x-goog-api-key': 'test-key' }): Promise<CallResult> {
  return post(geminiUrl(emu), body, headers);
}

export interface AnswerImages {
  thoughts: Array<{ mimeType: string; bytes: Buffer }>;
  final: { mimeType: string; bytes: Buffer } | undefined;
}

/** Thought images and the final (last non-thought) image of a generateContent answer. */
export function imagesOf(json: any): AnswerImages { // eslint-disable-line @typescript-eslint/no-explicit-any
  const parts: any[] = json.candidates?.[0]?.content?.parts ?? []; // eslint-disable-line @typescript-eslint/no-explicit-any
  const images = parts.filter((p) => p.inlineData);
  const decode = (p: any) => ({ mimeType: p.inlineData.mimeType as string, bytes: Buffer.from(p.inlineData.data as string, 'base64') }); // eslint-disable-line @typescript-eslint/no-explicit-any
  const final = images.filter((p) => !p.thought).at(-1);
  return { thoughts: images.filter((p) => p.thought).map(decode), final: final ? decode(final) : undefined };
}

export async function dimensions(bytes: Buffer): Promise<{ width: number; height: number; format: string }> {
  const meta = await sharp(bytes).metadata();
  return { width: meta.width!, height: meta.height!, format: meta.format! };
}

/** A small real image of the given size, base64. */
export async function imageBase64(width: number, height: number, format: 'png' | 'jpeg' = 'png'): Promise<string> {
  const img = sharp({ create: { width, height, channels: 3, background: { r: 200, g: 40, b: 90 } } });
  return (await (format === 'png' ? img.png() : img.jpeg()).toBuffer()).toString('base64');
}

/** Polls until `check` is true (or fails after `timeoutMs`). */
export async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** An RS256 JWT signed with `key`. */
export function signJwt(claims: Record<string, unknown>, key: string): string {
  const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const unsigned = `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc(claims)}`;
  return `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(key).toString('base64url')}`;
}

/** The token endpoint's answer to a JWT-bearer grant signed the way google-auth-library signs it. */
export async function tokenResponse(emu: Emulator): Promise<Response> {
  const sa = emu.serviceAccount;
  const now = Math.floor(Date.now() / 1000);
  const assertion = signJwt({ iss: sa.client_email, aud: sa.token_uri, scope: 'https://www.googleapis.com/auth/cloud-platform', iat: now, exp: now + 3600 }, sa.private_key);
  return fetch(emu.tokenUri, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }),
  });
}

/** An access token from the emulator's token endpoint, obtained the way google-auth-library does. */
export async function accessToken(emu: Emulator): Promise<string> {
  const res = await tokenResponse(emu);
  return ((await res.json()) as { access_token: string }).access_token;
}
