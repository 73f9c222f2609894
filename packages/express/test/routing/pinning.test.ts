import { startHarness, type Harness } from '../support/harness.js';
import { body, callOrder, carrier, eventsOf, keyOf, resetAll, ROUTE } from './support.js';

const SECRET = 'operator-pin-secret-0123456789';

describe('operator pinning (routing.pinning)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      carriers: (emu) => [carrier(emu, 'a'), carrier(emu, 'b', { priority: 1 }), carrier(emu, 'tp', { official: false, priority: 2 })],
      routing: { pinning: { secret: SECRET }, circuit: { failureThreshold: 1, coolDownMs: 60_000 } },
    });
  });
  afterAll(() => h.close());
  afterEach(() => resetAll(h));

  const pinned = (id: string, secret = SECRET) => h.http.post(ROUTE).set('x-relay-pin', id).set('x-relay-pin-secret', secret);

  test('with the secret, a request goes to the pinned carrier', async () => {
    const res = await pinned('b').send(body);
    expect(res.status).toBe(200);
    expect(callOrder(h)).toEqual(['b']);
    expect(eventsOf(h, 'carrier.attempt')).toMatchObject([{ carrierId: 'b', pinned: true, ok: true }]);
  });

  test('without the right secret: 403, nothing sent upstream', async () => {
    for (const res of [await pinned('b', 'wrong-secret').send(body), await h.http.post(ROUTE).set('x-relay-pin', 'b').send(body)]) {
      expect(res.status).toBe(403);
      expect(res.body.error).toMatchObject({ code: 'pin_forbidden', type: 'permission_error' });
      expect(JSON.stringify(res.body)).not.toContain(SECRET);
    }
    expect(callOrder(h)).toEqual([]);
  });

  test('an unknown carrier id: 400', async () => {
    const res = await pinned('nope').send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('unknown_carrier');
  });

  test('a pinned request does not fail over', async () => {
    h.emulator.script({ type: 'status', status: 503 }, { match: { apiKey: keyOf('b') } });
    const res = await pinned('b').send(body);
    expect(res.status).toBe(503);
    expect(callOrder(h)).toEqual(['b']);
  });

  test('a pinned request reaches a carrier that is cooling down (to validate it live), and its success brings it back', async () => {
    h.emulator.script({ type: 'status', status: 500 }, { match: { apiKey: keyOf('a') } });
    expect((await h.http.post(ROUTE).send(body)).status).toBe(200); // a fails (circuit opens), b serves
    expect(h.relay.carriers().find((c) => c.id === 'a')!.status).toBe('cooling_down');
    expect((await pinned('a').send(body)).status).toBe(200);
    expect(h.relay.carriers().find((c) => c.id === 'a')!.status).toBe('healthy');
    expect(callOrder(h)).toEqual(['a', 'b', 'a']);
  });

  test('pinning does not lift the multi-reference rule', async () => {
    const res = await pinned('tp').send({ ...body, image_input: [h.images.url('/ref-1.png'), h.images.url('/ref-2.png')] });
    expect(res.status).toBe(503);
    expect(res.body.error.message).toContain('go only to official');
    expect(callOrder(h)).toEqual([]);
  });

  test('relay.generate({ pinnedCarrier }) pins from trusted code', async () => {
    await h.relay.generate(body, { pinnedCarrier: 'tp' });
    expect(callOrder(h)).toEqual(['tp']);
  });
});

describe('pinning off (the default)', () => {
  let h: Harness;
  afterAll(() => h.close());

  test('the headers are ignored like any unknown header', async () => {
    h = await startHarness({ carriers: (emu) => [carrier(emu, 'a'), carrier(emu, 'b', { priority: 1 })] });
    const res = await h.http.post(ROUTE).set('x-relay-pin', 'b').set('x-relay-pin-secret', SECRET).send(body);
    expect(res.status).toBe(200);
    expect(callOrder(h)).toEqual(['a']);
  });
});
