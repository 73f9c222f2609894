import type { Relay } from '@banana-relay/core';
import { imagesRouter } from '@banana-relay/express';
import express, { type Express } from 'express';
import { sampleReferencesRouter } from './sample-references.js';

/** The host app: its own routes, plus the relay mounted in one line. */
export async function createApp(relay: Relay): Promise<Express> {
  const app = express();
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.use('/samples', await sampleReferencesRouter());
  app.use(imagesRouter(relay));
  return app;
}
