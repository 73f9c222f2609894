import type { Relay } from '@banana-relay/core';
import { imagesRouter } from '@banana-relay/express';
import type { PrometheusMetrics } from '@banana-relay/core/metrics';
import express, { type Express } from 'express';
import { playgroundRouter } from './playground/playground-router.js';
import { SAMPLE_NAMES, sampleReferencesRouter } from './sample-references.js';

/** Options of {@link createApp}. */
export interface AppOptions {
  /** Serves `GET /metrics` from these (pass the same object's `onEvent` to createRelay). */
  metrics?: PrometheusMetrics;
}

/** The host app: its own routes, plus the relay mounted in one line. */
export async function createApp(relay: Relay, options: AppOptions = {}): Promise<Express> {
  const app = express();
  const { metrics } = options;
  if (metrics) {
    app.get('/metrics', async (_req, res) => {
      res.type(metrics.contentType).send(await metrics.metrics());
    });
  }
  app.use(
    await playgroundRouter({
      route: '/v1/images/generations',
      openapi: '/v1/images/openapi.json',
      health: '/healthz',
      samples: SAMPLE_NAMES.map((name) => `/samples/${name}`),
    }),
  );
  // Each carrier's state (in rotation or cooling down until when, in flight, failures) for monitoring.
  app.get('/healthz', (_req, res) => {
    const carriers = relay.carriers();
    res.json({ ok: true, carriersAvailable: carriers.filter((c) => c.available).length, carriers });
  });
  app.use('/samples', await sampleReferencesRouter());
  app.use(imagesRouter(relay));
  return app;
}
