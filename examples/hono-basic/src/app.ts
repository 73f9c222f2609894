import type { Relay } from '@banana-relay/core';
import { Hono } from 'hono';

/** A Hono host app: the relay is served by its Web-standard handler, with no adapter package at all. */
export function createApp(relay: Relay): Hono {
  const app = new Hono();
  app.get('/', (c) => c.text('a Hono app with banana-relay mounted'));
  // Everything the relay owns (the route, artifact files, the OpenAPI document, optional edits) goes to it.
  app.use('*', async (c, next) => (relay.owns(new URL(c.req.url).pathname) ? relay.fetch(c.req.raw) : next()));
  return app;
}
