import type { CredentialAuthority } from './credentials.js';
import type { FaultQueue } from './faults.js';
import type { GcsStore } from './gcs/gcs-store.js';
import type { RecordedRequest } from './recorded-request.js';
import type { ImageRenderer } from './render/image-renderer.js';

/** The state one emulator's routes share. */
export interface EmulatorContext {
  /** Valid Gemini API keys; undefined: any non-empty key is valid. */
  apiKeys: ReadonlySet<string> | undefined;
  /** Known Vertex projects; undefined: any project is accepted. */
  projects: ReadonlySet<string> | undefined;
  /** Minimum time to answer every generateContent request. */
  latencyMs: number;
  authority: CredentialAuthority;
  faults: FaultQueue;
  requests: RecordedRequest[];
  /** Most requests kept in `requests`; the oldest are dropped past it. */
  maxRecordedRequests: number;
  renderer: ImageRenderer;
  /** Cloud Storage buckets, objects and upload sessions. */
  gcs: GcsStore;
}
