import type { ReferenceLookup, ReferenceOptions, ResolvedAddress } from '../../src/references/reference-options.js';
import type { ReferenceErrorCode } from '../../src/references/reference-errors.js';

/** Where the corpus points: a loopback victim (must never be reached) and the allow-listed image host. */
export interface HostileCorpusContext {
  victimPort: number;
  /** `http://127.0.0.1:<port>`, serving the hostile routes of `hostile-servers.ts`. */
  imageHostOrigin: string;
}

/** One hostile `image_input` entry and the error code it must be refused with. */
export interface HostileCase {
  name: string;
  url: string;
  expectCode: ReferenceErrorCode;
  /** Run before the case (e.g. to reset resolver state); most cases need nothing. */
  setup?: (ctx: HostileCorpusContext) => void | Promise<void>;
}

const A = (address: string): ResolvedAddress => ({ address, family: address.includes(':') ? 6 : 4 });

/** What the test resolver answers; a name not listed fails like NXDOMAIN. No real DNS is ever asked. */
const ZONE: Record<string, ResolvedAddress[]> = {
  localhost: [A('127.0.0.1'), A('::1')],
  'localhost.': [A('127.0.0.1'), A('::1')],
  'metadata.google.internal': [A('169.254.169.254')],
  'loopback.invalid': [A('127.0.0.1')],
  'private.invalid': [A('10.1.2.3')],
  'private172.invalid': [A('172.20.0.5')],
  'cgnat.invalid': [A('100.64.1.1')],
  'zero.invalid': [A('0.0.0.0')],
  'v6-loopback.invalid': [A('::1')],
  'mapped.invalid': [A('::ffff:127.0.0.1')],
  'nat64.invalid': [A('64:ff9b::a9fe:a9fe')],
  'ula.invalid': [A('fd00::1')],
  // One public and one private answer: the private one must refuse the host before any connection.
  'mixed.invalid': [A('93.184.216.34'), A('127.0.0.1')],
  'mixed6.invalid': [A('2606:2800:220:1:248:1893:25c8:1946'), A('fe80::1')],
  'nonip.invalid': [{ address: 'localhost', family: 4 }],
  'empty.invalid': [],
};

let rebindCalls = 0;
/** Names answered differently on each lookup (DNS rebinding); every answer is a blocked address. */
const REBIND = [[A('10.0.0.1')], [A('127.0.0.1')]];

/** Every lookup the hostile resolver answered, in order (for assertions). */
export const hostileLookups: string[] = [];

/** The test resolver: answers {@link ZONE}, never touches real DNS. */
export const hostileResolver: ReferenceLookup = async (hostname) => {
  hostileLookups.push(hostname);
  if (hostname === 'rebind.invalid') return REBIND[rebindCalls++ % REBIND.length] ?? [];
  const answers = ZONE[hostname];
  if (answers === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return answers;
};

/** Resolver IPs that must never appear in an error message (only the caller's host may). */
export const resolvedOnlyAddresses = ['169.254.169.254', '10.1.2.3', '172.20.0.5', '100.64.1.1', '93.184.216.34', 'a9fe', 'fd00::1', '10.0.0.1'];

/** The options the corpus expects: the image host allow-listed, the test resolver, small limits. */
export function hostileReferenceOptions(ctx: HostileCorpusContext): ReferenceOptions {
  return {
    allowHosts: [new URL(ctx.imageHostOrigin).host],
    lookup: hostileResolver,
    maxRedirects: 3,
    maxBytes: 4 * 1024 * 1024,
    maxTotalBytes: 16 * 1024 * 1024,
    timeoutMs: 1500,
    connectTimeoutMs: 1000,
    headersTimeoutMs: 1000,
  };
}

/**
 * At least 40 hostile `image_input` URLs, each with the code it must be refused with. Use with
 * {@link hostileReferenceOptions} and the servers of `hostile-servers.ts`; after running them all,
 * the victim must have recorded zero connections.
 */
export function hostileCorpus(ctx: HostileCorpusContext): HostileCase[] {
  const v = ctx.victimPort;
  const img = ctx.imageHostOrigin;
  const imgPort = new URL(img).port;
  const forbidden = 'image_url_forbidden' as const;
  const invalid = 'invalid_image_url' as const;
  const failed = 'image_download_failed' as const;
  const tooLarge = 'image_too_large' as const;
  const unsupported = 'unsupported_image_type' as const;
  return [
    // Loopback in every spelling WHATWG URL parsing canonicalizes.
    { name: 'loopback literal', url: `http://127.0.0.1:${v}/`, expectCode: forbidden },
    { name: 'loopback short form 127.1', url: `http://127.1:${v}/`, expectCode: forbidden },
    { name: 'loopback decimal 2130706433', url: `http://2130706433:${v}/`, expectCode: forbidden },
    { name: 'loopback hex 0x7f.0.0.1', url: `http://0x7f.0.0.1:${v}/`, expectCode: forbidden },
    { name: 'loopback octal 017700000001', url: `http://017700000001:${v}/`, expectCode: forbidden },
    { name: 'loopback octal 0177.0.0.1', url: `http://0177.0.0.1:${v}/`, expectCode: forbidden },
    { name: 'loopback trailing dot', url: `http://127.0.0.1.:${v}/`, expectCode: forbidden },
    { name: 'loopback percent-encoded', url: `http://%31%32%37.0.0.1:${v}/`, expectCode: forbidden },
    { name: 'loopback fullwidth digits', url: `http://１２７.０.０.１:${v}/`, expectCode: forbidden },
    { name: 'loopback other 127/8 address', url: `http://127.42.0.1:${v}/`, expectCode: forbidden },
    { name: 'IPv6 loopback [::1]', url: `http://[::1]:${v}/`, expectCode: forbidden },
    { name: 'IPv4-mapped loopback [::ffff:127.0.0.1]', url: `http://[::ffff:127.0.0.1]:${v}/`, expectCode: forbidden },
    { name: 'IPv4-mapped loopback hex [::ffff:7f00:1]', url: `http://[::ffff:7f00:1]:${v}/`, expectCode: forbidden },
    { name: 'IPv4-mapped loopback long form', url: `http://[0:0:0:0:0:ffff:127.0.0.1]:${v}/`, expectCode: forbidden },
    { name: 'IPv4-compatible loopback [::127.0.0.1]', url: `http://[::127.0.0.1]:${v}/`, expectCode: forbidden },
    { name: 'IPv6 unspecified [::]', url: `http://[::]:${v}/`, expectCode: forbidden },
    { name: 'unspecified 0.0.0.0', url: `http://0.0.0.0:${v}/`, expectCode: forbidden },
    { name: 'unspecified 0', url: `http://0:${v}/`, expectCode: forbidden },
    { name: 'this-network 0.1.2.3', url: `http://0.1.2.3:${v}/`, expectCode: forbidden },
    { name: 'localhost', url: `http://localhost:${v}/`, expectCode: forbidden },
    { name: 'LOCALHOST upper case', url: `http://LOCALHOST:${v}/`, expectCode: forbidden },
    { name: 'localhost trailing dot', url: `http://localhost.:${v}/`, expectCode: forbidden },
    { name: 'sub.localhost', url: `http://anything.localhost:${v}/`, expectCode: forbidden },
    { name: 'localhost via IDN (circled l)', url: `http://ⓛocalhost:${v}/`, expectCode: forbidden },
    { name: 'allowed address on another name (localhost:imagePort)', url: `http://localhost:${imgPort}/ok.png`, expectCode: forbidden },
    { name: 'loopback https', url: `https://127.0.0.1:${v}/`, expectCode: forbidden },
    // Cloud metadata and private networks.
    { name: 'metadata IP', url: 'http://169.254.169.254/latest/meta-data/', expectCode: forbidden },
    { name: 'metadata IP as IPv4-mapped', url: 'http://[::ffff:169.254.169.254]/latest/meta-data/', expectCode: forbidden },
    { name: 'metadata IP as mapped hex', url: 'http://[::ffff:a9fe:a9fe]/latest/meta-data/', expectCode: forbidden },
    { name: 'metadata.google.internal (resolves to 169.254.169.254)', url: 'http://metadata.google.internal/computeMetadata/v1/', expectCode: forbidden },
    { name: 'private 10/8', url: 'http://10.0.0.1/', expectCode: forbidden },
    { name: 'private 172.16/12', url: 'http://172.16.0.1/', expectCode: forbidden },
    { name: 'private 192.168/16', url: 'http://192.168.1.1/', expectCode: forbidden },
    { name: 'carrier-grade NAT 100.64/10', url: 'http://100.64.0.1/', expectCode: forbidden },
    { name: 'multicast 224.0.0.1', url: 'http://224.0.0.1/', expectCode: forbidden },
    { name: 'broadcast 255.255.255.255', url: 'http://255.255.255.255/', expectCode: forbidden },
    { name: 'reserved 240/4', url: 'http://240.0.0.1/', expectCode: forbidden },
    { name: 'benchmarking 198.18/15', url: 'http://198.18.0.1/', expectCode: forbidden },
    { name: 'IPv6 unique local [fc00::1]', url: 'http://[fc00::1]/', expectCode: forbidden },
    { name: 'IPv6 link local [fe80::1]', url: 'http://[fe80::1]/', expectCode: forbidden },
    { name: 'NAT64 of loopback [64:ff9b::7f00:1]', url: `http://[64:ff9b::7f00:1]:${v}/`, expectCode: forbidden },
    { name: '6to4 of loopback [2002:7f00:1::]', url: `http://[2002:7f00:1::]:${v}/`, expectCode: forbidden },
    { name: 'Teredo [2001:0:4136:e378:8000:63bf:80ff:fffe]', url: 'http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/', expectCode: forbidden },
    { name: 'IPv6 multicast [ff02::1]', url: 'http://[ff02::1]/', expectCode: forbidden },
    // Names whose (test) DNS answers are blocked.
    { name: 'DNS name resolving to loopback', url: `http://loopback.invalid:${v}/`, expectCode: forbidden },
    { name: 'DNS name resolving to 10/8', url: 'http://private.invalid/', expectCode: forbidden },
    { name: 'DNS name resolving to 172.16/12', url: 'http://private172.invalid/', expectCode: forbidden },
    { name: 'DNS name resolving to CGNAT', url: 'http://cgnat.invalid/', expectCode: forbidden },
    { name: 'DNS name resolving to 0.0.0.0', url: `http://zero.invalid:${v}/`, expectCode: forbidden },
    { name: 'DNS name resolving to ::1', url: `http://v6-loopback.invalid:${v}/`, expectCode: forbidden },
    { name: 'DNS name resolving to ::ffff:127.0.0.1', url: `http://mapped.invalid:${v}/`, expectCode: forbidden },
    { name: 'DNS name resolving to NAT64 metadata', url: 'http://nat64.invalid/', expectCode: forbidden },
    { name: 'DNS name resolving to ULA', url: 'http://ula.invalid/', expectCode: forbidden },
    { name: 'DNS name with one public and one private answer', url: `http://mixed.invalid:${v}/`, expectCode: forbidden },
    { name: 'DNS name with public and link-local IPv6 answers', url: 'http://mixed6.invalid/', expectCode: forbidden },
    {
      name: 'DNS rebinding name (answers change per lookup)',
      url: `http://rebind.invalid:${v}/`,
      expectCode: forbidden,
      setup: () => {
        rebindCalls = 0;
      },
    },
    { name: 'DNS answer that is not an IP', url: `http://nonip.invalid:${v}/`, expectCode: failed },
    { name: 'DNS name with no answer', url: `http://empty.invalid:${v}/`, expectCode: failed },
    { name: 'DNS name that does not resolve', url: `http://nxdomain.invalid:${v}/`, expectCode: failed },
    // Schemes, credentials and inline data.
    { name: 'file:', url: 'file:///etc/passwd', expectCode: invalid },
    { name: 'ftp:', url: `ftp://127.0.0.1:${v}/x.png`, expectCode: invalid },
    { name: 'gopher:', url: `gopher://127.0.0.1:${v}/_GET%20/`, expectCode: invalid },
    { name: 'javascript:', url: 'javascript:alert(1)', expectCode: invalid },
    { name: 'blob:', url: `blob:http://127.0.0.1:${v}/x`, expectCode: invalid },
    { name: 'data: URL (not allowed by default)', url: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', expectCode: invalid },
    { name: 'bare base64', url: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', expectCode: invalid },
    { name: 'relative path', url: '/etc/passwd', expectCode: invalid },
    { name: 'empty string', url: '', expectCode: invalid },
    { name: 'credentials on the allowed host', url: `http://user:pass@127.0.0.1:${imgPort}/ok.png`, expectCode: invalid },
    { name: 'credentials-looking host confusion', url: `http://127.0.0.1:${imgPort}@127.0.0.1:${v}/`, expectCode: invalid },
    { name: 'fragment host confusion', url: `http://127.0.0.1:${v}#@127.0.0.1:${imgPort}/ok.png`, expectCode: forbidden },
    // Redirects from the allowed image host.
    { name: 'redirect to the victim', url: `${img}/redirect/victim`, expectCode: forbidden },
    { name: 'redirect (307) to the victim', url: `${img}/redirect/victim-307`, expectCode: forbidden },
    { name: 'redirect to localhost:victim', url: `${img}/redirect/victim-localhost`, expectCode: forbidden },
    { name: 'redirect to [::1]:victim', url: `${img}/redirect/victim-v6`, expectCode: forbidden },
    { name: 'redirect to mapped loopback', url: `${img}/redirect/victim-mapped`, expectCode: forbidden },
    { name: 'redirect to decimal loopback', url: `${img}/redirect/victim-decimal`, expectCode: forbidden },
    { name: 'redirect scheme-relative to the victim', url: `${img}/redirect/victim-scheme-relative`, expectCode: forbidden },
    { name: 'redirect to https victim', url: `${img}/redirect/victim-https`, expectCode: forbidden },
    { name: 'redirect to the metadata IP', url: `${img}/redirect/metadata`, expectCode: forbidden },
    { name: 'redirect to metadata.google.internal', url: `${img}/redirect/metadata-name`, expectCode: forbidden },
    { name: 'redirect to file:', url: `${img}/redirect/file`, expectCode: forbidden },
    { name: 'redirect to ftp:', url: `${img}/redirect/ftp`, expectCode: forbidden },
    { name: 'redirect to gopher:', url: `${img}/redirect/gopher`, expectCode: forbidden },
    { name: 'redirect to data:', url: `${img}/redirect/data`, expectCode: forbidden },
    { name: 'redirect to a DNS name resolving to loopback', url: `${img}/redirect/dns-loopback`, expectCode: forbidden },
    { name: 'redirect adding credentials', url: `${img}/redirect/credentials`, expectCode: forbidden },
    { name: 'redirect chain longer than maxRedirects', url: `${img}/chain/0`, expectCode: forbidden },
    { name: 'redirect loop', url: `${img}/redirect/loop`, expectCode: forbidden },
    { name: 'redirect without location', url: `${img}/redirect/no-location`, expectCode: failed },
    // Hostile bodies.
    { name: 'endless body', url: `${img}/endless`, expectCode: tooLarge },
    { name: 'slowloris body (1 byte/s)', url: `${img}/slowloris`, expectCode: failed },
    { name: 'headers never sent', url: `${img}/slow-headers`, expectCode: failed },
    { name: 'lying Content-Length (says 10, sends 40 MiB)', url: `${img}/lying-length`, expectCode: unsupported },
    { name: 'huge Content-Length', url: `${img}/huge-length`, expectCode: tooLarge },
    { name: 'HTML served as image/png', url: `${img}/html-as-png`, expectCode: unsupported },
    { name: 'SVG (with a link to the victim) served as image/png', url: `${img}/svg-as-png`, expectCode: unsupported },
    { name: 'zip served as image/png', url: `${img}/zip-as-png`, expectCode: unsupported },
    { name: 'GIF served as image/png', url: `${img}/gif-as-png`, expectCode: unsupported },
    { name: 'gzip-encoded PNG (never decoded)', url: `${img}/gzip-png`, expectCode: unsupported },
    { name: 'truncated PNG', url: `${img}/truncated-png`, expectCode: unsupported },
    { name: 'empty body', url: `${img}/empty`, expectCode: unsupported },
    { name: '100000x100000 PNG header', url: `${img}/huge-png`, expectCode: tooLarge },
    { name: '404', url: `${img}/not-found`, expectCode: failed },
    { name: '403', url: `${img}/forbidden`, expectCode: failed },
    { name: '500', url: `${img}/server-error`, expectCode: failed },
    { name: 'connection reset', url: `${img}/reset`, expectCode: failed },
  ];
}
