import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { isAllowedAddress, isIpLiteral } from '../../src/references/address-policy.js';

/** The documented rule: ipaddr.js says 'unicast' (after unwrapping ::ffff:a.b.c.d), minus 0/8 and ::/96. */
function expected(address: string): boolean {
  if (address.includes('%')) return false;
  // ipaddr.js misreads the deprecated `::a.b.c.d` as `::ffff:a.b.c.d`; compare on the all-hex form the OS uses.
  const addr = ipaddr.process(address.includes(':') ? new URL(`http://[${address}]/`).hostname.slice(1, -1) : address);
  if (addr.range() !== 'unicast') return false;
  if (addr.kind() === 'ipv4') return !addr.match(ipaddr.parseCIDR('0.0.0.0/8'));
  return !addr.match(ipaddr.parseCIDR('::/96'));
}

const hex = (n: number): string => n.toString(16);
function v4Parts(v4: string): [number, number] {
  const o = v4.split('.').map(Number) as [number, number, number, number];
  return [(o[0] << 8) | o[1], (o[2] << 8) | o[3]];
}

/** IPv4 addresses biased towards the special ranges (uniform ones rarely land in 127/8 or 169.254/16). */
const special4 = fc
  .tuple(
    fc.constantFrom('0', '10', '100.64', '100.127', '127', '169.254', '172.16', '172.31', '192.0.0', '192.0.2', '192.88.99', '192.168', '198.18', '198.19', '198.51.100', '203.0.113', '224', '239', '240', '255.255.255', '8.8', '1'),
    fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }),
  )
  .map(([prefix, rest]) => {
    const head = prefix.split('.');
    return [...head, ...rest.slice(head.length)].join('.');
  });
const anyV4 = fc.oneof(fc.ipV4(), special4);

describe('isAllowedAddress', () => {
  test.each([
    ['8.8.8.8', true],
    ['93.184.216.34', true],
    ['2606:4700:4700::1111', true],
    ['::ffff:8.8.8.8', true],
    ['127.0.0.1', false],
    ['127.255.255.254', false],
    ['0.0.0.0', false],
    ['0.255.1.2', false],
    ['10.0.0.1', false],
    ['172.16.0.1', false],
    ['172.31.255.255', false],
    ['192.168.1.1', false],
    ['169.254.169.254', false],
    ['100.64.0.1', false],
    ['100.127.255.255', false],
    ['224.0.0.1', false],
    ['255.255.255.255', false],
    ['240.0.0.1', false],
    ['192.0.2.1', false],
    ['::1', false],
    ['::', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:7f00:1', false],
    ['::ffff:169.254.169.254', false],
    ['::ffff:10.0.0.1', false],
    ['::127.0.0.1', false],
    ['::8.8.8.8', false],
    ['::ffff:0808:0808', true],
    ['fc00::1', false],
    ['fd12:3456::1', false],
    ['fe80::1', false],
    ['fe80::1%eth0', false],
    ['fec0::1', false],
    ['ff02::1', false],
    ['64:ff9b::7f00:1', false],
    ['64:ff9b::808:808', false],
    ['64:ff9b:1::1', false],
    ['2002:7f00:1::', false],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', false],
    ['2001:db8::1', false],
    ['[::1]', false],
    ['[2606:4700:4700::1111]', true],
    // Not canonical IP addresses: never "allowed" (the URL parser canonicalizes before we get here).
    ['0x7f.0.0.1', false],
    ['2130706433', false],
    ['127.1', false],
    ['localhost', false],
    ['', false],
  ])('%s → %s', (address, allowed) => {
    expect(isAllowedAddress(address)).toBe(allowed);
  });

  test('IPv4: allowed iff ipaddr.js says unicast and not 0.0.0.0/8', () => {
    fc.assert(
      fc.property(anyV4, (a) => {
        expect(isAllowedAddress(a)).toBe(expected(a));
        expect(isAllowedAddress(a)).toBe(ipaddr.parse(a).range() === 'unicast' && !a.startsWith('0.'));
      }),
      { numRuns: 3000 },
    );
  });

  test('IPv6: allowed iff ipaddr.js says unicast (and not IPv4-compatible ::/96)', () => {
    fc.assert(
      fc.property(fc.ipV6(), (a) => {
        expect(isAllowedAddress(a)).toBe(expected(a));
      }),
      { numRuns: 3000 },
    );
  });

  test('IPv4-mapped forms get exactly the verdict of the embedded IPv4 address', () => {
    fc.assert(
      fc.property(anyV4, (a) => {
        const [hi, lo] = v4Parts(a);
        const verdict = isAllowedAddress(a);
        expect(isAllowedAddress(`::ffff:${a}`)).toBe(verdict);
        expect(isAllowedAddress(`::ffff:${hex(hi)}:${hex(lo)}`)).toBe(verdict);
        expect(isAllowedAddress(`0:0:0:0:0:ffff:${a}`)).toBe(verdict);
        expect(isAllowedAddress(`[::ffff:${a}]`)).toBe(verdict);
      }),
      { numRuns: 2000 },
    );
  });

  test('NAT64, 6to4, IPv4-compatible and SIIT forms are refused whatever they embed', () => {
    fc.assert(
      fc.property(anyV4, (a) => {
        const [hi, lo] = v4Parts(a);
        expect(isAllowedAddress(`64:ff9b::${a}`)).toBe(false);
        expect(isAllowedAddress(`64:ff9b:1::${hex(hi)}:${hex(lo)}`)).toBe(false);
        expect(isAllowedAddress(`2002:${hex(hi)}:${hex(lo)}::1`)).toBe(false);
        expect(isAllowedAddress(`::${a}`)).toBe(false);
        expect(isAllowedAddress(`::ffff:0:${a}`)).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  test('agrees with ipaddr.js on every address it allows (never allows what ipaddr calls special)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6(), special4.map((a) => `::ffff:${a}`)), (a) => {
        if (isAllowedAddress(a)) expect(ipaddr.process(a).range()).toBe('unicast');
      }),
      { numRuns: 3000 },
    );
  });
});

describe('isIpLiteral', () => {
  test.each([
    ['127.0.0.1', true],
    ['[::1]', true],
    ['::1', true],
    ['example.com', false],
    ['127.1', false],
  ])('%s → %s', (host, literal) => {
    expect(isIpLiteral(host)).toBe(literal);
  });
});
