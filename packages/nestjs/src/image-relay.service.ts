import { artifactPrefixOf, createRelay, type CarrierState, type GenerateOptions, type ImagesResponse, type Relay } from '@banana-relay/core';
import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { answersWritten } from './answers-in-flight.js';
import { MODULE_OPTIONS_TOKEN } from './image-relay.module-definition.js';
import { IMAGE_RELAY_ARTIFACT_PREFIX, type ImageRelayModuleOptions } from './image-relay.options.js';

/** How long the shutdown waits for answers still being written, when no `shutdownGraceMs` bounds it. */
const ANSWERS_WAIT_MS = 30_000;

/** The relay as a Nest provider: host code calls it without HTTP. */
@Injectable()
export class ImageRelayService implements BeforeApplicationShutdown {
  /** The core relay (for `fetch`, `capabilities` and anything not wrapped here). */
  readonly relay: Relay;
  readonly #shutdownGraceMs: number | undefined;

  constructor(@Inject(MODULE_OPTIONS_TOKEN) options: ImageRelayModuleOptions, @Inject(IMAGE_RELAY_ARTIFACT_PREFIX) artifactPrefix: string) {
    const own = options.artifactPrefix === undefined ? undefined : artifactPrefixOf(options.artifactPrefix);
    // Two different folders would archive images where the module serves nothing: refused at startup.
    if (own !== undefined && own !== artifactPrefix) {
      throw new TypeError(`ImageRelayModule: the relay's artifactPrefix '${own}' differs from the module's '${artifactPrefix}': set it once, in the module's forRoot/forRootAsync extras.`);
    }
    const { shutdownGraceMs, ...relayOptions } = options;
    // Checked at startup: at shutdown, a bad value would leave the relay open (Nest only logs hook errors).
    if (shutdownGraceMs !== undefined && !(typeof shutdownGraceMs === 'number' && shutdownGraceMs >= 0)) {
      throw new TypeError(`ImageRelayModule: shutdownGraceMs must be a number >= 0 (Infinity: no limit), got ${JSON.stringify(shutdownGraceMs)}`);
    }
    this.#shutdownGraceMs = shutdownGraceMs;
    this.relay = createRelay({ ...relayOptions, artifactPrefix });
  }

  /** Generates images from a request body; resolves to an `ImagesResponse` (`{ created, data, output_format, size }`) or throws a RelayError. */
  generate(body: unknown, options?: GenerateOptions): Promise<ImagesResponse> {
    return this.relay.generate(body, options);
  }

  /** Each carrier's state (health, in flight), when the relay reports it. */
  carriers(): CarrierState[] {
    return this.relay.carriers();
  }

  /**
   * Drains the relay while the HTTP server still runs (Nest closes it right after this hook, and
   * calls `onApplicationShutdown` only once it is closed): new requests get 503
   * `relay_shutting_down`, those in flight are answered (within `shutdownGraceMs`).
   */
  async beforeApplicationShutdown(): Promise<void> {
    const started = Date.now();
    await this.relay.close(this.#shutdownGraceMs === undefined ? {} : { graceMs: this.#shutdownGraceMs });
    // Requests are over; their answers may still be on their way out (a 4K b64_json is 33 MB), but a
    // client that stopped reading must not hold the shutdown: without a grace period, 30 s at most.
    const left = this.#shutdownGraceMs === undefined ? ANSWERS_WAIT_MS : Math.max(0, this.#shutdownGraceMs - (Date.now() - started));
    await answersWritten(this.relay, left);
  }
}
