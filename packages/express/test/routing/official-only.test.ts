import { startHarness, type Harness } from '../support/harness.js';
import { body, callOrder, callsOf, carrier, keyOf, resetAll, ROUTE } from './support.js';

describe('the multi-reference rule: 2+ references go only to official carriers', () => {
  let h: Harness;
  let twoRefs: Record<string, unknown>;
  let oneRef: Record<string, unknown>;
  beforeAll(async () => {
    h = await startHarness({
      carriers: (emu) => [carrier(emu, 'official'), carrier(emu, 'thirdparty', { official: false, priority: 1 })],
    });
    twoRefs = { ...body, image_input: [h.images.url('/ref-1.png'), h.images.url('/ref-2.png')] };
    oneRef = { ...body, image_input: [h.images.url('/ref.png')] };
  });
  afterAll(() => h.close());
  afterEach(() => resetAll(h));

  test('with the official carrier healthy, a two-reference request goes to it', async () => {
    const res = await h.http.post(ROUTE).send(twoRefs);
    expect(res.status).toBe(200);
    expect(callOrder(h)).toEqual(['official']);
  });

  test('never reaches a non-official carrier, even when it is the only healthy one: 503 saying why, no upstream call', async () => {
    // The official carrier answers 401: it is out of rotation at once (misconfigured).
    h.emulator.script({ type: 'status', status: 401 }, { match: { apiKey: keyOf('official') } });
    const warmup = await h.http.post(ROUTE).send(body);
    expect(warmup.status).toBe(200); // text-only: failed over to the third party
    expect(callOrder(h)).toEqual(['official', 'thirdparty']);
    expect(h.relay.carriers().find((c) => c.id === 'official')).toMatchObject({ misconfigured: true, available: false });

    const hitsBefore = h.images.hits.get('/ref-1.png') ?? 0;
    const callsBefore = h.emulator.requests.length;
    const res = await h.http.post(ROUTE).send(twoRefs);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('no_carrier_available');
    expect(res.body.error.message).toBe(
      'No upstream carrier can take this request right now: requests with 2 or more reference images go only to official ' +
        '(Gemini/Vertex) carriers, and every eligible carrier is out of service (misconfigured). Retry later.',
    );
    // Decided before anything was downloaded or sent upstream.
    expect(h.emulator.requests.length).toBe(callsBefore);
    expect(callsOf(h, 'thirdparty')).toHaveLength(1);
    expect(h.images.hits.get('/ref-1.png') ?? 0).toBe(hitsBefore);
    // The message names no carrier.
    expect(res.body.error.message).not.toMatch(/official'|thirdparty|key-/);
  });

  test('…while a single-reference request may use it', async () => {
    h.emulator.script({ type: 'status', status: 401 }, { match: { apiKey: keyOf('official') } });
    await h.http.post(ROUTE).send(body);
    const res = await h.http.post(ROUTE).send(oneRef);
    expect(res.status).toBe(200);
    expect(callOrder(h)).toEqual(['official', 'thirdparty', 'thirdparty']);
  });

  test('a retryable failure of the official carrier does not fail a two-reference request over to the third party', async () => {
    h.emulator.script({ type: 'status', status: 503 }, { match: { apiKey: keyOf('official') } });
    const res = await h.http.post(ROUTE).send(twoRefs);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('upstream_unavailable');
    expect(callOrder(h)).toEqual(['official']);
  });
});

describe('the rule with only non-official carriers, and as a setting', () => {
  let h: Harness;
  afterEach(() => h.close());

  test('no official carrier configured: 503 that says so, nothing downloaded or sent', async () => {
    h = await startHarness({ carriers: (emu) => [carrier(emu, 'thirdparty', { official: false })] });
    const res = await h.http.post(ROUTE).send({ ...body, image_input: [h.images.url('/ref-1.png'), h.images.url('/ref-2.png')] });
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({
      code: 'no_carrier_available',
      message:
        'No upstream carrier can take this request: requests with 2 or more reference images go only to official (Gemini/Vertex) carriers, and none is configured.',
    });
    expect(h.emulator.requests).toHaveLength(0);
    expect(h.images.hits.size).toBe(0);
  });

  test('routing.officialOnlyFromReferences moves the threshold', async () => {
    h = await startHarness({
      capabilities: { maxReferences: 3 },
      carriers: (emu) => [carrier(emu, 'thirdparty', { official: false })],
      routing: { officialOnlyFromReferences: 3 },
    });
    const two = await h.http.post(ROUTE).send({ ...body, image_input: [h.images.url('/ref-1.png'), h.images.url('/ref-2.png')] });
    expect(two.status).toBe(200);
    const three = await h.http
      .post(ROUTE)
      .send({ ...body, image_input: [h.images.url('/ref-1.png'), h.images.url('/ref-2.png'), h.images.url('/ref.png')] });
    expect(three.status).toBe(503);
    expect(three.body.error.message).toContain('requests with 3 or more reference images go only to official');
  });
});

describe("carriers' capability limits", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      capabilities: { resolutions: ['1K', '2K', '4K'], aspectRatios: ['1:1', '21:9'] },
      carriers: (emu) => [
        carrier(emu, 'small', { resolutions: ['1K'], aspectRatios: ['1:1'], maxReferenceImages: 1 }),
        carrier(emu, 'big', { priority: 1 }),
      ],
    });
  });
  afterAll(() => h.close());
  afterEach(() => resetAll(h));

  test('a request the preferred carrier cannot serve goes to one that can', async () => {
    expect((await h.http.post(ROUTE).send(body)).status).toBe(200);
    expect((await h.http.post(ROUTE).send({ ...body, resolution: '4K' })).status).toBe(200);
    expect((await h.http.post(ROUTE).send({ ...body, aspect_ratio: '21:9' })).status).toBe(200);
    const two = { ...body, image_input: [h.images.url('/ref-1.png'), h.images.url('/ref-2.png')] };
    expect((await h.http.post(ROUTE).send(two)).status).toBe(200);
    expect(callOrder(h)).toEqual(['small', 'big', 'big', 'big']);
  });

  test('no carrier supports it: 503 naming the unsupported value', async () => {
    const res = await h.http.post(ROUTE).send({ ...body, resolution: '2K' });
    expect(res.status).toBe(200); // big supports everything
    await h.close();
    h = await startHarness({
      capabilities: { resolutions: ['1K', '2K', '4K'] },
      carriers: (emu) => [carrier(emu, 'small', { resolutions: ['1K'] })],
    });
    const refused = await h.http.post(ROUTE).send({ ...body, resolution: '4K' });
    expect(refused.status).toBe(503);
    expect(refused.body.error.message).toBe('No upstream carrier can take this request: no carrier supports resolution 4K.');
    expect(h.emulator.requests).toHaveLength(0);
  });
});
