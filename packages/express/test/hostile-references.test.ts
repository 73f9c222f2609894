import { hostileCorpus, hostileReferenceOptions, resolvedOnlyAddresses, type HostileCase } from '../../core/test/references/hostile-corpus.js';
import { startTestServers, type TestServers } from '../../core/test/references/hostile-servers.js';
import { emulatedGemini, startHarness, type Harness } from './support/harness.js';

/**
 * The SSRF corpus of the reference downloader, replayed through the real route over HTTP: each
 * hostile URL gets a 400 naming `image_input[0]`, nothing reaches the upstream, and the loopback
 * victim server records zero connections.
 */
describe('hostile image_input URLs through POST /v1/images/generations', () => {
  let servers: TestServers;
  let h: Harness;
  let corpus: HostileCase[];
  beforeAll(async () => {
    servers = await startTestServers();
    const ctx = { victimPort: servers.victimPort, imageHostOrigin: servers.imageHostOrigin };
    corpus = hostileCorpus(ctx);
    // One carrier is enough: the point here is the download path, which runs before any upstream call.
    h = await startHarness({ carriers: (emu) => [emulatedGemini(emu)], references: hostileReferenceOptions(ctx) });
  });
  afterAll(async () => {
    await h.close();
    await servers.close();
  });

  test('every case is refused with its code, and the victim is never reached', async () => {
    expect(corpus.length).toBeGreaterThanOrEqual(40);
    const ctx = { victimPort: servers.victimPort, imageHostOrigin: servers.imageHostOrigin };
    const outcomes: string[] = [];
    for (const c of corpus) {
      await c.setup?.(ctx);
      const res = await h.http.post('/v1/images/generations').send({ model: 'nano-banana-pro', prompt: 'x', image_input: [c.url] });
      const text = JSON.stringify(res.body);
      // An address the caller wrote may be echoed (as written or canonicalized); one that only DNS returned may not.
      const written = `${c.url} ${URL.canParse(c.url) ? new URL(c.url).href : ''}`.toLowerCase();
      const leaked = resolvedOnlyAddresses.filter((a) => text.includes(a) && !written.includes(a));
      const got = `${res.status} ${res.body.error?.param} ${res.body.error?.code}${leaked.length ? ` leaked ${leaked.join(',')}` : ''}`;
      const want = `400 image_input[0] ${c.expectCode}`;
      if (got !== want) outcomes.push(`${c.name}: got ${got}, want ${want}`);
    }
    expect(outcomes).toEqual([]);
    expect(h.emulator.requests.filter((r) => r.kind !== 'token')).toHaveLength(0);
    expect(servers.victimHits()).toBe(0);
  });
});
