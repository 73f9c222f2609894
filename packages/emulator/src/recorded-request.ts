/** One request the emulator received, as recorded in `emulator.requests`. */
export interface RecordedRequest {
  /** Which route it hit: generateContent on the Gemini API or Vertex AI, the token endpoint, Cloud Storage, or anything else. */
  kind: 'gemini' | 'vertex' | 'token' | 'gcs' | 'other';
  method: string;
  /** URL path without the query string. */
  path: string;
  /** Request headers, names lowercased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Parsed JSON for generateContent (the raw text if it was not JSON), form fields for the token endpoint. */
  body: unknown;
  /** Gemini API key (header `x-goog-api-key` or `?key=`). */
  apiKey?: string;
  /** Vertex project, location and (both surfaces) model, from the path. */
  project?: string;
  location?: string;
  model?: string;
  /** The HTTP status the emulator answered; 0 until it answers (and forever for a hang). */
  status: number;
  /** Epoch ms when the request arrived. */
  receivedAt: number;
  /** Epoch ms when the exchange closed: the answer finished, or the client went away first (e.g. an abort). */
  closedAt?: number;
  /** True when the connection closed before the answer was complete: the client went away (or `close()` cut it); not set for a `reset` fault. */
  aborted?: boolean;
}
