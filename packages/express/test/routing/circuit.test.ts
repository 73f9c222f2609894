import { startHarness, type Harness } from '../support/harness.js';
import { body, callOrder, callsOf, carrier, eventsOf, keyOf, resetAll, ROUTE } from './support.js';

// The relay's clock is injected and moved by hand, so a slow, loaded machine cannot end a
// cool-down early (or late) behind a test's back.
let offset = 0;
const clock = (): number => Date.now() + offset;
const advance = (ms: number): void => {
  offset += ms;
};
const COOL_DOWN = 10_000;

describe('circuit breaker: a carrier that keeps failing leaves rotation, then comes back', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      carriers: (emu) => [carrier(emu, 'a'), carrier(emu, 'b', { priority: 1 })],
      routing: { circuit: { failureThreshold: 2, coolDownMs: COOL_DOWN, maxCoolDownMs: 60_000 }, backoff: { baseMs: 1, maxMs: 1 }, now: clock },
    });
  });
  afterAll(() => h.close());
  afterEach(() => resetAll(h));

  async function openA(): Promise<void> {
    h.emulator.script({ type: 'status', status: 503 }, { match: { apiKey: keyOf('a') }, times: 2 });
    for (let i = 0; i < 2; i++) expect((await h.http.post(ROUTE).send(body)).status).toBe(200);
    expect(callOrder(h)).toEqual(['a', 'b', 'a', 'b']);
  }

  test('opens after consecutive failures: A is skipped (no upstream call) while it cools down', async () => {
    const before = clock();
    await openA();
    const state = h.relay.carriers().find((c) => c.id === 'a')!;
    expect(state).toMatchObject({ status: 'cooling_down', available: false, failures: 2, misconfigured: false });
    const until = Date.parse(state.coolingDownUntil!);
    expect(until).toBeGreaterThanOrEqual(before + COOL_DOWN);
    expect(until).toBeLessThanOrEqual(clock() + COOL_DOWN);
    expect(eventsOf(h, 'carrier.health')).toMatchObject([{ carrierId: 'a', status: 'cooling_down', failures: 2 }]);

    for (let i = 0; i < 3; i++) expect((await h.http.post(ROUTE).send(body)).status).toBe(200);
    expect(callsOf(h, 'a')).toHaveLength(2);
    expect(callsOf(h, 'b')).toHaveLength(5);
  });

  test('recovers: after the cool-down one probe goes to A; its success puts A back in rotation', async () => {
    await openA();
    advance(COOL_DOWN + 50);
    const res = await h.http.post(ROUTE).send(body);
    expect(res.status).toBe(200);
    expect(eventsOf(h, 'carrier.attempt', res.headers['x-request-id'] as string)).toMatchObject([{ carrierId: 'a', ok: true, probe: true }]);
    expect(h.relay.carriers().find((c) => c.id === 'a')).toMatchObject({ status: 'healthy', available: true, failures: 0, coolingDownUntil: null });
    expect(eventsOf(h, 'carrier.health').map((e) => e.status)).toEqual(['cooling_down', 'half_open', 'healthy']);
    expect((await h.http.post(ROUTE).send(body)).status).toBe(200);
    expect(callOrder(h).slice(-2)).toEqual(['a', 'a']);
  });

  test('a failed probe keeps A out for twice as long', async () => {
    await openA();
    advance(COOL_DOWN + 50);
    h.emulator.script({ type: 'status', status: 503 }, { match: { apiKey: keyOf('a') } });
    const probedAt = clock();
    expect((await h.http.post(ROUTE).send(body)).status).toBe(200); // probe fails, b serves
    const state = h.relay.carriers().find((c) => c.id === 'a')!;
    expect(state.status).toBe('cooling_down');
    const length = Date.parse(state.coolingDownUntil!) - probedAt;
    expect(length).toBeGreaterThanOrEqual(2 * COOL_DOWN);
    expect(length).toBeLessThan(2 * COOL_DOWN + 2_000);
    const cooling = eventsOf(h, 'carrier.health').filter((e) => e.status === 'cooling_down');
    expect(cooling).toHaveLength(2);
  });

  test('401/403 takes a carrier out at once (misconfigured), after a single call', async () => {
    h.emulator.script({ type: 'status', status: 403 }, { match: { apiKey: keyOf('a') } });
    expect((await h.http.post(ROUTE).send(body)).status).toBe(200);
    expect(h.relay.carriers().find((c) => c.id === 'a')).toMatchObject({ status: 'misconfigured', misconfigured: true, failures: 1 });
    expect(eventsOf(h, 'carrier.health')).toMatchObject([{ carrierId: 'a', status: 'misconfigured' }]);
    for (let i = 0; i < 2; i++) expect((await h.http.post(ROUTE).send(body)).status).toBe(200);
    expect(callOrder(h)).toEqual(['a', 'b', 'b', 'b']);
  });

  test.each([
    ['a wrong key: 400 API_KEY_INVALID, as the Gemini API answers it', 'API key not valid. Please pass a valid API key.', 'API_KEY_INVALID'],
    ['an expired key: 400 API_KEY_EXPIRED', 'API key expired. Please renew the API key.', 'API_KEY_EXPIRED'],
    ['a model id that does not exist (or was retired): 404', 'models/gemini-3-pro-image-preview is not found for API version v1beta.', undefined],
  ])('%s takes the carrier out at once; the caller gets its image from the next', async (_name, message, reason) => {
    h.emulator.script({ type: 'status', status: reason === undefined ? 404 : 400, message, ...(reason === undefined ? {} : { reason }) }, { match: { apiKey: keyOf('a') } });
    const res = await h.http.post(ROUTE).send(body);
    expect(res.status).toBe(200);
    expect(h.relay.carriers().find((c) => c.id === 'a')).toMatchObject({ status: 'misconfigured', misconfigured: true });
    expect((await h.http.post(ROUTE).send(body)).status).toBe(200);
    expect(callOrder(h)).toEqual(['a', 'b', 'b']);
  });

  test('relay.resetCarrierHealth(id) puts a carrier back at once', async () => {
    await openA();
    h.relay.resetCarrierHealth('a');
    expect((await h.http.post(ROUTE).send(body)).status).toBe(200);
    expect(callOrder(h).at(-1)).toBe('a');
    expect(() => h.relay.resetCarrierHealth('nope')).toThrow(RangeError);
  });
});

describe('no carrier in rotation: the answer comes at once', () => {
  let h: Harness;
  afterEach(() => h.close());

  test('the only carrier cooling down → 503 no_carrier_available with Retry-After, no upstream call, no download', async () => {
    h = await startHarness({
      carriers: (emu) => [carrier(emu, 'solo')],
      routing: { circuit: { failureThreshold: 1, coolDownMs: 30_000 } },
    });
    h.emulator.script({ type: 'status', status: 500 });
    expect((await h.http.post(ROUTE).send(body)).status).toBe(502);
    const res = await h.http.post(ROUTE).send({ ...body, image_input: [h.images.url('/ref.png')] });
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({
      code: 'no_carrier_available',
      type: 'upstream_error',
      message: 'No upstream carrier can take this request right now: every eligible carrier is cooling down after failures. Retry later.',
    });
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(29);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(30);
    expect(callsOf(h, 'solo')).toHaveLength(1);
    expect(h.images.hits.size).toBe(0);
    const healthz = h.relay.carriers();
    expect(healthz).toEqual([
      expect.objectContaining({ id: 'solo', official: true, priority: 0, weight: 1, maxConcurrency: 16, inFlight: 0, status: 'cooling_down' }),
    ]);
    expect(JSON.parse(JSON.stringify(healthz))).toEqual(healthz);
  });
});
