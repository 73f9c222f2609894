/**
 * The floor: the least any program must do to turn the emulator's answer into a stored file.
 * undici POST, buffer the answer, JSON.parse, pick the last non-thought image, base64-decode it,
 * write it durably (write + fsync, as localDiskStorage does). Optionally transcode with a bare sharp
 * call first (the same settings as the relay: flatten on white, JPEG quality 92).
 */
import { randomBytes } from 'node:crypto';
import { open, unlink } from 'node:fs/promises';
import path from 'node:path';
import { sharp, undici } from './lib/deps.js';
import { API_KEY, GEMINI_PATH, generateContentJson } from './lib/upstream.js';

interface Part {
  thought?: boolean;
  inlineData?: { data?: string };
}

/** The result of one floor call. */
export interface FloorResult {
  ms: number;
  /** Bytes of the decoded image (before any transcode). */
  imageBytes: number;
  /** Bytes of the JSON answer. */
  answerBytes: number;
}

export class Floor {
  readonly #pool: InstanceType<typeof undici.Pool>;
  readonly #dir: string;

  constructor(emulatorUrl: string, dir: string) {
    this.#pool = new undici.Pool(emulatorUrl, { connections: 64 });
    this.#dir = dir;
  }

  async run(resolution: '1K' | '4K', transcode = false): Promise<FloorResult> {
    const file = path.join(this.#dir, `floor-${randomBytes(6).toString('hex')}.${transcode ? 'jpg' : 'png'}`);
    const started = performance.now();
    const response = await this.#pool.request({
      method: 'POST',
      path: GEMINI_PATH,
      headers: { 'content-type': 'application/json', 'x-goog-api-key': API_KEY },
      body: generateContentJson(resolution),
    });
    const text = await response.body.text();
    const json = JSON.parse(text) as { candidates: Array<{ content: { parts: Part[] } }> };
    const final = json.candidates[0]!.content.parts.filter((p) => p.inlineData?.data && p.thought !== true).at(-1)!;
    const image = Buffer.from(final.inlineData!.data!, 'base64');
    const out = transcode ? await sharp(image).flatten({ background: '#ffffff' }).jpeg({ quality: 92 }).toBuffer() : image;
    const handle = await open(file, 'w');
    try {
      await handle.writeFile(out);
      await handle.sync();
    } finally {
      await handle.close();
    }
    const ms = performance.now() - started;
    await unlink(file);
    return { ms, imageBytes: image.length, answerBytes: Buffer.byteLength(text) };
  }

  /** A bare sharp call on the same bytes as the relay's transcode (timed alone). */
  static async sharpAlone(image: Buffer): Promise<number> {
    const started = performance.now();
    await sharp(image).flatten({ background: '#ffffff' }).jpeg({ quality: 92 }).toBuffer();
    return performance.now() - started;
  }

  /** Fetches and decodes the final image once (for the sharp-alone timing and the image sizes). */
  async image(resolution: '1K' | '4K'): Promise<Buffer> {
    const response = await this.#pool.request({
      method: 'POST',
      path: GEMINI_PATH,
      headers: { 'content-type': 'application/json', 'x-goog-api-key': API_KEY },
      body: generateContentJson(resolution),
    });
    const json = (await response.body.json()) as { candidates: Array<{ content: { parts: Part[] } }> };
    const final = json.candidates[0]!.content.parts.filter((p) => p.inlineData?.data && p.thought !== true).at(-1)!;
    return Buffer.from(final.inlineData!.data!, 'base64');
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}
