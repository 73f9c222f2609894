import { RelayError } from '../../src/contract/errors.js';
import { createReferenceFetcher, type ReferenceFetcher } from '../../src/references/reference-fetcher.js';
import { hostileCorpus, hostileReferenceOptions, resolvedOnlyAddresses, type HostileCase, type HostileCorpusContext } from './hostile-corpus.js';
import { startTestServers, type TestServers } from './hostile-servers.js';

let servers: TestServers;
let ctx: HostileCorpusContext;
let fetcher: ReferenceFetcher;
let corpus: HostileCase[];

beforeAll(async () => {
  servers = await startTestServers();
  ctx = { victimPort: servers.victimPort, imageHostOrigin: servers.imageHostOrigin };
  fetcher = createReferenceFetcher(hostileReferenceOptions(ctx));
  corpus = hostileCorpus(ctx);
});

afterAll(async () => {
  await fetcher.close();
  await servers.close();
});

describe('hostile image_input corpus', () => {
  test('has at least 40 cases with distinct names', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(40);
    expect(new Set(corpus.map((c) => c.name)).size).toBe(corpus.length);
  });

  test('every case is refused with its code, a 400 naming its index, and a safe message', async () => {
    const failures: string[] = [];
    // Run in parallel batches: the slow cases (timeouts) overlap instead of adding up.
    const results = await Promise.all(
      corpus.map(async (c) => {
        await c.setup?.(ctx);
        const started = Date.now();
        try {
          await fetcher.fetchAll([`${servers.imageHostOrigin}/ok.png`, c.url]);
          return { c, error: undefined as unknown, ms: Date.now() - started };
        } catch (error) {
          return { c, error, ms: Date.now() - started };
        }
      }),
    );
    for (const { c, error, ms } of results) {
      if (!(error instanceof RelayError)) {
        failures.push(`${c.name}: expected ${c.expectCode}, got ${error === undefined ? 'success' : String(error)}`);
        continue;
      }
      const problems: string[] = [];
      if (error.code !== c.expectCode) problems.push(`code ${error.code} (${error.message})`);
      if (error.status !== 400) problems.push(`status ${error.status}`);
      if (error.param !== 'image_input[1]') problems.push(`param ${error.param}`);
      if (!error.message.startsWith('image_input[1] ')) problems.push(`message ${error.message}`);
      // The message may name the host the caller gave (canonicalized); nothing DNS or a redirect chose.
      const given = givenHost(c.url);
      const scrubbed = given === undefined ? error.message : error.message.split(given).join('<host>');
      for (const address of [...resolvedOnlyAddresses, '127.0.0.1', '::1']) {
        if (scrubbed.includes(address)) problems.push(`message leaks ${address}`);
      }
      if (ms > 5000) problems.push(`took ${ms} ms`);
      if (problems.length > 0) failures.push(`${c.name}: ${problems.join('; ')}`);
    }
    expect(failures).toEqual([]);
  });

  test('the victim recorded zero connections', async () => {
    // Let any stray connection attempt land before counting.
    await new Promise((r) => setTimeout(r, 200));
    expect(servers.victimHits()).toBe(0);
  });

  test('credentials on the allowed host are refused before reaching it', async () => {
    const before = servers.hits('/ok.png');
    const port = new URL(servers.imageHostOrigin).port;
    await expect(fetcher.fetchAll([`http://user:pass@127.0.0.1:${port}/ok.png`])).rejects.toMatchObject({ code: 'invalid_image_url' });
    expect(servers.hits('/ok.png')).toBe(before);
  });
});

function givenHost(url: string): string | undefined {
  try {
    return new URL(url).hostname || undefined;
  } catch {
    return undefined;
  }
}
