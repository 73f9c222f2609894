import { ALL_CAPABILITIES, VERIFIED_CAPABILITIES, type Capabilities } from '../contract/capabilities.js';
import { createRequestParser } from '../contract/parse-request.js';
import { safeEmitter } from '../events/relay-events.js';
import { createFetchHandler, type FetchHandler, type FetchOptions } from '../http/fetch-handler.js';
import { createReferenceFetcher } from '../references/reference-fetcher.js';
import { CarrierRouter, DEFAULT_ROUTING_POLICY } from '../routing/carrier-router.js';
import { DEFAULT_ARTIFACT_PREFIX } from '../storage/artifact-key.js';
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
  /** Releases connection pools. */
  close(): Promise<void>;
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
  const router = new CarrierRouter(options.carriers ?? [], { ...DEFAULT_ROUTING_POLICY, ...options.routing }, emit);
  const artifactPrefix = options.artifactPrefix ?? DEFAULT_ARTIFACT_PREFIX;
  const deps = {
    parse: createRequestParser({
      capabilities,
      maxPromptLength: limits.maxPromptLength ?? 8192,
      maxImages: limits.maxImages ?? 4,
      allowDataUrls: options.references?.allowDataUrls ?? false,
    }),
    references,
    router,
    storage: options.storage,
    artifactPrefix,
    imageConcurrency: limits.imageConcurrency ?? 4,
    deadlineMs: limits.deadlineMs ?? 300_000,
    emit,
  };
  const generate = (body: unknown, generateOptions?: GenerateOptions): Promise<ImagesResponse> => generateImages(body, deps, generateOptions);
  const http = createFetchHandler({
    routePath: options.routePath ?? '/v1/images/generations',
    artifactPrefix,
    maxBodyBytes: limits.maxBodyBytes ?? 1024 * 1024,
    storage: options.storage,
    generate,
  });
  return {
    generate,
    fetch: http.fetch,
    owns: http.owns,
    capabilities,
    async close() {
      await Promise.allSettled([
        references.close(),
        ...(options.carriers ?? []).map((c) => (c as { close?: () => Promise<void> }).close?.()),
      ]);
    },
  };
}

