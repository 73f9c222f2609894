import { setMaxListeners } from 'node:events';
import { clearTimeout, setTimeout } from 'node:timers';
import { ALL_CAPABILITIES, VERIFIED_CAPABILITIES, type Capabilities } from '../contract/capabilities.js';
import { createRequestParser } from '../contract/parse-request.js';
import { safeEmitter } from '../events/relay-events.js';
import { createFetchHandler, type FetchHandler, type FetchOptions } from '../http/fetch-handler.js';
import { jsonRoutes } from '../http/node-handler.js';
import { createReferenceFetcher } from '../references/reference-fetcher.js';
import { Admission } from '../routing/admission.js';
import { CarrierRouter } from '../routing/carrier-router.js';
import type { CarrierState } from '../routing/carrier-state.js';
import { resolveRouting } from '../routing/routing-options.js';
import { artifactPrefixOf } from '../storage/artifact-key.js';
import { extraRoutes } from './extra-routes.js';
import { generateImages, type GenerateOptions } from './generate-images.js';
import type { ImagesResponse } from './images-response.js';
import type { RelayOptions } from './relay-options.js';

/** A mounted-anywhere image route. Adapters (Express, NestJS, Hono…) only translate to {@link Relay.fetch}. */
export interface Relay {
  /**
   * Runs one generation from a request body (as parsed JSON).
   * Resolves to the contract's answer or throws a {@link RelayError}.
   */
  generate(body: unknown, options?: GenerateOptions): Promise<ImagesResponse>;
  /** Web-standard handler: serves the route and, for local storages, the artifact files. */
  fetch: FetchHandler;
  /** Whether a path is served by {@link Relay.fetch}; adapters pass every other path to the host. */
  owns(pathname: string, options?: FetchOptions): boolean;
  /** The capabilities in force (after defaults). */
  readonly capabilities: Readonly<Capabilities>;
  /**
   * Each carrier's state now (in rotation or cooling down until when, misconfigured, calls in
   * flight, failures, priority, weight), JSON-ready for a health endpoint.
   */
  carriers(): CarrierState[];
  /** Puts one carrier (or every carrier) back in rotation with a clean record, e.g. after fixing its key. */
  resetCarrierHealth(carrierId?: string): void;
  /**
   * Shuts the relay down gracefully: new requests are refused at once with 503
   * `relay_shutting_down`, those in flight finish (up to their deadline, or up to `graceMs`), then
   * the connection pools are released. Resolves when all of that is done; calling it again returns
   * the same promise (a shorter `graceMs` given then still applies).
   */
  close(options?: CloseOptions): Promise<void>;
}

/** The longest delay Node's timers take (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Options of {@link Relay.close}. */
export interface CloseOptions {
  /**
   * How long requests in flight may still run, in ms. Those not done by then are cancelled: their
   * upstream calls stop, nothing of theirs stays archived, and their callers get 503
   * `relay_shutting_down` (retryable elsewhere). Default: no limit of its own (each request's
   * deadline bounds it; `Infinity` says the same). Under Kubernetes, a little less than
   * `terminationGracePeriodSeconds`. Requests still sending their body when `close()` is called
   * are not in flight yet: they are answered 503 `relay_shutting_down` at once, like new ones.
   */
  graceMs?: number;
}

function resolveCapabilities(partial: Partial<Capabilities> = {}): Capabilities {
  const caps = { ...VERIFIED_CAPABILITIES, ...partial };
  const check = <T extends string>(field: string, values: readonly T[], all: readonly T[]): void => {
    const bad = values.filter((v) => !all.includes(v));
    if (values.length === 0 || bad.length > 0) {
      throw new TypeError(`createRelay: capabilities.${field} must be a non-empty subset of ${all.join(', ')}`);
    }
  };
  check('resolutions', caps.resolutions, ALL_CAPABILITIES.resolutions);
  check('aspectRatios', caps.aspectRatios, ALL_CAPABILITIES.aspectRatios);
  check('outputFormats', caps.outputFormats, ALL_CAPABILITIES.outputFormats);
  if (!Number.isInteger(caps.maxReferences) || caps.maxReferences < 0 || caps.maxReferences > ALL_CAPABILITIES.maxReferences) {
    throw new TypeError(`createRelay: capabilities.maxReferences must be an integer from 0 to ${ALL_CAPABILITIES.maxReferences}`);
  }
  if (typeof caps.textToImage !== 'boolean') throw new TypeError('createRelay: capabilities.textToImage must be true or false');
  if (!caps.textToImage && caps.maxReferences === 0) {
    throw new TypeError('createRelay: capabilities allow no request (maxReferences 0 takes prompts alone: set textToImage: true)');
  }
  return Object.freeze(caps);
}

/**
 * Creates a relay: the route's whole behaviour, independent of any web framework.
 *
 * @example
 * const relay = createRelay({ carriers: [geminiCarrier({ id: 'g1', apiKey })], storage: localDiskStorage({ dir, publicBaseUrl }) });
 * app.use(imagesRouter(relay));
 */
export function createRelay(options: RelayOptions): Relay {
  if (!options.storage) throw new TypeError('createRelay: storage is required');
  const ids = new Set<string>();
  for (const carrier of options.carriers ?? []) {
    if (ids.has(carrier.id)) throw new TypeError(`createRelay: duplicate carrier id '${carrier.id}'`);
    ids.add(carrier.id);
  }
  const capabilities = resolveCapabilities(options.capabilities);
  const limits = options.limits ?? {};
  const emit = safeEmitter(options.onEvent);
  const references = createReferenceFetcher(options.references);
  const routing = resolveRouting(options.routing);
  const router = new CarrierRouter(options.carriers ?? [], routing, emit);
  const artifactPrefix = artifactPrefixOf(options.artifactPrefix);
  const imageConcurrency = limits.imageConcurrency ?? 4;
  if (!Number.isInteger(imageConcurrency) || imageConcurrency < 1) throw new TypeError('createRelay: limits.imageConcurrency must be an integer >= 1');
  // Aborted when a close()'s grace period is over: cancels what is still running. Every request in
  // flight listens to it: that is no leak, whatever their number.
  const shutdown = new AbortController();
  setMaxListeners(Number.POSITIVE_INFINITY, shutdown.signal);
  const contract = { capabilities, maxPromptLength: limits.maxPromptLength ?? 8192, maxImages: limits.maxImages ?? 4 };
  const deps = {
    parse: createRequestParser(contract),
    references,
    router,
    admission: new Admission(routing.maxInFlight),
    storage: options.storage,
    artifactPrefix,
    imageConcurrency,
    deadlineMs: limits.deadlineMs ?? 300_000,
    textToImage: capabilities.textToImage,
    shutdown: shutdown.signal,
    emit,
    archiveB64Json: options.archive?.b64Json ?? true,
  };
  const generate = (body: unknown, generateOptions?: GenerateOptions): Promise<ImagesResponse> => generateImages(body, deps, generateOptions);
  const routePath = options.routePath ?? '/v1/images/generations';
  const maxBodyBytes = limits.maxBodyBytes ?? 1024 * 1024;
  const routes = extraRoutes(options, {
    contract,
    routePath,
    maxBodyBytes,
    ...(options.authorize ? { authorize: options.authorize } : {}),
    emit,
    admissible: () => deps.admission.check(),
    closing: deps.admission.closing,
    edit: (body, images, editOptions) => generateImages(body, deps, editOptions, images),
  });
  let closing: Promise<void> | undefined;
  const graceTimers: NodeJS.Timeout[] = [];
  const http = createFetchHandler({
    routePath,
    artifactPrefix,
    maxBodyBytes,
    storage: options.storage,
    ...(options.authorize ? { authorize: options.authorize } : {}),
    emit,
    generate,
    routes,
    closing: deps.admission.closing,
  });
  const relay: Relay = {
    generate,
    fetch: http.fetch,
    owns: http.owns,
    capabilities,
    carriers: () => router.states(),
    resetCarrierHealth: (carrierId) => router.resetHealth(carrierId),
    close(closeOptions = {}) {
      const { graceMs } = closeOptions;
      if (graceMs !== undefined && !(typeof graceMs === 'number' && graceMs >= 0)) {
        return Promise.reject(new TypeError(`relay.close: graceMs must be a number >= 0 (Infinity: no limit), got ${String(graceMs)}`));
      }
      // Node's timers cannot wait longer than 2^31-1 ms (they fire at once instead): that is no limit.
      if (graceMs !== undefined && graceMs <= MAX_TIMER_MS && !shutdown.signal.aborted) {
        const timer = setTimeout(() => shutdown.abort(), graceMs);
        // The grace period must not keep a process alive that has nothing else to do.
        timer.unref();
        graceTimers.push(timer);
      }
      // New requests are refused (503 relay_shutting_down); those admitted finish on open connection
      // pools, and only then are the pools closed: a shutdown never fails a request half-way (unless
      // its grace period ends), nor counts a pool closed under a call as a failure of its carrier.
      closing ??= deps.admission.drain().then(async () => {
        for (const timer of graceTimers.splice(0)) clearTimeout(timer);
        await Promise.allSettled([references.close(), ...(options.carriers ?? []).map((c) => (c as { close?: () => Promise<void> }).close?.())]);
      });
      return closing;
    },
  };
  // The Node bridge serves the JSON routes from this, without building Web objects.
  return Object.assign(relay, { [jsonRoutes]: http.jsonRoute });
}

