import { startHarness, type Harness } from '../support/harness.js';
import { body, callOrder, callsOf, carrier, eventsOf, keyOf, resetAll, ROUTE } from './support.js';

describe('failover across carriers', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      // a is preferred (priority 0), then b, then c: the order of attempts is deterministic.
      carriers: (emu) => [carrier(emu, 'a'), carrier(emu, 'b', { priority: 1 }), carrier(emu, 'c', { priority: 2 })],
      routing: { backoff: { baseMs: 20, maxMs: 50 } },
    });
  });
  afterAll(() => h.close());
  afterEach(() => resetAll(h));

  test('429 on carrier A, then success on carrier B', async () => {
    h.emulator.script({ type: 'status', status: 429 }, { match: { apiKey: keyOf('a') } });
    const res = await h.http.post(ROUTE).send(body);
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(1);
    expect(callOrder(h)).toEqual(['a', 'b']);
    const requestId = res.headers['x-request-id'] as string;
    const attempts = eventsOf(h, 'carrier.attempt', requestId);
    expect(attempts).toMatchObject([
      { carrierId: 'a', attempt: 1, ok: false, status: 429, error: 'rate_limited', retryable: true },
      { carrierId: 'b', attempt: 2, ok: true },
    ]);
    expect(eventsOf(h, 'carrier.fallback', requestId)).toMatchObject([{ from: 'a', to: 'b', reason: 'rate_limited', attempt: 2 }]);
    const [fallback] = eventsOf(h, 'carrier.fallback', requestId);
    expect(fallback!.delayMs).toBeGreaterThanOrEqual(0);
    expect(fallback!.delayMs).toBeLessThan(20);
    expect(eventsOf(h, 'image.archived', requestId)).toMatchObject([{ carrierId: 'b' }]);
  });

  test.each([
    ['500', { type: 'status', status: 500 }],
    ['502', { type: 'status', status: 502 }],
    ['504', { type: 'status', status: 504 }],
    ['a connection reset', { type: 'reset' }],
    ['truncated JSON', { type: 'truncated' }],
    ['no image (upstream_no_image)', { type: 'noImage' }],
    ['an image cut short', { type: 'badImage', damage: 'cut' }],
    ['bytes that are no image', { type: 'badImage', damage: 'junk' }],
  ] as const)('%s on A moves the image to B', async (_name, fault) => {
    h.emulator.script(fault, { match: { apiKey: keyOf('a') } });
    const res = await h.http.post(ROUTE).send(body);
    expect(res.status).toBe(200);
    expect(callOrder(h)).toEqual(['a', 'b']);
    expect(eventsOf(h, 'image.archived', res.headers['x-request-id'] as string)).toMatchObject([{ carrierId: 'b' }]);
  });

  test('every carrier answers 503 → a clear 503, after one call to each', async () => {
    h.emulator.script({ type: 'status', status: 503 }, { times: 3 });
    const res = await h.http.post(ROUTE).send(body);
    expect(res.status).toBe(503);
    expect(res.body.error).toEqual({
      message: 'The upstream model is unavailable. Retry later.',
      type: 'upstream_error',
      param: null,
      code: 'upstream_unavailable',
    });
    expect(callOrder(h)).toEqual(['a', 'b', 'c']);
    expect(eventsOf(h, 'image.archived')).toHaveLength(0);
    expect(eventsOf(h, 'request.finished')).toMatchObject([{ status: 503, code: 'upstream_unavailable', images: 0 }]);
  });

  test.each([
    ['a 400', { type: 'status', status: 400, message: 'bad' }, 'upstream_rejected'],
    ['a content-policy refusal', { type: 'finishReason', reason: 'SAFETY' }, 'content_policy_violation'],
    // Vertex: the project's own Model Armor policy; another carrier must not be used to get around it.
    ['a Model Armor block', { type: 'finishReason', reason: 'MODEL_ARMOR' }, 'content_policy_violation'],
  ] as const)('%s on A ends the request at once: 400, B never called', async (_name, fault, code) => {
    h.emulator.script(fault, { match: { apiKey: keyOf('a') } });
    const res = await h.http.post(ROUTE).send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(code);
    expect(callOrder(h)).toEqual(['a']);
  });

  test('each of the n images fails over on its own', async () => {
    h.emulator.script({ type: 'status', status: 503 }, { match: { apiKey: keyOf('a') } });
    const res = await h.http.post(ROUTE).send({ ...body, n: 3 });
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(3);
    // One of the three images met the 503 and went to b; the other two stayed on a.
    expect(callsOf(h, 'a')).toHaveLength(3);
    expect(callsOf(h, 'b')).toHaveLength(1);
    const fallbacks = eventsOf(h, 'carrier.fallback');
    expect(fallbacks).toHaveLength(1);
    expect(eventsOf(h, 'image.archived').map((e) => e.carrierId).sort()).toEqual(['a', 'a', 'b']);
  });
});

describe('bounded attempts', () => {
  let h: Harness;
  afterEach(() => h.close());

  test('maxAttempts caps the calls of one image, whatever the number of carriers', async () => {
    h = await startHarness({
      carriers: (emu) => [carrier(emu, 'a'), carrier(emu, 'b', { priority: 1 }), carrier(emu, 'c', { priority: 2 })],
      routing: { maxAttempts: 2, backoff: { baseMs: 10, maxMs: 10 } },
    });
    h.emulator.script({ type: 'status', status: 503 }, { times: 3 });
    const res = await h.http.post(ROUTE).send(body);
    expect(res.status).toBe(503);
    expect(callOrder(h)).toEqual(['a', 'b']);
  });

  test('maxAttemptsPerCarrier retries the same account after a backoff', async () => {
    h = await startHarness({
      carriers: (emu) => [carrier(emu, 'solo')],
      routing: { maxAttemptsPerCarrier: 3, backoff: { baseMs: 40, maxMs: 1_000 }, random: () => 0.5 },
    });
    h.emulator.script({ type: 'status', status: 503 }, { times: 2 });
    const res = await h.http.post(ROUTE).send(body);
    expect(res.status).toBe(200);
    expect(callOrder(h)).toEqual(['solo', 'solo', 'solo']);
    // Full jitter with random() = 0.5: half of 40 ms, then half of 80 ms.
    expect(eventsOf(h, 'carrier.fallback').map((e) => e.delayMs)).toEqual([20, 40]);
    const [first, second, third] = callsOf(h, 'solo');
    expect(second!.receivedAt - first!.closedAt!).toBeGreaterThanOrEqual(15);
    expect(third!.receivedAt - second!.closedAt!).toBeGreaterThanOrEqual(35);
  });

  test('by default one carrier is tried once per image: a single 503 is the answer', async () => {
    h = await startHarness({ carriers: (emu) => [carrier(emu, 'solo')] });
    h.emulator.script({ type: 'status', status: 503 });
    const res = await h.http.post(ROUTE).send(body);
    expect(res.status).toBe(503);
    expect(callOrder(h)).toEqual(['solo']);
  });
});
