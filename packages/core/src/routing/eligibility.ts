import type { Carrier } from '../carriers/carrier.js';
import type { AspectRatio, Resolution } from '../contract/capabilities.js';
import type { RoutingPolicy } from './routing-options.js';

/** What routing needs to know of a request before anything is downloaded. */
export interface RouteSpec {
  references: number;
  resolution: Resolution;
  /** Omitted: the model follows the input. */
  aspectRatio?: AspectRatio | undefined;
}

/** Why a carrier may never take a request, whatever its health. */
export type Ineligibility = 'official_only' | 'references' | 'resolution' | 'aspect_ratio';

/** Whether the multi-reference rule restricts this request to official carriers. */
export function officialOnly(spec: RouteSpec, policy: RoutingPolicy): boolean {
  return spec.references >= policy.officialOnlyFromReferences;
}

/** Why `carrier` may not take this request (the routing policy, then its declared limits), or undefined. */
export function ineligibility(carrier: Carrier, spec: RouteSpec, policy: RoutingPolicy): Ineligibility | undefined {
  if (officialOnly(spec, policy) && !carrier.official) return 'official_only';
  if (carrier.maxReferenceImages !== undefined && spec.references > carrier.maxReferenceImages) return 'references';
  if (carrier.resolutions !== undefined && !carrier.resolutions.includes(spec.resolution)) return 'resolution';
  if (spec.aspectRatio !== undefined && carrier.aspectRatios !== undefined && !carrier.aspectRatios.includes(spec.aspectRatio)) {
    return 'aspect_ratio';
  }
  return undefined;
}
