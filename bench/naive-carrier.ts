/**
 * The path this relay replaced, kept only to be measured: buffer the whole answer, JSON.parse it,
 * base64-decode the final image. It holds the JSON text, the parsed base64 string and the decoded
 * bytes at once: several times the image per request.
 */
import { CarrierError, type Carrier, type CarrierImage, type CarrierRequest } from '@banana-relay/core';
import { undici } from './lib/deps.js';
import { API_KEY, GEMINI_PATH } from './lib/upstream.js';

interface Part {
  thought?: boolean;
  inlineData?: { mimeType?: string; data?: string };
}

export function naiveCarrier(options: { id: string; baseUrl: string; maxConcurrency: number }): Carrier & { close(): Promise<void> } {
  const pool = new undici.Pool(options.baseUrl, { connections: options.maxConcurrency });
  return {
    id: options.id,
    official: true,
    maxConcurrency: options.maxConcurrency,
    async generate(request: CarrierRequest, context): Promise<CarrierImage> {
      const imageConfig = { imageSize: request.resolution, ...(request.aspectRatio ? { aspectRatio: request.aspectRatio } : {}) };
      const body = JSON.stringify({
        contents: [{ role: 'user', parts: [{ text: request.prompt }] }],
        generationConfig: { responseModalities: ['TEXT', 'IMAGE'], imageConfig },
      });
      const response = await pool.request({
        method: 'POST',
        path: GEMINI_PATH,
        headers: { 'content-type': 'application/json', 'x-goog-api-key': API_KEY },
        body,
        signal: context.signal,
      });
      const text = await response.body.text();
      if (response.statusCode !== 200) throw new CarrierError('unavailable', `upstream ${response.statusCode}`);
      const json = JSON.parse(text) as { candidates?: Array<{ content?: { parts?: Part[] } }> };
      const final = (json.candidates?.[0]?.content?.parts ?? []).filter((p) => p.inlineData?.data && p.thought !== true).at(-1);
      if (!final?.inlineData?.data) throw new CarrierError('no_image', 'no image');
      return { bytes: Buffer.from(final.inlineData.data, 'base64'), ...(final.inlineData.mimeType ? { declaredMimeType: final.inlineData.mimeType } : {}) };
    },
    close: () => pool.close(),
  };
}
