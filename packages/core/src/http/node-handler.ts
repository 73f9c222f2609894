import type { ServerResponse } from 'node:http';
import { cooperate } from '../scheduling/turn-budget.js';
import type { FetchOptions, JsonRoute } from './fetch-handler.js';
import { clientGoneSignal, sendJsonAnswer, sendWebResponse, toWebRequest } from './node-bridge.js';
import { nodeIncoming, requestUrl, type NodeRequestLike } from './node-incoming.js';

/**
 * Where a relay made by `createRelay` keeps its JSON routes for the Node bridge (not public API:
 * another {@link NodeHandlerTarget} is served through `fetch` alone).
 */
export const jsonRoutes: unique symbol = Symbol('banana-relay.jsonRoutes');

/** The part of a relay a Node handler needs. */
export interface NodeHandlerTarget {
  fetch(request: Request, options?: FetchOptions): Promise<Response>;
  owns(pathname: string, options?: FetchOptions): boolean;
  /** @internal The routes answering JSON, served from the Node request itself. */
  [jsonRoutes]?: (pathname: string, options?: FetchOptions) => JsonRoute | undefined;
}

/** Options of {@link nodeHandler}. */
export interface NodeHandlerOptions {
  /** Path of the generation route. Default: the relay's (`/v1/images/generations`). */
  path?: string;
}

/** A connect-style Node handler: `next` passes a request on (or reports an error) to the host. */
export type NodeHandler = (req: NodeRequestLike, res: ServerResponse, next?: (err?: unknown) => void) => void;

/**
 * Serves one Node request the relay owns and writes its answer. `url` is the path (and query) the
 * relay should see. The POST routes (generation, edits) read the Node request directly and write
 * their JSON in one piece; the other paths go through `fetch`. A client that disconnects aborts the
 * upstream call. Rejects only when the answer could not be written.
 */
export function serveNode(target: NodeHandlerTarget, req: NodeRequestLike, res: ServerResponse, url: string, options: FetchOptions = {}): Promise<void> {
  return serve(target, req, res, url, requestUrl(url).pathname, options);
}


/** {@link serveNode}, given the path already read from `url`. */
async function serve(target: NodeHandlerTarget, req: NodeRequestLike, res: ServerResponse, url: string, pathname: string, options: FetchOptions): Promise<void> {
  const signal = clientGoneSignal(res);
  // Taking a request in (and sending its answer) is CPU work: in a burst it waits its turn (see turn-budget).
  // The generation route waits once more in its handler: keeping only that wait measured worse on a
  // burst of 500 (event-loop p99 about 2 ms higher in five alternating rounds).
  await cooperate();
  const route = target[jsonRoutes]?.(pathname, options);
  if (route !== undefined) {
    const answer = await route(nodeIncoming(req, url, signal));
    await cooperate();
    await sendJsonAnswer(answer, res);
    return;
  }
  const response = await target.fetch(toWebRequest(req, url, signal), options);
  await cooperate();
  await sendWebResponse(response, res);
}

/**
 * Serves the relay from plain `node:http` (or any connect-style stack): requests the relay owns are
 * answered; others go to `next`, or get a 404 when there is none. A client that disconnects aborts
 * the upstream call.
 *
 * @example http.createServer(nodeHandler(relay)).listen(3000);
 */
export function nodeHandler(relay: NodeHandlerTarget, options: NodeHandlerOptions = {}): NodeHandler {
  const fetchOptions: FetchOptions = options.path === undefined ? {} : { routePath: options.path };
  return (req, res, next) => {
    const url = req.url ?? '/';
    const pathname = requestUrl(url).pathname;
    if (!relay.owns(pathname, fetchOptions) && next) {
      next();
      return;
    }
    serve(relay, req, res, url, pathname, fetchOptions).catch((err: unknown) => {
      if (next && !res.headersSent) next(err);
      else res.destroy(err instanceof Error ? err : undefined);
    });
  };
}
