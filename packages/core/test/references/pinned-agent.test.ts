import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { BlockedAddressError, createPinnedAgent, createPinnedConnector } from '../../src/references/pinned-agent.js';
import type { ResolvedAddress } from '../../src/references/reference-options.js';

/**
 * DNS rebinding: a name answers a "good" address when checked and a "bad" one right after. Here
 * 127.0.0.1 plays the good (public) address and 127.0.0.2 the bad (internal) one, through an
 * injected address check, so both stay on loopback.
 */
describe('pinned connector', () => {
  let good: Server;
  let bad: Server | undefined;
  let port: number;
  let badHits = 0;
  const agents: Agent[] = [];

  beforeAll(async () => {
    good = createServer((req, res) => res.end(`good ${req.headers.host}`));
    await new Promise<void>((r) => good.listen(0, '127.0.0.1', r));
    port = (good.address() as AddressInfo).port;
    const candidate = createServer((_req, res) => res.end('bad'));
    candidate.on('connection', () => (badHits += 1));
    bad = await new Promise<Server | undefined>((resolve) => {
      candidate.once('error', () => resolve(undefined));
      candidate.listen(port, '127.0.0.2', () => resolve(candidate));
    });
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close()));
    good.closeAllConnections();
    await new Promise((r) => good.close(r));
    bad?.closeAllConnections();
    if (bad) await new Promise((r) => bad!.close(r));
  });

  function rebindingAgent(): { agent: Agent; lookups: () => number } {
    let calls = 0;
    const answers: ResolvedAddress[][] = [[{ address: '127.0.0.1', family: 4 }], [{ address: '127.0.0.2', family: 4 }]];
    const agent = new Agent({
      connect: createPinnedConnector({
        lookup: async () => answers[Math.min(calls++, 1)]!,
        allowHosts: new Set(),
        connectTimeoutMs: 1000,
        isAllowed: (address) => address === '127.0.0.1',
      }),
    });
    agents.push(agent);
    return { agent, lookups: () => calls };
  }

  test('resolves once per connection and connects to the address it checked', async () => {
    const { agent, lookups } = rebindingAgent();
    const res = await request(`http://rebind.invalid:${port}/`, { dispatcher: agent });
    expect(await res.body.text()).toBe(`good rebind.invalid:${port}`);
    // Same connection reused (once undici has marked it idle): no second lookup, nothing to rebind.
    await new Promise((r) => setTimeout(r, 20));
    const again = await request(`http://rebind.invalid:${port}/again`, { dispatcher: agent });
    expect(await again.body.text()).toBe(`good rebind.invalid:${port}`);
    expect(lookups()).toBe(1);
    expect(badHits).toBe(0);
  });

  test('a new connection re-resolves and checks again: the rebound answer is refused', async () => {
    const { agent, lookups } = rebindingAgent();
    // reset: the connection closes after this request, so the next one needs a new lookup.
    await (await request(`http://rebind.invalid:${port}/`, { dispatcher: agent, reset: true })).body.text();
    await new Promise((r) => setTimeout(r, 50));
    await expect(request(`http://rebind.invalid:${port}/`, { dispatcher: agent })).rejects.toBeInstanceOf(BlockedAddressError);
    expect(lookups()).toBe(2);
    expect(badHits).toBe(0);
  });

  test('with the real address check, loopback names and literals are refused', async () => {
    const agent = createPinnedAgent({
      lookup: async () => [{ address: '127.0.0.1', family: 4 }],
      allowHosts: new Set(),
      connectTimeoutMs: 1000,
      headersTimeoutMs: 1000,
      bodyTimeoutMs: 1000,
    });
    agents.push(agent);
    await expect(request(`http://name.invalid:${port}/`, { dispatcher: agent })).rejects.toBeInstanceOf(BlockedAddressError);
    await expect(request(`http://127.0.0.1:${port}/`, { dispatcher: agent })).rejects.toBeInstanceOf(BlockedAddressError);
    await expect(request(`http://[::ffff:127.0.0.1]:${port}/`, { dispatcher: agent })).rejects.toBeInstanceOf(BlockedAddressError);
  });

  test('a lookup slower than the connect timeout fails', async () => {
    const agent = createPinnedAgent({
      lookup: () => new Promise(() => {}),
      allowHosts: new Set([`slow.invalid:${port}`]),
      connectTimeoutMs: 100,
      headersTimeoutMs: 1000,
      bodyTimeoutMs: 1000,
    });
    agents.push(agent);
    await expect(request(`http://slow.invalid:${port}/`, { dispatcher: agent })).rejects.toMatchObject({ code: 'ERR_REFERENCE_RESOLVE' });
  });
});

/** A throwaway self-signed certificate for `names`, or undefined when openssl is not installed. */
function selfSigned(names: string[]): { key: string; cert: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'pinned-tls-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${names[0]}`,
      '-addext', `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`,
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('pinned connector over TLS', () => {
  test('connects to the checked IP but verifies the certificate against the URL host (SNI)', async () => {
    const tls = selfSigned(['pinned.invalid']);
    if (tls === undefined) return; // no openssl: nothing to test with
    let sni: string | undefined;
    const server = createHttpsServer(tls, (req, res) => res.end(`tls ${req.headers.host}`));
    server.on('secureConnection', (socket) => (sni = (socket as unknown as { servername?: string }).servername));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const agent = (names: string[]): Agent =>
      new Agent({
        connect: createPinnedConnector({
          lookup: async () => [{ address: '127.0.0.1', family: 4 }],
          allowHosts: new Set(names.map((n) => `${n}:${port}`)),
          connectTimeoutMs: 1000,
          ca: tls.cert,
        }),
      });
    const ok = agent(['pinned.invalid']);
    const wrong = agent(['other.invalid']);
    try {
      const res = await request(`https://pinned.invalid:${port}/`, { dispatcher: ok });
      expect(await res.body.text()).toBe(`tls pinned.invalid:${port}`);
      expect(sni).toBe('pinned.invalid');
      // Same IP, but the name does not match the certificate: refused by TLS, as it must be.
      await expect(request(`https://other.invalid:${port}/`, { dispatcher: wrong })).rejects.toMatchObject({
        code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      });
    } finally {
      await Promise.all([ok.close(), wrong.close()]);
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
