import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import { archiveImages, type ImageToArchive } from '../archive/archive-images.js';
import { CarrierError, type CarrierImage, type CarrierRequest } from '../carriers/carrier.js';
import type { RequestParser } from '../contract/parse-request.js';
import { cancelledError, RelayError, toRelayError } from '../contract/errors.js';
import type { EmitRelayEvent } from '../events/relay-events.js';
import { bufferView } from '../images/buffer-view.js';
import type { ImageFormat } from '../images/image-format.js';
import { inspectImage } from '../images/inspect-image.js';
import { normalizeImage } from '../images/normalize-image.js';
import type { ReferenceFetcher } from '../references/reference-fetcher.js';
import type { ReferenceImage } from '../references/reference-image.js';
import { shuttingDownError, type Admission } from '../routing/admission.js';
import type { CarrierRouter, Route, RouteContext } from '../routing/carrier-router.js';
import { relayErrorFromCarrier } from '../routing/relay-error-from-carrier.js';
import { linkedSignal } from '../signals/linked-signal.js';
import type { Storage } from '../storage/storage.js';
import { imagesResponse, type ImagesResponse } from './images-response.js';

/** Everything one generation needs, wired once by createRelay. */
export interface GenerationDeps {
  parse: RequestParser;
  references: ReferenceFetcher;
  router: CarrierRouter;
  /** The relay-wide limit on requests in flight. */
  admission: Admission;
  storage: Storage;
  artifactPrefix: string;
  imageConcurrency: number;
  deadlineMs: number;
  /** Whether a request without references is accepted (`capabilities.textToImage`). */
  textToImage: boolean;
  /** Aborted when a closing relay's grace period is over: requests still running end with a 503. */
  shutdown?: AbortSignal;
  emit: EmitRelayEvent;
  /** Archive images answered inline (`response_format: 'b64_json'`). Default true. */
  archiveB64Json?: boolean;
}

/** Per-call options of `relay.generate`. */
export interface GenerateOptions {
  /** Abort when the caller goes away: upstream calls stop and nothing is archived. */
  signal?: AbortSignal;
  /** Correlation id; generated when omitted. */
  requestId?: string;
  /** Who is asking (from the host's auth), carried into events. */
  principal?: string;
  /** Pins the request to this carrier id (trusted callers only: no secret is checked). See `routing.pinning`. */
  pinnedCarrier?: string;
  /** The HTTP request's headers (the HTTP routes pass them): read for the operator pin, when `routing.pinning` is on. */
  headers?: Pick<Headers, 'get'>;
}

/** The 400 for a prompt alone when text to image is not enabled (the uploads route requires a file itself). */
function referencesRequired(): RelayError {
  return new RelayError(
    400,
    "Missing required parameter: 'image_input'. Text to image (a prompt alone) is not enabled on this route: give 1 or more reference image URLs in 'image_input'.",
    { param: 'image_input', code: 'missing_required_parameter' },
  );
}

/** Errors whose `request.finished` event generateImages has sent already. */
const reported = new WeakSet<object>();

/** Whether `err` ended a request whose `request.finished` event was sent (by generateImages). */
export function finishReported(err: unknown): boolean {
  return typeof err === 'object' && err !== null && reported.has(err);
}

/**
 * Runs one request: validate, download references, generate n images (failing over), archive, answer.
 * `uploaded` are references already received and verified (the multipart edits route): they take the
 * place of `image_input` downloads.
 */
export async function generateImages(
  body: unknown,
  deps: GenerationDeps,
  options: GenerateOptions = {},
  uploaded?: ReferenceImage[],
): Promise<ImagesResponse> {
  const requestId = options.requestId ?? randomUUID();
  const started = performance.now();
  // The request's one signal: the caller leaving, its deadline, the relay's shutdown, and a failed
  // image cancelling its siblings (a request that will be an error must not keep spending).
  const deadline = linkedSignal([options.signal, deps.shutdown], deps.deadlineMs);
  const signal = deadline.signal;
  // Who asked, for every event of the request.
  const principal = options.principal === undefined ? {} : { principal: options.principal };
  let resolution: string | undefined;
  let references: number | undefined;
  let user: string | undefined;
  let leave: (() => void) | undefined;
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
      ...principal,
      ...(user === undefined ? {} : { user }),
    });

  try {
    const request = deps.parse(body);
    resolution = request.resolution;
    references = uploaded?.length ?? request.imageInput.length;
    if (references === 0 && !deps.textToImage) throw referencesRequired();
    user = request.user;
    // Reference URLs are checked as part of validation: a bad entry is a 400 whatever the carriers' state.
    deps.references.check(request.imageInput);
    // Routing is settled before any download: the multi-reference rule, the pin, and whether any carrier can take it now.
    const route = deps.router.route({ references, resolution: request.resolution, aspectRatio: request.aspectRatio }, options);
    leave = deps.admission.enter();
    deps.emit({
      type: 'request.accepted',
      requestId,
      n: request.n,
      resolution: request.resolution,
      ...(request.aspectRatio === undefined ? {} : { aspectRatio: request.aspectRatio }),
      references,
      ...principal,
      ...(user === undefined ? {} : { user }),
    });

    const refs = uploaded ?? (await deps.references.fetchAll(request.imageInput, { signal }));
    const carrierRequest: CarrierRequest = {
      prompt: request.prompt,
      references: refs,
      resolution: request.resolution,
      ...(request.aspectRatio === undefined ? {} : { aspectRatio: request.aspectRatio }),
      outputFormat: request.outputFormat,
      requestId,
    };
    // Most requests are one image: a limiter only when the images must take turns.
    const limit: <T>(run: () => Promise<T>) => Promise<T> = request.n > deps.imageConcurrency ? pLimit(deps.imageConcurrency) : (run) => run();
    const images = await Promise.all(
      Array.from({ length: request.n }, (_, i) =>
        limit(async (): Promise<ImageToArchive> => {
          try {
            // A sibling failed (or the client left) while this image waited its turn: it never starts.
            signal.throwIfAborted();
            return await oneImage(route, carrierRequest, { signal, image: i + 1, ...principal });
          } catch (err) {
            deadline.abort();
            throw err instanceof CarrierError ? relayErrorFromCarrier(err) : err;
          }
        }),
      ),
    );
    if (signal.aborted) throw signal.reason;
    const archive = request.responseFormat === 'url' || deps.archiveB64Json !== false;
    const urls = archive
      ? await archiveImages(images, {
          storage: deps.storage,
          requestId,
          ...principal,
          prefix: deps.artifactPrefix,
          signal,
          emit: deps.emit,
        })
      : undefined;
    finish(200, images.length);
    return imagesResponse({
      images: images.map((i) => i.image),
      urls,
      responseFormat: request.responseFormat,
      outputFormat: request.outputFormat,
    });
  } catch (err) {
    const error = options.signal?.aborted
      ? cancelledError(err)
      : deadline.timedOut
        ? new RelayError(504, 'The request did not complete within its deadline.', { code: 'deadline_exceeded', cause: err })
        : deps.shutdown?.aborted
          ? shuttingDownError('The relay shut down before the request completed: retry it (another instance will take it).', err)
          : toRelayError(err);
    finish(error.status, 0, error.code ?? undefined);
    reported.add(error);
    throw error;
  } finally {
    deadline.dispose();
    leave?.();
  }
}

/** One image: routed to a carrier (a damaged image fails its attempt, so the next carrier is asked), then brought to the requested format. */
async function oneImage(route: Route, request: CarrierRequest, context: RouteContext): Promise<ImageToArchive> {
  let detected: ImageFormat | undefined;
  const check = async (image: CarrierImage): Promise<void> => {
    detected = await inspectImage(image.bytes);
  };
  const routed = await route.generate(request, { ...context, check });
  // `detected` was set by the check of the attempt that succeeded.
  const format = detected ?? (await inspectImage(routed.image.bytes));
  return { image: await normalizeImage(bufferView(routed.image.bytes), format, request.outputFormat, context.signal), carrierId: routed.carrierId };
}
