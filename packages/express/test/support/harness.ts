import { mkdtemp, readdir, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createRelay,
  geminiCarrier,
  localDiskStorage,
  vertexCarrier,
  type Carrier,
  type Relay,
  type RelayEvent,
  type RelayOptions,
  type Storage,
} from '@banana-relay/core';
import { startEmulator, type Emulator } from '@banana-relay/emulator';
import { imagesRouter } from '@banana-relay/express';
import express from 'express';
import supertest from 'supertest';
import { startImageHost, type ImageHost } from './image-host.js';

/** The test API key of the Gemini carrier (asserted never to leak). */
export const GEMINI_KEY = 'AIzaTestKey-never-shown-0123456789abcdef';

/** A host app with the relay mounted, an emulator behind it and an image host beside it, all on loopback. */
export interface Harness {
  emulator: Emulator;
  images: ImageHost;
  relay: Relay;
  server: Server;
  origin: string;
  http: ReturnType<typeof supertest>;
  events: RelayEvent[];
  storageDir: string;
  close(): Promise<void>;
}

/** What a test may change; `carriers` builds carriers against the emulator. */
export interface HarnessOptions extends Partial<Omit<RelayOptions, 'carriers' | 'storage'>> {
  carriers?: (emulator: Emulator) => Carrier[];
  mountPath?: string;
  /** Where images are archived; default local disk in `storageDir`, served by the relay. */
  storage?: Storage;
}

/** A Gemini API carrier on the emulator. */
export function emulatedGemini(emulator: Emulator, id = 'gemini', extra: Partial<Parameters<typeof geminiCarrier>[0]> = {}): Carrier {
  return geminiCarrier({ id, apiKey: GEMINI_KEY, baseUrl: emulator.url, ...extra });
}

/** A Vertex AI carrier on the emulator, authenticated through its token endpoint. */
export function emulatedVertex(emulator: Emulator, id = 'vertex', extra: Partial<Parameters<typeof vertexCarrier>[0]> = {}): Carrier {
  return vertexCarrier({ id, project: emulator.serviceAccount.project_id, credentials: emulator.serviceAccount, baseUrl: emulator.url, ...extra });
}

/** Starts everything; the default carrier is one Gemini API carrier. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const { carriers, mountPath, references, storage, ...rest } = options;
  const emulator = await startEmulator();
  const images = await startImageHost();
  const storageDir = await mkdtemp(join(tmpdir(), 'banana-relay-test-'));
  const events: RelayEvent[] = [];
  const app = express();
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const relay = createRelay({
    carriers: carriers ? carriers(emulator) : [emulatedGemini(emulator)],
    // Mounted under a path, the artifacts are served under it too: the README's recipe.
    storage: storage ?? localDiskStorage({ dir: storageDir, publicBaseUrl: `${origin}${mountPath ?? ''}` }),
    references: { allowHosts: [images.hostPort], ...references },
    onEvent: (event) => events.push(event),
    ...rest,
    // Most tests send a prompt alone: text to image (Beta, off by default) is on unless a test says otherwise.
    capabilities: { textToImage: true, ...rest.capabilities },
  });
  if (mountPath) app.use(mountPath, imagesRouter(relay));
  else app.use(imagesRouter(relay));
  app.use((_req, res) => void res.status(404).json({ host: 'not found' }));
  return {
    emulator,
    images,
    relay,
    server,
    origin,
    http: supertest(server),
    events,
    storageDir,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await relay.close();
      await emulator.close();
      await images.close();
      await rm(storageDir, { recursive: true, force: true });
    },
  };
}

/** The names of every file under `dir` (an artifact folder), at any depth. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => e.name);
}

/** The path part of an artifact URL, for fetching it through the test server. */
export function pathOf(url: string): string {
  const u = new URL(url);
  return u.pathname + u.search;
}

/** supertest parser that keeps binary bodies as Buffers. */
export function binary(response: supertest.Response, callback: (err: Error | null, body: Buffer) => void): void {
  // At parse time supertest hands over the raw response stream, typed as its Response.
  const res = response as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
  res.on('error', (err: Error) => callback(err, Buffer.alloc(0)));
}
