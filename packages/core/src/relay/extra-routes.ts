import type { Authorize } from '../auth/authorize.js';
import type { EmitRelayEvent } from '../events/relay-events.js';
import type { ContractSettings } from '../contract/request-schema.js';
import { DEFAULT_EDITS_PATH, handleEdits } from '../http/edits-route.js';
import type { ExtraRoute } from '../http/fetch-handler.js';
import { DEFAULT_OPENAPI_PATH, openApiServer } from '../http/openapi.js';
import type { ReferenceImage } from '../references/reference-image.js';
import { resolveReferenceOptions } from '../references/resolve-options.js';
import type { GenerateOptions } from './generate-images.js';
import type { ImagesResponse } from './images-response.js';
import type { RelayOptions } from './relay-options.js';

/** What the optional routes need from createRelay. */
export interface ExtraRouteDeps {
  contract: ContractSettings;
  routePath: string;
  maxBodyBytes: number;
  authorize?: Authorize;
  emit: EmitRelayEvent;
  /** Whether a request could be admitted now (throws the 429/503 it would get). */
  admissible: () => void;
  /** Aborted when the relay starts closing: uploads still being received are answered 503 then. */
  closing: AbortSignal;
  edit: (body: unknown, images: ReferenceImage[], options: GenerateOptions) => Promise<ImagesResponse>;
}

/** The optional routes the options turn on: `POST /v1/images/edits` (off by default), the OpenAPI document (on). */
export function extraRoutes(options: RelayOptions, deps: ExtraRouteDeps): ExtraRoute[] {
  const routes: ExtraRoute[] = [];
  const editsPath = options.edits?.enabled ? (options.edits.path ?? DEFAULT_EDITS_PATH) : undefined;
  if (editsPath !== undefined) {
    const refs = resolveReferenceOptions(options.references);
    const settings = {
      path: editsPath,
      limits: {
        maxReferences: deps.contract.capabilities.maxReferences,
        maxBytes: refs.maxBytes,
        maxTotalBytes: refs.maxTotalBytes,
        maxPixels: refs.maxPixels,
        maxFieldBytes: deps.maxBodyBytes,
      },
      ...(deps.authorize ? { authorize: deps.authorize } : {}),
      emit: deps.emit,
      admissible: deps.admissible,
      closing: deps.closing,
      edit: deps.edit,
    };
    routes.push({ path: editsPath, answer: (request) => handleEdits(request, settings) });
  }
  if (options.openapi !== false) {
    const openapi = options.openapi ?? {};
    const serve = openApiServer({
      contract: deps.contract,
      routePath: deps.routePath,
      ...(editsPath === undefined ? {} : { editsPath }),
      options: openapi,
    });
    routes.push({ path: openapi.path ?? DEFAULT_OPENAPI_PATH, handle: (request, fetchOptions) => serve(request, fetchOptions.routePath) });
  }
  return routes;
}
