import type { Capabilities } from '../contract/capabilities.js';
import type { Carrier } from '../carriers/carrier.js';
import type { RelayEventListener } from '../events/relay-events.js';
import type { ReferenceOptions } from '../references/reference-options.js';
import type { RoutingPolicy } from '../routing/carrier-router.js';
import type { Storage } from '../storage/storage.js';

/** Size and time limits of the route. */
export interface RelayLimits {
  /** Longest prompt, in characters. Default 8 192. */
  maxPromptLength?: number;
  /** Largest `n`. Default 4. */
  maxImages?: number;
  /** Largest request body, in bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Images of one request generated at once. Default 4. */
  imageConcurrency?: number;
  /** Whole-request deadline in ms, covering downloads, retries and archiving. Default 300 000. */
  deadlineMs?: number;
}

/** Options of {@link createRelay}. */
export interface RelayOptions {
  /** Upstream accounts, in preference order. */
  carriers: Carrier[];
  /** Where generated images are archived. */
  storage: Storage;
  /** Enabled capabilities; default: the contract's Verified set. */
  capabilities?: Partial<Capabilities>;
  limits?: RelayLimits;
  /** Download rules for `image_input`. */
  references?: ReferenceOptions;
  /** Server-side routing rules. */
  routing?: Partial<RoutingPolicy>;
  /** Path of the route. Default `/v1/images/generations`. */
  routePath?: string;
  /** First folder of artifact keys and the URL path they are served under. Default `task-artifacts`. */
  artifactPrefix?: string;
  /** Structured events (billing, logs, metrics). */
  onEvent?: RelayEventListener;
}
