import { startHarness, type Harness } from '../support/harness.js';
import { body, callOrder, callsOf, carrier, keyOf, resetAll, ROUTE } from './support.js';

/**
 * Retry-After is honoured by keeping the carrier out of rotation until the time it named: other
 * carriers take the calls meanwhile, and with none left the caller gets 429 with the time to wait.
 */
describe('Retry-After', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ carriers: (emu) => [carrier(emu, 'a'), carrier(emu, 'b', { priority: 1 })] });
  });
  afterAll(() => h.close());
  afterEach(() => resetAll(h));

  test('a carrier that said Retry-After: 30 is not called again before then; the other carrier serves', async () => {
    h.emulator.script({ type: 'status', status: 429, retryAfter: '30' }, { match: { apiKey: keyOf('a') } });
    for (let i = 0; i < 4; i++) expect((await h.http.post(ROUTE).send(body)).status).toBe(200);
    expect(callOrder(h)).toEqual(['a', 'b', 'b', 'b', 'b']);
    const a = h.relay.carriers().find((c) => c.id === 'a')!;
    expect(a).toMatchObject({ status: 'rate_limited', available: false });
    const wait = Date.parse(a.rateLimitedUntil!) - Date.now();
    expect(wait).toBeGreaterThan(25_000);
    expect(wait).toBeLessThanOrEqual(30_000);
  });

  test("Google's own wait hint (RetryInfo.retryDelay in the body, no Retry-After header) keeps the carrier out the same way", async () => {
    h.emulator.script({ type: 'status', status: 429, retryDelay: '30.2s' }, { match: { apiKey: keyOf('a') } });
    for (let i = 0; i < 3; i++) expect((await h.http.post(ROUTE).send(body)).status).toBe(200);
    expect(callOrder(h)).toEqual(['a', 'b', 'b', 'b']);
    const a = h.relay.carriers().find((c) => c.id === 'a')!;
    expect(a).toMatchObject({ status: 'rate_limited', available: false });
    const wait = Date.parse(a.rateLimitedUntil!) - Date.now();
    expect(wait).toBeGreaterThan(25_000);
    expect(wait).toBeLessThanOrEqual(31_000);
  });

  test('all carriers rate limited → 429 with the shortest Retry-After, at once and without an upstream call', async () => {
    h.emulator.script({ type: 'status', status: 429, retryAfter: '20' }, { match: { apiKey: keyOf('a') } });
    h.emulator.script({ type: 'status', status: 429, retryAfter: '40' }, { match: { apiKey: keyOf('b') } });
    const first = await h.http.post(ROUTE).send(body);
    expect(first.status).toBe(429);
    expect(first.body.error).toMatchObject({ code: 'rate_limited', type: 'rate_limit_error' });
    expect(callOrder(h)).toEqual(['a', 'b']);

    const second = await h.http.post(ROUTE).send(body);
    expect(second.status).toBe(429);
    expect(second.body.error).toMatchObject({ code: 'rate_limited', message: 'The upstream model is rate limited. Retry later.' });
    expect(Number(second.headers['retry-after'])).toBeGreaterThanOrEqual(19);
    expect(Number(second.headers['retry-after'])).toBeLessThanOrEqual(20);
    expect(callOrder(h)).toEqual(['a', 'b']);
  });
});

describe('Retry-After on a single carrier', () => {
  let h: Harness;
  afterAll(() => h.close());

  test('answered 429 with it; nothing is sent upstream until it has passed; then the carrier is used again', async () => {
    h = await startHarness({ carriers: (emu) => [carrier(emu, 'solo')] });
    h.emulator.script({ type: 'status', status: 429, retryAfter: '2' });
    const res = await h.http.post(ROUTE).send(body);
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('2');
    const again = await h.http.post(ROUTE).send(body);
    expect(again.status).toBe(429);
    expect(['1', '2']).toContain(again.headers['retry-after']);
    expect(callsOf(h, 'solo')).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect((await h.http.post(ROUTE).send(body)).status).toBe(200);
    const [limited, next] = callsOf(h, 'solo');
    expect(next!.receivedAt - limited!.closedAt!).toBeGreaterThanOrEqual(2_000);
  });
});

describe('Retry-After beyond reason', () => {
  test('an upstream naming days: the caller is told 10 minutes at most, as the carrier is kept out', async () => {
    const h = await startHarness({ carriers: (emu) => [carrier(emu, 'a')] });
    try {
      h.emulator.script({ type: 'status', status: 429, retryAfter: String(5 * 24 * 3600) });
      const res = await h.http.post(ROUTE).send(body);
      expect(res.status).toBe(429);
      expect(res.headers['retry-after']).toBe('600');
      const wait = Date.parse(h.relay.carriers()[0]!.rateLimitedUntil!) - Date.now();
      expect(wait).toBeLessThanOrEqual(600_000);
    } finally {
      await h.close();
    }
  });
});
