/** One address a host name resolved to. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/**
 * Resolves a host name to ALL of its addresses. Every address is checked, and the connection goes to
 * one of the checked addresses, so a resolver is called once per connection and never trusted twice.
 */
export type ReferenceLookup = (hostname: string) => Promise<ResolvedAddress[]>;

/** Download rules for `image_input` URLs, set with `createRelay({ references })`. */
export interface ReferenceOptions {
  /**
   * Exact `host:port` entries (e.g. `127.0.0.1:4010`, `localhost:4010`, `[::1]:4010`) that may be
   * fetched even though their addresses are otherwise blocked (loopback, private). The host is
   * matched as written in the URL (after WHATWG normalization) and the port is required; nothing
   * else on those addresses is reachable. `denyHosts` still wins.
   */
  allowHosts?: string[];
  /** Hosts (exact names, or `.example.com` for a domain and its subdomains) never fetched. */
  denyHosts?: string[];
  /** Refuse plain `http:` URLs (also as redirect targets). Default false. */
  httpsOnly?: boolean;
  /** Redirects followed per reference, each re-checked. Default 3. */
  maxRedirects?: number;
  /** Bytes per reference, enforced while streaming. Default 30 MiB. */
  maxBytes?: number;
  /** Bytes of all references of one request (a URL repeated in `image_input` counts once). Default 64 MiB. */
  maxTotalBytes?: number;
  /** Whole-download timeout per reference (all redirects and the body included), in ms. Default 20 000. */
  timeoutMs?: number;
  /** Connect timeout (name resolution included), in ms. Default 5 000. */
  connectTimeoutMs?: number;
  /** Time to response headers, in ms. Default 10 000. */
  headersTimeoutMs?: number;
  /** Pixels (width x height) per reference. Default 50 000 000. */
  maxPixels?: number;
  /** Downloads in flight per request. Default 4. */
  concurrency?: number;
  /** Accept `data:` URLs (base64 only) in `image_input` (not in the public contract). Default false. */
  allowDataUrls?: boolean;
  /**
   * Optional in-memory LRU cache of downloaded references, keyed by URL and shared by all requests.
   * Within `ttlMs` an entry is reused as is; after it, it is revalidated with `If-None-Match` /
   * `If-Modified-Since` when the server gave an `ETag` / `Last-Modified`. Off by default (`false` or
   * omitted); `{}` turns it on with defaults: 100 entries, 256 MiB, 5 minutes.
   */
  cache?: { maxEntries?: number; maxBytes?: number; ttlMs?: number } | false;
  /**
   * Resolves host names (all addresses). Defaults to node's `dns.promises.lookup(host, { all: true })`.
   * Plug your own to use a specific resolver, or in tests. Its answers are still checked.
   */
  lookup?: ReferenceLookup;
}
