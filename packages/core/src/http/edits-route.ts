import type { Authorize } from '../auth/authorize.js';
import type { EmitRelayEvent } from '../events/relay-events.js';
import type { ReferenceImage } from '../references/reference-image.js';
import type { GenerateOptions } from '../relay/generate-images.js';
import type { ImagesResponse } from '../relay/images-response.js';
import { readMultipartReferences, type MultipartLimits } from './multipart-references.js';
import { unlessClosing } from '../routing/admission.js';
import type { Incoming } from './incoming.js';
import type { JsonAnswer } from './json-response.js';
import { servePost } from './post-route.js';

/** The default path of the edits route. */
export const DEFAULT_EDITS_PATH = '/v1/images/edits';

/**
 * `createRelay({ edits })`: `POST /v1/images/edits`, where references are uploaded as files
 * (`multipart/form-data`, `image` or `image[]`, as the OpenAI SDK's `images.edit` sends them) instead
 * of given as URLs. Uploads get the same checks as downloaded references (type sniffed from the bytes,
 * `references.maxBytes` / `maxTotalBytes` / `maxPixels`, `capabilities.maxReferences`).
 */
export interface EditsOptions {
  /** Serve the route. Default false: the public contract takes URLs only. */
  enabled?: boolean;
  /** Its path. Default `/v1/images/edits`. */
  path?: string;
}

/** What the edits route needs from the relay. */
export interface EditsRouteSettings {
  path: string;
  limits: MultipartLimits;
  authorize?: Authorize;
  emit: EmitRelayEvent;
  /** Throws (429 at capacity, 503 shutting down) before the upload is read, when it could not be admitted anyway. */
  admissible: () => void;
  /** Aborted when the relay starts closing: an upload still being received is then answered 503. */
  closing?: AbortSignal;
  /** Generates from a request body and references already received and verified. */
  edit: (body: unknown, images: ReferenceImage[], options: GenerateOptions) => Promise<ImagesResponse>;
}

/** Handles `POST /v1/images/edits`: read the upload, then the same generation as the JSON route. */
export function handleEdits(request: Incoming, settings: EditsRouteSettings): Promise<JsonAnswer> {
  return servePost(request, { path: settings.path, authorize: settings.authorize, emit: settings.emit }, async (options) => {
    settings.admissible();
    const { fields, images } = await unlessClosing(readMultipartReferences(request, settings.limits, request.signal), settings.closing);
    return settings.edit(fields, images, options);
  });
}
