import { startHarness, type Harness } from '../support/harness.js';
import { body, callOrder, callsOf, carrier, keyOf, maxOverlap, resetAll, ROUTE, until } from './support.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('maxConcurrency per carrier', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      carriers: (emu) => [carrier(emu, 'a', { maxConcurrency: 3 }), carrier(emu, 'b', { maxConcurrency: 2 })],
    });
    await h.emulator.prerender([{ resolution: '1K', aspectRatio: '1:1' }]);
  });
  afterAll(() => h.close());
  afterEach(() => resetAll(h));

  test('is never exceeded under 100 concurrent requests (clients retry their 503s until served)', async () => {
    // Every call takes at least 150 ms upstream, so calls pile up if anything lets them.
    h.emulator.script({ type: 'latency', ms: 150 }, { times: 1_000 });
    let refused = 0;
    // relay.carriers() agrees, sampled while the load runs.
    const overLimit: string[] = [];
    const sampler = setInterval(() => {
      for (const c of h.relay.carriers()) if (c.inFlight > c.maxConcurrency!) overLimit.push(`${c.id}: ${c.inFlight}`);
    }, 5);
    const client = async (): Promise<number> => {
      for (let tries = 0; tries < 400; tries++) {
        const res = await h.http.post(ROUTE).send(body);
        if (res.status !== 503) return res.status;
        expect(res.body.error.code).toBe('no_carrier_available');
        refused += 1;
        await sleep(20 + Math.floor(Math.random() * 30));
      }
      return 503;
    };
    const statuses = await Promise.all(Array.from({ length: 100 }, client));
    clearInterval(sampler);
    expect(statuses.filter((s) => s === 200)).toHaveLength(100);
    expect(refused).toBeGreaterThan(0); // the limits were reached
    const a = callsOf(h, 'a');
    const b = callsOf(h, 'b');
    expect(a.length + b.length).toBe(100); // a refused request never reached upstream
    expect(maxOverlap(a)).toBeLessThanOrEqual(3);
    expect(maxOverlap(b)).toBeLessThanOrEqual(2);
    expect(maxOverlap(a)).toBe(3); // and the limits were used in full
    expect(overLimit).toEqual([]);
  });
});

describe('a carrier at maxConcurrency is skipped, not queued behind', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      carriers: (emu) => [carrier(emu, 'a', { maxConcurrency: 1 }), carrier(emu, 'b', { maxConcurrency: 1, priority: 1 })],
    });
  });
  afterAll(() => h.close());
  afterEach(() => resetAll(h));

  test('with A busy, the next request goes to B at once; with both busy, the answer is 503 at once', async () => {
    h.emulator.script({ type: 'hang' }, { match: { apiKey: keyOf('a') } });
    h.emulator.script({ type: 'hang' }, { match: { apiKey: keyOf('b') } });
    // Two requests that hang upstream hold both carriers.
    const first = h.http.post(ROUTE).timeout(60_000).send(body).catch(() => undefined);
    await until(() => callsOf(h, 'a').length === 1, 10_000, 'a busy');
    const second = h.http.post(ROUTE).timeout(60_000).send(body).catch(() => undefined);
    await until(() => callsOf(h, 'b').length === 1, 10_000, 'b busy');
    expect(callOrder(h)).toEqual(['a', 'b']);
    expect(h.relay.carriers().map((c) => [c.id, c.inFlight, c.available])).toEqual([
      ['a', 1, false],
      ['b', 1, false],
    ]);

    // The hung calls never end: an answer arriving at all proves the request was not queued.
    const third = await h.http.post(ROUTE).send({ ...body, image_input: [h.images.url('/ref.png')] });
    expect(third.status).toBe(503);
    expect(third.body.error).toMatchObject({
      code: 'no_carrier_available',
      message: 'No upstream carrier can take this request right now: every eligible carrier is at its concurrency limit. Retry later.',
    });
    expect(third.headers['retry-after']).toBeUndefined();
    expect(callOrder(h)).toEqual(['a', 'b']);
    expect(h.images.hits.size).toBe(0); // refused before downloading its reference

    // The two clients go away: that aborts their hung upstream calls and frees both carriers.
    h.server.closeAllConnections();
    await Promise.all([first, second]);
    await until(() => h.relay.carriers().every((c) => c.inFlight === 0), 10_000, 'carriers free');
  });
});
