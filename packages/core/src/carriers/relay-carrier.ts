import { Pool } from 'undici';
import { RelayError } from '../contract/errors.js';
import { createReferenceFetcher } from '../references/reference-fetcher.js';
import type { ReferenceOptions } from '../references/reference-options.js';
import { linkedSignal } from '../signals/linked-signal.js';
import {
  CarrierError,
  routingSettingsOf,
  type Carrier,
  type CarrierCallContext,
  type CarrierImage,
  type CarrierRequest,
  type CarrierRoutingSettings,
} from './carrier.js';
import { relayImageOf, relayStatusError } from './relay/relay-answer.js';
import { transportError } from './transport-error.js';

const MiB = 1024 * 1024;

/** Options of {@link relayCarrier}. */
export interface RelayCarrierOptions extends CarrierRoutingSettings {
  /** Unique carrier id (events, routing, pinning). */
  id: string;
  /** Where the third-party relay lives, e.g. `https://relay.example.com` (a path prefix is allowed). */
  baseUrl: string;
  /** Its API key, sent as `Authorization: Bearer …` (never logged, never in an error). */
  apiKey: string;
  /** Default false: a third-party relay is not an official carrier, so it never takes multi-reference requests by default. */
  official?: boolean;
  /**
   * Whether the third-party relay takes a prompt alone (text to image). Default false, as a relay on
   * the contract's Verified defaults refuses it: prompt-only requests then go to other carriers.
   */
  textToImage?: boolean;
  /** Model name sent upstream. Default `nano-banana-pro`. */
  model?: string;
  /** Path of its route. Default `/v1/images/generations`. */
  path?: string;
  /** Whole-call time limit in ms (the upstream call and the image download). Default 120 000. */
  timeoutMs?: number;
  /** Calls in flight at once (and the size of its keep-alive pool). Default 16. */
  maxConcurrency?: number;
  /**
   * How to ask for the image. `url` (default) sends no `response_format`, as the public contract
   * has none, and downloads `data[0].url`; `b64_json` sends `response_format: "b64_json"` (for relays
   * that take OpenAI's field) and decodes the answer, sparing a download.
   */
  responseFormat?: 'url' | 'b64_json';
  /** Largest JSON answer, in bytes (a `b64_json` answer included). Default 96 MiB. */
  maxResponseBytes?: number;
  /**
   * How the image it answers with `data[].url` is downloaded: with the same SSRF-safe fetcher as
   * references (private and loopback addresses refused unless listed in `allowHosts`, bytes verified
   * as an image). Defaults: `maxBytes` 64 MiB, `timeoutMs` 60 000.
   */
  download?: Omit<ReferenceOptions, 'allowDataUrls' | 'cache' | 'concurrency'>;
}

const isHttpUrl = (url: string): boolean => /^https?:\/\//i.test(url);

/** Reads a body up to `max` bytes; more is a failure (a relay must not make us buffer without bound). */
async function readBounded(body: AsyncIterable<Buffer> & { destroy(): void }, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) {
      body.destroy();
      throw new CarrierError('unavailable', 'The upstream answer was too large.');
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * A carrier that is another relay speaking this same contract (`POST /v1/images/generations` with
 * `image_input` URLs), typically a third party. It is not official.
 *
 * References: the carrier sends the original `image_input` URLs (kept on each reference as `url`),
 * which the third party downloads itself; the bytes this relay downloaded served validation only.
 * Requests whose references are not http(s) URLs (`data:` under `references.allowDataUrls`) are
 * declined through {@link Carrier.accepts}, so they go to another carrier.
 *
 * Answers: `data[0].b64_json` is decoded; `data[0].url` is downloaded with the SSRF-safe reference
 * fetcher (see `download`). The image is then normalized and archived in our own storage like any other.
 */
export function relayCarrier(options: RelayCarrierOptions): Carrier & { close(): Promise<void> } {
  const url = new URL(options.baseUrl);
  const path = url.pathname.replace(/\/+$/, '') + (options.path ?? '/v1/images/generations');
  const timeoutMs = options.timeoutMs ?? 120_000;
  const maxConcurrency = options.maxConcurrency ?? 16;
  const maxResponseBytes = options.maxResponseBytes ?? 96 * MiB;
  const pool = new Pool(url.origin, { connections: maxConcurrency, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const downloads = createReferenceFetcher({ maxBytes: 64 * MiB, maxTotalBytes: 64 * MiB, timeoutMs: 60_000, ...options.download });
  const headers = { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${options.apiKey}` };

  async function call(request: CarrierRequest, signal: AbortSignal): Promise<CarrierImage> {
    const body = {
      model: options.model ?? 'nano-banana-pro',
      prompt: request.prompt,
      ...(request.references.length > 0 ? { image_input: request.references.map((r) => r.url) } : {}),
      resolution: request.resolution,
      ...(request.aspectRatio === undefined ? {} : { aspect_ratio: request.aspectRatio }),
      output_format: request.outputFormat,
      n: 1,
      ...(options.responseFormat === 'b64_json' ? { response_format: 'b64_json' } : {}),
    };
    const response = await pool.request({ method: 'POST', path, headers, body: JSON.stringify(body), signal });
    const text = (await readBounded(response.body, maxResponseBytes)).toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      if (response.statusCode >= 400) throw relayStatusError(response.statusCode, undefined, response.headers['retry-after'], [options.apiKey]);
      throw new CarrierError('network', 'The upstream answer was cut short.', { status: response.statusCode, cause });
    }
    if (response.statusCode >= 400) throw relayStatusError(response.statusCode, json, response.headers['retry-after'], [options.apiKey]);
    const image = relayImageOf(json);
    if ('bytes' in image) return { bytes: image.bytes };
    try {
      const [downloaded] = await downloads.fetchAll([image.url], { signal });
      if (!downloaded) throw new Error('no image');
      return { bytes: downloaded.bytes, declaredMimeType: downloaded.mimeType };
    } catch (cause) {
      if (signal.aborted || !(cause instanceof RelayError)) throw cause;
      throw new CarrierError('unavailable', 'The image the upstream relay answered could not be downloaded.', { cause });
    }
  }

  return {
    ...routingSettingsOf(options),
    maxConcurrency,
    timeoutMs,
    id: options.id,
    official: options.official ?? false,
    accepts: (request) => (request.references.length > 0 || options.textToImage === true) && request.references.every((r) => isHttpUrl(r.url)),
    async generate(request: CarrierRequest, context: CarrierCallContext): Promise<CarrierImage> {
      const limit = linkedSignal([context.signal], timeoutMs);
      try {
        return await call(request, limit.signal);
      } catch (err) {
        throw transportError(err, context.signal, limit.timedOut, 'relay');
      } finally {
        limit.dispose();
      }
    },
    async close() {
      await Promise.allSettled([pool.close(), downloads.close()]);
    },
  };
}
