import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import { archiveImages, type ImageToArchive } from '../archive/archive-images.js';
import type { CarrierRequest } from '../carriers/carrier.js';
import type { RequestParser } from '../contract/parse-request.js';
import { RelayError, toRelayError } from '../contract/errors.js';
import type { RelayEventListener } from '../events/relay-events.js';
import { normalizeImage } from '../images/normalize-image.js';
import type { ReferenceFetcher } from '../references/reference-fetcher.js';
import type { CarrierRouter } from '../routing/carrier-router.js';
import type { Storage } from '../storage/storage.js';
import type { ImagesResponse } from './images-response.js';

/** Everything one generation needs, wired once by createRelay. */
export interface GenerationDeps {
  parse: RequestParser;
  references: ReferenceFetcher;
  router: CarrierRouter;
  storage: Storage;
  artifactPrefix: string;
  imageConcurrency: number;
  deadlineMs: number;
  emit: RelayEventListener;
}

/** Per-call options of `relay.generate`. */
export interface GenerateOptions {
  /** Abort when the caller goes away: upstream calls stop and nothing is archived. */
  signal?: AbortSignal;
  /** Correlation id; generated when omitted. */
  requestId?: string;
  /** Who is asking (from the host's auth), carried into events. */
  principal?: string;
}

/** Runs one request: validate, download references, generate n images (failing over), archive, answer. */
export async function generateImages(body: unknown, deps: GenerationDeps, options: GenerateOptions = {}): Promise<ImagesResponse> {
  const requestId = options.requestId ?? randomUUID();
  const started = performance.now();
  const deadline = AbortSignal.timeout(deps.deadlineMs);
  // Failing images cancel their siblings: a request that will be an error must not keep spending.
  const siblings = new AbortController();
  const signal = AbortSignal.any([deadline, siblings.signal, ...(options.signal ? [options.signal] : [])]);
  let resolution: string | undefined;
  let references: number | undefined;
  const finish = (status: number, images: number, code?: string): void =>
    deps.emit({
      type: 'request.finished',
      requestId,
      status,
      ...(code === undefined ? {} : { code }),
      latencyMs: performance.now() - started,
      images,
      ...(resolution === undefined ? {} : { resolution }),
      ...(references === undefined ? {} : { references }),
      ...(options.principal === undefined ? {} : { principal: options.principal }),
    });

  try {
    const request = deps.parse(body);
    resolution = request.resolution;
    references = request.imageInput.length;
    deps.router.eligible(references);
    deps.emit({
      type: 'request.accepted',
      requestId,
      n: request.n,
      resolution: request.resolution,
      ...(request.aspectRatio === undefined ? {} : { aspectRatio: request.aspectRatio }),
      references,
    });

    const refs = await deps.references.fetchAll(request.imageInput, { signal });
    const carrierRequest: CarrierRequest = {
      prompt: request.prompt,
      references: refs,
      resolution: request.resolution,
      ...(request.aspectRatio === undefined ? {} : { aspectRatio: request.aspectRatio }),
      outputFormat: request.outputFormat,
      requestId,
    };
    const limit = pLimit(deps.imageConcurrency);
    const images = await Promise.all(
      Array.from({ length: request.n }, (_, i) =>
        limit(async (): Promise<ImageToArchive> => {
          try {
            const routed = await deps.router.generate(carrierRequest, { signal, image: i + 1 });
            return { image: await normalizeImage(routed.image.bytes, request.outputFormat), carrierId: routed.carrierId };
          } catch (err) {
            siblings.abort();
            throw err;
          }
        }),
      ),
    );
    if (signal.aborted) throw signal.reason;
    const urls = await archiveImages(images, { storage: deps.storage, requestId, prefix: deps.artifactPrefix, signal, emit: deps.emit });
    finish(200, urls.length);
    return { created: Math.floor(Date.now() / 1000), data: urls.map((url) => ({ url })) };
  } catch (err) {
    const error = options.signal?.aborted
      ? new RelayError(499, 'The request was cancelled.', { code: 'request_cancelled', cause: err })
      : deadline.aborted
        ? new RelayError(504, 'The request did not complete within its deadline.', { code: 'deadline_exceeded', cause: err })
        : toRelayError(err);
    finish(error.status, 0, error.code ?? undefined);
    throw error;
  }
}
