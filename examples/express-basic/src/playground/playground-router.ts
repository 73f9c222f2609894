import { readFile } from 'node:fs/promises';
import { Router } from 'express';

/** Where the page's requests go. */
export interface PlaygroundConfig {
  /** The generation route. */
  route: string;
  /** The OpenAPI document (the page reads the enabled values from it). */
  openapi: string;
  /** The health endpoint reporting `carriers` (relay.carriers()). */
  health: string;
  /** Sample reference images served by the app. */
  samples: string[];
}

const FILES = {
  'index.html': 'text/html; charset=utf-8',
  'playground.js': 'text/javascript; charset=utf-8',
  'playground.css': 'text/css; charset=utf-8',
} as const;

/**
 * The playground: a page at `/` (plain HTML and a small script under `/playground/`) that sends the
 * form to the route and shows the images, each request's timing and the carriers' state.
 */
export async function playgroundRouter(config: PlaygroundConfig): Promise<Router> {
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const [name, type] of Object.entries(FILES)) {
    files.set(name, { body: await readFile(new URL(`./${name}`, import.meta.url)), type });
  }
  const send = (name: keyof typeof FILES) => (_req: unknown, res: import('express').Response) => {
    const file = files.get(name)!;
    // A demo page: no caching, so edits show on reload; no framing or sniffing.
    res.set({ 'content-type': file.type, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY' }).send(file.body);
  };
  const router = Router();
  router.get('/', send('index.html'));
  router.get('/playground/playground.js', send('playground.js'));
  router.get('/playground/playground.css', send('playground.css'));
  router.get('/playground/config.json', (_req, res) => {
    res.json(config);
  });
  return router;
}
