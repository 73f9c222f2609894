import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Relay } from '@banana-relay/core';
import { Router, type Request as ExpressRequest, type Response as ExpressResponse, type NextFunction } from 'express';

/** Options of {@link imagesRouter}. */
export interface ImagesRouterOptions {
  /** Path of the generation route, relative to where the router is mounted. Default: the relay's (`/v1/images/generations`). */
  path?: string;
}

/** The request body as the relay expects it: the raw stream, or what a body parser upstream already read. */
function bodyOf(req: ExpressRequest): BodyInit | undefined {
  if (req.method === 'GET' || req.method === 'HEAD') return undefined;
  const parsed: unknown = req.body;
  if (Buffer.isBuffer(parsed)) return new Uint8Array(parsed);
  if (typeof parsed === 'string') return parsed;
  if (parsed !== undefined && typeof parsed === 'object') return JSON.stringify(parsed);
  return Readable.toWeb(req) as ReadableStream<Uint8Array>;
}

function toWebRequest(req: ExpressRequest, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  // A body parser may have consumed the stream: its length no longer describes what we send.
  if (req.body !== undefined) headers.delete('content-length');
  const body = bodyOf(req);
  return new Request(new URL(req.url, 'http://relay.local'), {
    method: req.method,
    headers,
    signal,
    ...(body === undefined ? {} : { body, duplex: 'half' }),
  } as RequestInit);
}

async function sendWebResponse(response: Response, res: ExpressResponse): Promise<void> {
  res.status(response.status);
  response.headers.forEach((value, name) => res.setHeader(name, value));
  if (!response.body) {
    res.end();
    return;
  }
  await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), res);
}

/**
 * An Express router that mounts the relay: `POST /v1/images/generations` (path configurable) and,
 * for local storages, `GET`/`HEAD` of the artifact files. Every other path goes on to the host app.
 *
 * @example app.use(imagesRouter(relay));
 */
export function imagesRouter(relay: Relay, options: ImagesRouterOptions = {}): Router {
  const router = Router();
  const fetchOptions = options.path === undefined ? {} : { routePath: options.path };
  router.use((req: ExpressRequest, res: ExpressResponse, next: NextFunction) => {
    if (!relay.owns(req.path, fetchOptions)) {
      next();
      return;
    }
    // A client that goes away aborts the upstream call: nobody pays for an image nobody waits for.
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    relay
      .fetch(toWebRequest(req, controller.signal), fetchOptions)
      .then((response) => sendWebResponse(response, res))
      .catch((err: unknown) => {
        if (!res.headersSent) next(err);
        else res.destroy(err instanceof Error ? err : undefined);
      });
  });
  return router;
}
