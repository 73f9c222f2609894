import type { Carrier } from './carrier.js';
import { googleCarrier, type CarrierBaseOptions } from './google/google-carrier.js';

/** Options of {@link geminiCarrier}. */
export interface GeminiCarrierOptions extends CarrierBaseOptions {
  /** A Gemini API key (sent as `x-goog-api-key`, never logged). */
  apiKey: string;
  /** Default `https://generativelanguage.googleapis.com`. */
  baseUrl?: string;
}

/** A carrier on the Gemini API (`POST {base}/v1beta/models/{model}:generateContent`). */
export function geminiCarrier(options: GeminiCarrierOptions): Carrier & { close(): Promise<void> } {
  const headers = { 'x-goog-api-key': options.apiKey };
  return googleCarrier({
    ...options,
    dialect: 'gemini',
    baseUrl: options.baseUrl ?? 'https://generativelanguage.googleapis.com',
    path: (model) => `/v1beta/models/${encodeURIComponent(model)}:generateContent`,
    authHeaders: async () => headers,
    // The Gemini API caps a request near 20 MB; base64 inflates by 4/3, so keep raw images well under.
    inlineLimits: { perImageBytes: 14 * 1024 * 1024, totalBytes: 14 * 1024 * 1024 },
  });
}
