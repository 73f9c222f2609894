import { isIP, type Socket } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { isAllowedAddress } from './address-policy.js';
import type { ReferenceLookup, ResolvedAddress } from './reference-options.js';

/** Thrown (through undici) when a host resolves to, or is, an address that may not be fetched. */
export class BlockedAddressError extends Error {
  readonly code = 'ERR_REFERENCE_ADDRESS_BLOCKED';
  /** The host as it appears in the URL (the caller's or a redirect's), never the resolved address. */
  readonly host: string;
  constructor(host: string, detail: string) {
    super(detail);
    this.name = 'BlockedAddressError';
    this.host = host;
  }
}

/** Thrown (through undici) when a host name cannot be resolved, or not in time. */
export class ResolveError extends Error {
  readonly code = 'ERR_REFERENCE_RESOLVE';
  readonly host: string;
  constructor(host: string, detail: string, cause?: unknown) {
    super(detail, cause === undefined ? undefined : { cause });
    this.name = 'ResolveError';
    this.host = host;
  }
}

/** Options of {@link createPinnedConnector} / {@link createPinnedAgent}. */
export interface PinnedConnectorOptions {
  lookup: ReferenceLookup;
  /** Normalized `host:port` keys whose addresses are not checked. */
  allowHosts: ReadonlySet<string>;
  /** Bounds name resolution, then each connection attempt. */
  connectTimeoutMs: number;
  /** The address check; {@link isAllowedAddress} unless a test swaps it. */
  isAllowed?: (address: string) => boolean;
  /** Extra trusted CAs for TLS (tests use a throwaway CA); the system store is used otherwise. */
  ca?: string | Buffer;
}

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/**
 * Chooses where to connect: the IP literal itself, or the answers of ONE lookup. Every answer must
 * pass the address check (one private answer among public ones refuses the host: an attacker
 * controls which answer a client picks). Returns at most one address per family, in resolver order.
 */
async function pickAddresses(
  host: string,
  hostname: string,
  allowListed: boolean,
  options: PinnedConnectorOptions,
): Promise<string[]> {
  const isAllowed = options.isAllowed ?? isAllowedAddress;
  if (isIP(hostname) !== 0) {
    if (!allowListed && !isAllowed(hostname)) throw new BlockedAddressError(host, 'IP literal is in a blocked range');
    return [hostname];
  }
  let answers: ResolvedAddress[];
  try {
    answers = await withTimeout(
      options.lookup(hostname),
      options.connectTimeoutMs,
      () => new ResolveError(host, 'name resolution timed out'),
    );
  } catch (err) {
    if (err instanceof ResolveError) throw err;
    throw new ResolveError(host, 'name resolution failed', err);
  }
  if (!Array.isArray(answers) || answers.length === 0) throw new ResolveError(host, 'name resolved to no address');
  for (const answer of answers) {
    // A resolver must return IP addresses; anything else would be resolved again by the OS, unchecked.
    if (isIP(answer.address) === 0) throw new ResolveError(host, 'resolver returned a non-IP answer');
    if (!allowListed && !isAllowed(answer.address)) {
      throw new BlockedAddressError(host, `name resolves to a blocked address (${answer.address})`);
    }
  }
  const v4 = answers.find((a) => isIP(a.address) === 4)?.address;
  const v6 = answers.find((a) => isIP(a.address) === 6)?.address;
  const first = answers[0]?.address;
  return [first, first === v4 ? v6 : v4].filter((a): a is string => a !== undefined);
}

/**
 * An undici connector that resolves the host once, checks every resolved address, and opens the
 * socket to a checked IP (TLS still verifies the certificate against the host name, sent as SNI).
 * Nothing else resolves the name afterwards, so DNS rebinding cannot swap the address between the
 * check and the connection. The exact `host:port` keys in `allowHosts` skip the address check.
 */
export function createPinnedConnector(options: PinnedConnectorOptions): buildConnector.connector {
  const base = buildConnector({ timeout: options.connectTimeoutMs, ...(options.ca !== undefined ? { ca: options.ca } : {}) });
  return (connectOptions, callback) => {
    const { hostname, protocol } = connectOptions;
    const isV6 = isIP(hostname) === 6;
    const urlHost = isV6 ? `[${hostname}]` : hostname;
    const port = connectOptions.port !== '' ? Number(connectOptions.port) : protocol === 'https:' ? 443 : 80;
    const allowListed = options.allowHosts.has(`${urlHost}:${port}`);
    const isName = isIP(hostname) === 0;
    // SNI and certificate checks use the name the URL gave (without a root dot), never the address.
    const servername = isName ? hostname.replace(/\.$/, '') : undefined;

    pickAddresses(urlHost, hostname, allowListed, options).then(
      (addresses) => {
        const attempt = (i: number, lastError?: Error): void => {
          const address = addresses[i];
          if (address === undefined) {
            callback(lastError ?? new Error('connection failed'), null);
            return;
          }
          base({ ...connectOptions, hostname: address, ...(servername ? { servername } : {}) }, (...args) => {
            const [err, socket] = args;
            if (err === null) callback(null, socket as Socket);
            // A second family is tried only when the first could not be reached at all.
            else if (isUnreachable(err)) attempt(i + 1, err);
            else callback(err, null);
          });
        };
        attempt(0);
      },
      (err: Error) => callback(err, null),
    );
  };
}

function isUnreachable(err: Error): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EADDRNOTAVAIL';
}

/** Options of {@link createPinnedAgent}: the connector's, plus undici timeouts. */
export interface PinnedAgentOptions extends PinnedConnectorOptions {
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
}

/**
 * An undici Agent whose every connection goes through {@link createPinnedConnector}. Use it with
 * `request()` and no redirect interceptor: redirects are followed (and re-checked) by the caller.
 */
export function createPinnedAgent(options: PinnedAgentOptions): Agent {
  return new Agent({
    connect: createPinnedConnector(options),
    headersTimeout: options.headersTimeoutMs,
    bodyTimeout: options.bodyTimeoutMs,
    keepAliveTimeout: 4_000,
    // Headers of hostile servers stay small: undici refuses larger ones.
    maxHeaderSize: 16 * 1024,
  });
}
