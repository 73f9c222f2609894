import { lookup as dnsLookup } from 'node:dns/promises';
import type { ReferenceLookup, ReferenceOptions } from './reference-options.js';

const MiB = 1024 * 1024;

/** {@link ReferenceOptions} with every default applied and every value checked. */
export interface ResolvedReferenceOptions {
  allowHosts: ReadonlySet<string>;
  denyHosts: readonly string[];
  httpsOnly: boolean;
  maxRedirects: number;
  maxBytes: number;
  maxTotalBytes: number;
  timeoutMs: number;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  maxPixels: number;
  concurrency: number;
  allowDataUrls: boolean;
  cache: { maxEntries: number; maxBytes: number; ttlMs: number } | false;
  lookup: ReferenceLookup;
}

/** The default resolver: every address the OS resolver knows, in its order. */
export const defaultLookup: ReferenceLookup = async (hostname) => {
  const answers = await dnsLookup(hostname, { all: true, verbatim: true });
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

function count(name: string, value: number | undefined, fallback: number, min: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < min) {
    throw new TypeError(`references.${name} must be a number >= ${min}, got ${String(value)}.`);
  }
  return v;
}

/**
 * Turns an `allowHosts` entry into the `host:port` key URLs are compared with, normalizing the host
 * the way WHATWG URL parsing does (so `LOCALHOST:80` and `localhost:80` are the same entry).
 * Throws on an entry without an explicit port: allowing "any port" of an internal host is exactly
 * what this list must never do by accident.
 */
export function normalizeAllowHost(entry: string): string {
  const port = /:(\d{1,5})$/.exec(entry)?.[1];
  let url: URL | undefined;
  try {
    url = new URL(`http://${entry}`);
  } catch {
    url = undefined;
  }
  const portNumber = Number(port);
  if (port === undefined || url === undefined || url.username !== '' || url.pathname !== '/' || portNumber < 1 || portNumber > 65535) {
    throw new TypeError(`references.allowHosts entry "${entry}" must be "host:port", e.g. "127.0.0.1:4010".`);
  }
  return `${url.hostname}:${portNumber}`;
}

/** Normalizes a `denyHosts` entry (`name` or `.domain`): lower case, punycode, no trailing dot. */
export function normalizeDenyHost(entry: string): string {
  const dot = entry.startsWith('.');
  const name = dot ? entry.slice(1) : entry;
  let host: string;
  try {
    host = new URL(`http://${name}/`).hostname;
  } catch {
    throw new TypeError(`references.denyHosts entry "${entry}" is not a host name.`);
  }
  host = host.replace(/\.$/, '');
  return dot ? `.${host}` : host;
}

/** Applies defaults and validates; throws a TypeError on a configuration mistake. */
export function resolveReferenceOptions(options: ReferenceOptions = {}): ResolvedReferenceOptions {
  const cache = options.cache;
  return {
    allowHosts: new Set((options.allowHosts ?? []).map(normalizeAllowHost)),
    denyHosts: (options.denyHosts ?? []).map(normalizeDenyHost),
    httpsOnly: options.httpsOnly ?? false,
    maxRedirects: Math.floor(count('maxRedirects', options.maxRedirects, 3, 0)),
    maxBytes: Math.floor(count('maxBytes', options.maxBytes, 30 * MiB, 1)),
    maxTotalBytes: Math.floor(count('maxTotalBytes', options.maxTotalBytes, 64 * MiB, 1)),
    timeoutMs: count('timeoutMs', options.timeoutMs, 20_000, 1),
    connectTimeoutMs: count('connectTimeoutMs', options.connectTimeoutMs, 5_000, 1),
    headersTimeoutMs: count('headersTimeoutMs', options.headersTimeoutMs, 10_000, 1),
    maxPixels: Math.floor(count('maxPixels', options.maxPixels, 50_000_000, 1)),
    concurrency: Math.floor(count('concurrency', options.concurrency, 4, 1)),
    allowDataUrls: options.allowDataUrls ?? false,
    cache:
      cache === undefined || cache === false
        ? false
        : {
            maxEntries: Math.floor(count('cache.maxEntries', cache.maxEntries, 100, 1)),
            maxBytes: Math.floor(count('cache.maxBytes', cache.maxBytes, 256 * MiB, 1)),
            ttlMs: count('cache.ttlMs', cache.ttlMs, 5 * 60_000, 0),
          },
    lookup: options.lookup ?? defaultLookup,
  };
}
