import { nodeHandler, type Relay } from '@banana-relay/core';
import { Router } from 'express';

/** Options of {@link imagesRouter}. */
export interface ImagesRouterOptions {
  /** Path of the generation route, relative to where the router is mounted. Default: the relay's (`/v1/images/generations`). */
  path?: string;
}

/**
 * An Express router that mounts the relay: `POST /v1/images/generations` (path configurable) and,
 * for local storages, `GET`/`HEAD` of the artifact files. Every other path goes on to the host app.
 * Works after `express.json()` too (the parsed body is used), but then a malformed or oversized body
 * is answered by body-parser, in Express's error format: mount the router before `express.json()` to
 * keep every error of the route in OpenAI's shape.
 *
 * @example app.use(imagesRouter(relay));
 */
export function imagesRouter(relay: Relay, options: ImagesRouterOptions = {}): Router {
  const router = Router();
  // Inside a router, `req.url` is relative to the mount point: exactly the path the relay should see.
  router.use(nodeHandler(relay, options));
  return router;
}
