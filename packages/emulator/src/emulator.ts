import type { AddressInfo } from 'node:net';
import { OUTPUT_SIZES, type AspectRatio, type Resolution } from '@banana-relay/core';
import type { EmulatorContext } from './context.js';
import { CredentialAuthority, type ServiceAccountCredentials } from './credentials.js';
import { FaultQueue, type Fault, type ScriptOptions } from './faults.js';
import { GcsStore, type GcsEmulator } from './gcs/gcs-store.js';
import { prerenderBase } from './generate/answer-images.js';
import type { RecordedRequest } from './recorded-request.js';
import { ImageRenderer } from './render/image-renderer.js';
import { createEmulatorServer } from './server.js';

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /** Interface to listen on (default `127.0.0.1`). */
  host?: string;
  /** Port (default 0: any free port). */
  port?: number;
  /** Valid Gemini API keys. Omitted: any non-empty key is accepted. */
  apiKeys?: string[];
  /** Minimum time before every generateContent answer, in ms (default 0), to emulate a slow upstream. */
  latencyMs?: number;
  /** Lifetime of the access tokens the token endpoint issues (default 3600). */
  tokenTtlSeconds?: number;
  /** Known Vertex projects. Omitted: any project is accepted. The first is the service account's project. */
  projects?: string[];
  /**
   * Requests kept in {@link Emulator.requests} (default 10 000); past it the oldest are dropped, so a
   * long-running emulator (the demo, the bin) does not grow without bound. `reset()` empties it.
   */
  maxRecordedRequests?: number;
}

/** An image size and format to render ahead of time. */
export interface PrerenderSpec {
  resolution: Resolution;
  /** One of the ten supported ratios, e.g. `'16:9'` (checked at run time too, for JavaScript callers). */
  aspectRatio: AspectRatio;
  /** Default `png`. */
  format?: 'png' | 'jpeg';
}

/** A running emulator. */
export interface Emulator {
  /** Base URL for both the Gemini API and the Vertex AI paths, e.g. `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  /** `${url}/token`: the OAuth token endpoint named in {@link Emulator.serviceAccount}. */
  readonly tokenUri: string;
  /** Service-account credentials whose key the token endpoint trusts. */
  readonly serviceAccount: ServiceAccountCredentials;
  /** The requests received, in order (the last `maxRecordedRequests` of them). */
  readonly requests: RecordedRequest[];
  /**
   * Cloud Storage on the same base URL (JSON API uploads and object calls, XML API reads with V4 signed
   * URLs): create buckets here, point `@google-cloud/storage` at {@link Emulator.url} as `apiEndpoint`.
   * Buckets and objects live in memory for the emulator's lifetime (`reset()` leaves them).
   */
  readonly gcs: GcsEmulator;
  /**
   * Queues faults. Each generateContent request consumes the first queued entry whose `match` fits;
   * every fault applies to `times` requests (default 1).
   */
  script(fault: Fault | Fault[], options?: ScriptOptions): void;
  /** Clears queued faults and recorded requests. */
  reset(): void;
  /** Renders images into the cache ahead of time, so benchmarks measure the relay, not the emulator. */
  prerender(specs: PrerenderSpec[]): Promise<void>;
  /** Closes the server and every open socket, hung requests included. */
  close(): Promise<void>;
}

const DEFAULT_PROJECT = 'banana-emulator';

/** Starts an emulator of Google's generateContent REST API (Gemini API and Vertex AI) on loopback. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const host = options.host ?? '127.0.0.1';
  const requests: RecordedRequest[] = [];
  const faults = new FaultQueue();
  const renderer = new ImageRenderer();
  const authority = await CredentialAuthority.create(options.projects?.[0] ?? DEFAULT_PROJECT, options.tokenTtlSeconds ?? 3600);
  const ctx: EmulatorContext = {
    apiKeys: options.apiKeys ? new Set(options.apiKeys) : undefined,
    projects: options.projects ? new Set(options.projects) : undefined,
    latencyMs: options.latencyMs ?? 0,
    maxRecordedRequests: options.maxRecordedRequests ?? 10_000,
    faults,
    requests,
    renderer,
    authority,
    gcs: new GcsStore(),
  };

  const { server, close } = createEmulatorServer(ctx);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const tokenUri = `${url}/token`;
  authority.setTokenUri(tokenUri);

  return {
    url,
    port,
    tokenUri,
    serviceAccount: authority.serviceAccount,
    requests,
    gcs: ctx.gcs,
    script: (fault, scriptOptions) => faults.push(fault, scriptOptions),
    reset: () => {
      faults.clear();
      requests.length = 0;
    },
    prerender: async (specs) => {
      for (const spec of specs) {
        const sizes = OUTPUT_SIZES[spec.aspectRatio] as (typeof OUTPUT_SIZES)[AspectRatio] | undefined;
        const size = sizes?.[spec.resolution];
        if (!size) throw new RangeError(`prerender(): unsupported size ${spec.resolution} ${spec.aspectRatio}`);
        await prerenderBase(renderer, size[0], size[1], spec.format ?? 'png');
      }
    },
    close,
  };
}
