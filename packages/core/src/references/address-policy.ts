import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * IPv4-compatible IPv6 addresses (`::a.b.c.d`, RFC 4291, deprecated). ipaddr.js calls them
 * 'unicast', but they embed an IPv4 address (`::7f00:1` is 127.0.0.1) and no public host uses them.
 */
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96');
/** ipaddr.js already calls 0.0.0.0/8 'unspecified'; kept explicit so an upgrade cannot narrow it. */
const THIS_NETWORK = ipaddr.parseCIDR('0.0.0.0/8');

/**
 * Whether an IP address may be fetched: only addresses ipaddr.js classifies as 'unicast'
 * (after unwrapping `::ffff:a.b.c.d` to its IPv4 address), minus 0.0.0.0/8 and IPv4-compatible
 * `::a.b.c.d`. Everything else is refused: loopback, private, link-local (cloud metadata),
 * carrier-grade NAT, unspecified, multicast, broadcast, reserved, unique-local, NAT64 (rfc6052),
 * 6to4, Teredo and every other special range ipaddr.js knows.
 *
 * Fails closed: anything that is not a canonical IP address (as returned by DNS or by WHATWG URL
 * parsing) is refused, including IPv4 forms like `0x7f.0.0.1` that ipaddr.js would accept.
 */
export function isAllowedAddress(address: string): boolean {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  // A zone id only makes sense for link-local scopes, which are blocked anyway.
  if (bare.includes('%')) return false;
  const family = isIP(bare);
  if (family === 0) return false;
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.process(family === 6 ? canonicalIPv6(bare) : bare);
  } catch {
    return false;
  }
  if (addr.range() !== 'unicast') return false;
  if (addr.kind() === 'ipv4') return !addr.match(THIS_NETWORK);
  return !addr.match(IPV4_COMPATIBLE);
}

/**
 * The all-hex form of an IPv6 address, as the WHATWG URL parser (and the OS) reads it. ipaddr.js
 * reads the deprecated `::a.b.c.d` as `::ffff:a.b.c.d`, so `::8.8.8.8` would be judged as 8.8.8.8
 * while the socket goes to `::808:808`: the check must see what the connection will use.
 */
function canonicalIPv6(address: string): string {
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

/** Whether a host (as in a URL: `127.0.0.1`, `[::1]`) is an IP literal rather than a name. */
export function isIpLiteral(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return isIP(bare) !== 0;
}
