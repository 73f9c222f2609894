import type { ServerResponse } from 'node:http';
import { cooperate } from '../scheduling/turn-budget.js';
import type { FetchOptions } from './fetch-handler.js';
import { clientGoneSignal, sendWebResponse, toWebRequest, type NodeRequestLike } from './node-bridge.js';

/** The part of a relay a Node handler needs. */
export interface NodeHandlerTarget {
  fetch(request: Request, options?: FetchOptions): Promise<Response>;
  owns(pathname: string, options?: FetchOptions): boolean;
}

/** Options of {@link nodeHandler}. */
export interface NodeHandlerOptions {
  /** Path of the generation route. Default: the relay's (`/v1/images/generations`). */
  path?: string;
}

/** A connect-style Node handler: `next` passes a request on (or reports an error) to the host. */
export type NodeHandler = (req: NodeRequestLike, res: ServerResponse, next?: (err?: unknown) => void) => void;

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
    const pathname = new URL(url, 'http://relay.local').pathname;
    if (!relay.owns(pathname, fetchOptions) && next) {
      next();
      return;
    }
    const signal = clientGoneSignal(res);
    // Taking a request in (and sending its answer) is CPU work: in a burst it waits its turn (see turn-budget).
    Promise.resolve(cooperate())
      .then(() => relay.fetch(toWebRequest(req, url, signal), fetchOptions))
      .then(async (response) => {
        await cooperate();
        await sendWebResponse(response, res);
      })
      .catch((err: unknown) => {
        if (next && !res.headersSent) next(err);
        else res.destroy(err instanceof Error ? err : undefined);
      });
  };
}
