import sharp from 'sharp';
import { binary, emulatedGemini, filesUnder, GEMINI_KEY, pathOf, startHarness, type Harness } from './support/harness.js';

const ROUTE = '/v1/images/generations';
const body = { model: 'nano-banana-pro', prompt: 'a banana', resolution: '1K', aspect_ratio: '1:1' };

async function stored(h: Harness, url: string): Promise<{ bytes: Buffer; type: string }> {
  const res = await h.http.get(pathOf(url)).buffer(true).parse(binary);
  expect(res.status).toBe(200);
  return { bytes: res.body as Buffer, type: res.headers['content-type'] as string };
}

describe('reading what the model answers', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ carriers: (emu) => [emulatedGemini(emu, 'gemini', { timeoutMs: 1500 })] });
  });
  afterAll(() => h.close());
  afterEach(() => {
    h.emulator.reset();
    // Each test scripts its own upstream failures: start it with the carrier back in rotation.
    h.relay.resetCarrierHealth();
  });

  test('the final image is the last non-thought image, not an interim thought image', async () => {
    const res = await h.http.post(ROUTE).send(body);
    expect(res.status).toBe(200);
    const { bytes } = await stored(h, res.body.data[0].url);
    const meta = await sharp(bytes).metadata();
    // The emulator's thought images are small previews; the final one has the model's real size.
    expect([meta.width, meta.height]).toEqual([1024, 1024]);
  });

  test('a PNG labelled image/jpeg is stored as what it is: png, image/png', async () => {
    h.emulator.script({ type: 'mislabel', mimeType: 'image/jpeg' });
    const res = await h.http.post(ROUTE).send(body);
    expect(res.status).toBe(200);
    expect(res.body.data[0].url).toMatch(/\.png$/);
    const { bytes, type } = await stored(h, res.body.data[0].url);
    expect(type).toBe('image/png');
    expect((await sharp(bytes).metadata()).format).toBe('png');
  });

  test('png from upstream, jpg requested → transcoded; stored bytes, extension and type are JPEG', async () => {
    const res = await h.http.post(ROUTE).send({ ...body, output_format: 'jpg' });
    expect(res.status).toBe(200);
    expect(res.body.data[0].url).toMatch(/\.jpg$/);
    const { bytes, type } = await stored(h, res.body.data[0].url);
    expect(type).toBe('image/jpeg');
    const meta = await sharp(bytes).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 1024, 1024]);
    expect(h.events.some((e) => e.type === 'image.archived' && e.transcoded)).toBe(true);
  });

  test('jpeg from upstream, png requested → transcoded to PNG', async () => {
    h.emulator.script({ type: 'format', format: 'jpeg' });
    const res = await h.http.post(ROUTE).send({ ...body, output_format: 'png' });
    expect(res.status).toBe(200);
    const { bytes, type } = await stored(h, res.body.data[0].url);
    expect(type).toBe('image/png');
    expect((await sharp(bytes).metadata()).format).toBe('png');
  });

  test('n = 3 is three upstream calls (candidateCount never above 1) and three distinct files', async () => {
    const res = await h.http.post(ROUTE).send({ ...body, n: 3 });
    expect(res.status).toBe(200);
    const urls: string[] = res.body.data.map((d: { url: string }) => d.url);
    expect(new Set(urls).size).toBe(3);
    expect(urls.map((u) => u.match(/-(\d)\.png$/)?.[1])).toEqual(['1', '2', '3']);
    const calls = h.emulator.requests.filter((r) => r.kind === 'gemini');
    expect(calls).toHaveLength(3);
    for (const call of calls) {
      const config = (call.body as { generationConfig: { candidateCount?: number } }).generationConfig;
      expect(config.candidateCount ?? 1).toBe(1);
    }
    for (const url of urls) await stored(h, url);
  });

  test('n = 3 with one failing call → an error, and no file left behind', async () => {
    h.emulator.script([{ type: 'latency', ms: 200 }, { type: 'status', status: 400, message: 'bad' }, { type: 'latency', ms: 200 }]);
    const res = await h.http.post(ROUTE).send({ ...body, n: 3 });
    expect(res.status).toBe(400);
    expect(h.events.filter((e) => e.type === 'image.archived' && e.requestId === res.headers['x-request-id'])).toHaveLength(0);
  });

  const policy = [
    'SAFETY',
    'IMAGE_SAFETY',
    'PROHIBITED_CONTENT',
    'IMAGE_PROHIBITED_CONTENT',
    'BLOCKLIST',
    'SPII',
    'RECITATION',
    'IMAGE_RECITATION',
  ];
  test.each(policy)('finishReason %s → 400 content_policy_violation', async (reason) => {
    h.emulator.script({ type: 'finishReason', reason });
    const res = await h.http.post(ROUTE).send(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'content_policy_violation', type: 'invalid_request_error' });
    expect(res.body.error.message).toContain(reason);
  });

  test('promptFeedback.blockReason → 400 content_policy_violation', async () => {
    h.emulator.script({ type: 'blockReason', reason: 'PROHIBITED_CONTENT' });
    const res = await h.http.post(ROUTE).send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('content_policy_violation');
  });

  test.each([
    ['finishReason NO_IMAGE', { type: 'finishReason', reason: 'NO_IMAGE' }],
    ['finishReason IMAGE_OTHER', { type: 'finishReason', reason: 'IMAGE_OTHER' }],
    ['text only', { type: 'noImage' }],
  ] as const)('%s → 502 upstream_no_image', async (_name, fault) => {
    h.emulator.script(fault);
    const res = await h.http.post(ROUTE).send(body);
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('upstream_no_image');
  });

  test.each([
    ['cut short', 'png', 'cut'],
    ['cut short', 'jpg', 'cut'],
    ['no image at all', 'png', 'junk'],
    ['no image at all', 'jpg', 'junk'],
  ] as const)('final image bytes %s, %s requested → 502 upstream_no_image, nothing archived', async (_name, format, damage) => {
    const before = await filesUnder(h.storageDir);
    h.emulator.script({ type: 'badImage', damage });
    const res = await h.http.post(ROUTE).send({ ...body, output_format: format });
    expect(res.status).toBe(502);
    expect(res.body.error).toMatchObject({ code: 'upstream_no_image', type: 'upstream_error' });
    expect(h.events.filter((e) => e.type === 'image.archived' && e.requestId === res.headers['x-request-id'])).toHaveLength(0);
    expect(await filesUnder(h.storageDir)).toEqual(before);
  });

  test('upstream 400 → 400 with a sanitized message', async () => {
    h.emulator.script({ type: 'status', status: 400, message: `Invalid value at https://generativelanguage.googleapis.com/v1beta/x?key=${GEMINI_KEY}` });
    const res = await h.http.post(ROUTE).send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('upstream_rejected');
    expect(JSON.stringify(res.body)).not.toContain(GEMINI_KEY);
    expect(JSON.stringify(res.body)).not.toContain('googleapis.com');
  });

  test.each([401, 403])('upstream %i → 502, the misconfiguration is not shown', async (status) => {
    h.emulator.script({ type: 'status', status, message: `API key ${GEMINI_KEY} not valid` });
    const res = await h.http.post(ROUTE).send(body);
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('upstream_misconfigured');
    expect(JSON.stringify(res.body)).not.toContain(GEMINI_KEY);
  });

  test('upstream 429 → 429 with Retry-After', async () => {
    h.emulator.script({ type: 'status', status: 429, retryAfter: '17' });
    const res = await h.http.post(ROUTE).send(body);
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('17');
    expect(res.body.error).toMatchObject({ code: 'rate_limited', type: 'rate_limit_error' });
  });

  test.each([
    [500, 502, 'upstream_error'],
    [503, 503, 'upstream_unavailable'],
  ])('upstream %i → %i %s', async (status, expected, code) => {
    h.emulator.script({ type: 'status', status });
    const res = await h.http.post(ROUTE).send(body);
    expect(res.status).toBe(expected);
    expect(res.body.error.code).toBe(code);
  });

  test('a connection reset mid-body → 502', async () => {
    h.emulator.script({ type: 'reset' });
    const res = await h.http.post(ROUTE).send(body);
    expect(res.status).toBe(502);
  });

  test('truncated JSON → 502', async () => {
    h.emulator.script({ type: 'truncated' });
    const res = await h.http.post(ROUTE).send(body);
    expect(res.status).toBe(502);
  });

  test('an upstream that hangs → 504 after the carrier timeout, not a hang', async () => {
    h.emulator.script({ type: 'hang' });
    const started = Date.now();
    const res = await h.http.post(ROUTE).send(body);
    expect(res.status).toBe(504);
    expect(res.body.error.code).toBe('upstream_timeout');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('no error message carries the key or the upstream address', async () => {
    const port = new URL(h.emulator.url).port;
    for (const fault of [{ type: 'status', status: 500 }, { type: 'reset' }, { type: 'status', status: 403 }] as const) {
      h.emulator.script(fault);
      const res = await h.http.post(ROUTE).send(body);
      const text = JSON.stringify(res.body);
      expect(text).not.toContain(GEMINI_KEY);
      expect(text).not.toContain(port);
      expect(text).not.toContain('127.0.0.1');
    }
  });
});

describe('an answer that breaks off early frees its connection', () => {
  let h: Harness;
  beforeAll(async () => {
    // One pooled connection: if the broken answer's body were left unread, the next call would wait behind it.
    h = await startHarness({ carriers: (emu) => [emulatedGemini(emu, 'gemini', { maxConcurrency: 1, timeoutMs: 5000 })] });
  });
  afterAll(() => h.close());

  test('JSON broken near its start → 502 at once, and the next request gets its image on the same pool', async () => {
    h.emulator.script({ type: 'garbled' });
    const broken = await h.http.post(ROUTE).send(body);
    expect(broken.status).toBe(502);
    expect(broken.body.error.code).toBe('upstream_error');
    h.relay.resetCarrierHealth();
    const next = await h.http.post(ROUTE).send(body);
    expect(next.status).toBe(200);
    expect(next.body.data[0].url).toMatch(/\.png$/);
  });
});

describe('an upstream 400 that quotes the credential back', () => {
  // A Gemini-compatible gateway with its own key format: no pattern knows this shape.
  const ODD_KEY = 'gk_prod_SECRETMARKER_7f3a9c';
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ carriers: (emu) => [emulatedGemini(emu, 'gateway', { apiKey: ODD_KEY })] });
  });
  afterAll(() => h.close());

  test("400 upstream_rejected with the explanation, but without the key or the upstream's addresses", async () => {
    h.emulator.script({ type: 'status', status: 400, message: `API key not valid: '${ODD_KEY}' (sent to gw.internal.example:9443, 10.0.0.7)` });
    const res = await h.http.post(ROUTE).send(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'upstream_rejected', type: 'invalid_request_error' });
    expect(res.body.error.message).toContain('API key not valid');
    for (const secret of [ODD_KEY, 'SECRETMARKER', 'gw.internal.example', '10.0.0.7']) expect(JSON.stringify(res.body)).not.toContain(secret);
  });
});
