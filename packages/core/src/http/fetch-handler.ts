import type { Authorize } from '../auth/authorize.js';
import { RelayError } from '../contract/errors.js';
import type { EmitRelayEvent } from '../events/relay-events.js';
import { unlessClosing } from '../routing/admission.js';
import { cooperate } from '../scheduling/turn-budget.js';
import type { GenerateOptions } from '../relay/generate-images.js';
import type { ImagesResponse } from '../relay/images-response.js';
import type { Storage } from '../storage/storage.js';
import { webIncoming, type Incoming } from './incoming.js';
import { errorResponse, webResponse, type JsonAnswer } from './json-response.js';
import { readJsonBody } from './read-json-body.js';
import { servePost } from './post-route.js';
import { artifactKeyFromPath, serveArtifact } from './serve-artifact.js';

/** What the Fetch-standard handler serves. */
export interface FetchHandlerSettings {
  routePath: string;
  artifactPrefix: string;
  maxBodyBytes: number;
  storage: Storage;
  /** Who is calling; runs before the body is read. */
  authorize?: Authorize;
  /** Where requests refused before the generation report their `request.finished`. */
  emit: EmitRelayEvent;
  generate: (body: unknown, options: GenerateOptions) => Promise<ImagesResponse>;
  /** Further routes at exact paths (the OpenAPI document, the edits route). */
  routes?: ExtraRoute[];
  /** Aborted when the relay starts closing: a body still being read is then answered 503. */
  closing?: AbortSignal;
}

/** A further route of the relay, served at an exact path: over Web objects, or (a POST route answering JSON) over an {@link Incoming}. */
export type ExtraRoute =
  | { path: string; handle: (request: Request, options: FetchOptions) => Promise<Response> | Response }
  | { path: string; answer: JsonRoute };

/** A route answering JSON, served from Web and Node requests alike. */
export type JsonRoute = (request: Incoming) => Promise<JsonAnswer>;

/** Per-call options of `relay.fetch`. */
export interface FetchOptions {
  /** Overrides the route path (adapters mounting the route elsewhere). */
  routePath?: string;
}

/** A Web-standard handler: the route and, for storages the relay serves, the artifact files. */
export type FetchHandler = (request: Request, options?: FetchOptions) => Promise<Response>;

/** The handler, and the question adapters ask before handing a request over. */
export interface HttpSurface {
  fetch: FetchHandler;
  /**
   * Whether a path belongs to the relay (the route, or the artifact files it serves). Adapters that
   * sit in front of a whole app pass every other path on to the host untouched.
   */
  owns(pathname: string, options?: FetchOptions): boolean;
  /**
   * The route answering `pathname` in JSON (the generation route, the edits route), or undefined
   * (then only `fetch` serves it). The Node bridge calls it directly, with no Web objects.
   */
  jsonRoute(pathname: string, options?: FetchOptions): JsonRoute | undefined;
}

/** Builds the Request → Response handler every adapter delegates to. */
export function createFetchHandler(settings: FetchHandlerSettings): HttpSurface {
  const artifactsServed = typeof settings.storage.read === 'function';
  const artifactRoot = `/${settings.artifactPrefix}/`;
  const isRoute = (pathname: string, options: FetchOptions): boolean => {
    const routePath = options.routePath ?? settings.routePath;
    return pathname === routePath || pathname === `${routePath}/`;
  };
  const isArtifact = (pathname: string): boolean => artifactsServed && pathname.startsWith(artifactRoot);
  const extraRoute = (pathname: string): ExtraRoute | undefined => settings.routes?.find((r) => pathname === r.path || pathname === `${r.path}/`);
  const generation: JsonRoute = (request) => handleGeneration(request, settings);
  const jsonRoute = (pathname: string, options: FetchOptions = {}): JsonRoute | undefined => {
    if (isRoute(pathname, options)) return generation;
    const extra = extraRoute(pathname);
    return extra !== undefined && 'answer' in extra ? extra.answer : undefined;
  };
  return {
    owns: (pathname, options = {}) => isRoute(pathname, options) || isArtifact(pathname) || extraRoute(pathname) !== undefined,
    jsonRoute,
    fetch: async (request, options = {}) => {
      const { pathname } = new URL(request.url);
      const json = jsonRoute(pathname, options);
      if (json) return webResponse(await json(webIncoming(request)));
      const extra = extraRoute(pathname);
      if (extra && 'handle' in extra) return extra.handle(request, options);
      if (isArtifact(pathname)) {
        return serveArtifact(request, settings.storage, artifactKeyFromPath(pathname, settings.artifactPrefix) ?? '');
      }
      return errorResponse(new RelayError(404, `No route for ${request.method} ${pathname}.`, { code: 'not_found' }));
    },
  };
}

async function handleGeneration(request: Incoming, settings: FetchHandlerSettings): Promise<JsonAnswer> {
  // Validation and routing are CPU work: in a burst of requests, each waits its turn (see turn-budget).
  await cooperate();
  return servePost(request, { path: settings.routePath, authorize: settings.authorize, emit: settings.emit }, async (options) =>
    settings.generate(await unlessClosing(readJsonBody(request, settings.maxBodyBytes), settings.closing), options),
  );
}
