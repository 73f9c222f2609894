import type { Authorize } from '../auth/authorize.js';
import type { Capabilities } from '../contract/capabilities.js';
import type { Carrier } from '../carriers/carrier.js';
import type { RelayEventListener } from '../events/relay-events.js';
import type { EditsOptions } from '../http/edits-route.js';
import type { OpenApiOptions } from '../http/openapi.js';
import type { ReferenceOptions } from '../references/reference-options.js';
import type { RoutingOptions } from '../routing/routing-options.js';
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
  /** Upstream accounts. Their order does not matter: `priority` (lower first) and `weight` decide; give a backup a higher `priority`. */
  carriers: Carrier[];
  /** Where generated images are archived. */
  storage: Storage;
  /** Enabled capabilities; default: the contract's Verified set. */
  capabilities?: Partial<Capabilities>;
  limits?: RelayLimits;
  /** Download rules for `image_input`. */
  references?: ReferenceOptions;
  /**
   * Server-side routing across carriers: the multi-reference rule, attempts and backoff, the circuit
   * breaker, the relay-wide in-flight limit and operator pinning. See {@link RoutingOptions}.
   */
  routing?: RoutingOptions;
  /** Path of the route. Default `/v1/images/generations`. */
  routePath?: string;
  /** First folder of artifact keys and the URL path they are served under. Default `task-artifacts`. */
  artifactPrefix?: string;
  /**
   * Who is calling, checked before the body is read (see `bearerApiKeys`). Without it, protect the
   * route with the host app's own middleware. Artifact URLs are not checked: they are unguessable
   * capability URLs, like the public URLs of an object store.
   */
  authorize?: Authorize;
  /** Structured events (billing, logs, metrics). */
  onEvent?: RelayEventListener;
  /** `POST /v1/images/edits` (multipart uploads of references, as OpenAI's `images.edit` sends). Off by default. */
  edits?: EditsOptions;
  /** The OpenAPI 3.1 document of the route. On by default at `/v1/images/openapi.json`; `false` turns it off. */
  openapi?: OpenApiOptions | false;
  /** What is archived. */
  archive?: {
    /**
     * Archive images answered inline (`response_format: 'b64_json'`) too, so that they also get a URL
     * and an `image.archived` event. Default true; false keeps those images out of storage.
     */
    b64Json?: boolean;
  };
}
