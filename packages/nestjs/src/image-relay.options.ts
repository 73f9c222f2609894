import type { RelayOptions } from '@banana-relay/core';

/** Options of `ImageRelayModule.forRoot` (or what the `forRootAsync` factory returns): the relay's own options. */
export interface ImageRelayModuleOptions extends RelayOptions {
  /**
   * On application shutdown, how long requests in flight may still run before they are cancelled
   * with 503 `relay_shutting_down` (`relay.close({ graceMs })`). Default: until each one's deadline.
   */
  shutdownGraceMs?: number;
}

/** Static settings of the module, given to both `forRoot` and `forRootAsync` (routes must be known before the app starts). */
export interface ImageRelayModuleExtras {
  /** Register the module globally. Default false. */
  isGlobal?: boolean;
  /** Path of the generation route. Default `/v1/images/generations`. */
  path?: string;
  /**
   * First folder of artifact URLs served by the module. Default `task-artifacts`. The relay writes
   * its artifacts there too: leave the relay options' `artifactPrefix` out (if given, it must match).
   */
  artifactPrefix?: string;
  /**
   * Other paths the relay serves when its options turn them on. Default: the OpenAPI document
   * (`/v1/images/openapi.json`) and the optional uploads route (`/v1/images/edits`).
   */
  extraPaths?: string[];
}


/** Injection token of the running core `Relay` (the same object as `ImageRelayService.relay`). */
export const IMAGE_RELAY = Symbol('banana-relay:relay');

/** Injection token of the module's artifact folder (its `artifactPrefix` extra, normalized). */
export const IMAGE_RELAY_ARTIFACT_PREFIX = Symbol('banana-relay:artifact-prefix');
