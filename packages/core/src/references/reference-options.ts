/** Download rules for `image_input` URLs, set with `createRelay({ references })`. */
export interface ReferenceOptions {
  /**
   * Exact `host:port` entries (e.g. `127.0.0.1:4010`) that may be fetched even though their
   * addresses are otherwise blocked (loopback, private). Nothing else on those addresses is reachable.
   */
  allowHosts?: string[];
  /** Hosts (exact names, or `.example.com` for a domain and its subdomains) never fetched. */
  denyHosts?: string[];
  /** Refuse plain `http:` URLs. Default false. */
  httpsOnly?: boolean;
  /** Redirects followed per reference, each re-checked. Default 3. */
  maxRedirects?: number;
  /** Bytes per reference, enforced while streaming. Default 30 MiB. */
  maxBytes?: number;
  /** Bytes of all references of one request. Default 64 MiB. */
  maxTotalBytes?: number;
  /** Whole-download timeout per reference, in ms. Default 20 000. */
  timeoutMs?: number;
  /** Connect timeout, in ms. Default 5 000. */
  connectTimeoutMs?: number;
  /** Time to response headers, in ms. Default 10 000. */
  headersTimeoutMs?: number;
  /** Pixels (width x height) per reference. Default 50 000 000. */
  maxPixels?: number;
  /** Downloads in flight per request. Default 4. */
  concurrency?: number;
  /** Accept `data:` URLs in `image_input` (not in the public contract). Default false. */
  allowDataUrls?: boolean;
  /** Optional in-memory cache of downloaded references. Off by default. */
  cache?: { maxEntries?: number; maxBytes?: number; ttlMs?: number } | false;
}
