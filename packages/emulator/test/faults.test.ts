import { startEmulator, type Emulator, type Fault } from '@banana-relay/emulator';
import { accessToken, callGemini, dimensions, geminiUrl, imagesOf, post, textRequest, vertexUrl, waitFor } from './helpers.js';

const request = textRequest('a banana', { imageSize: '1K', aspectRatio: '1:1' });

describe('faults', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(() => emu.close());
  afterEach(() => emu.reset());

  test.each([
    [400, 'INVALID_ARGUMENT'],
    [401, 'UNAUTHENTICATED'],
    [403, 'PERMISSION_DENIED'],
    [404, 'NOT_FOUND'],
    [429, 'RESOURCE_EXHAUSTED'],
    [500, 'INTERNAL'],
    [503, 'UNAVAILABLE'],
    [504, 'DEADLINE_EXCEEDED'],
  ])('status %i → Google error body with status %s', async (code, name) => {
    emu.script({ type: 'status', status: code });
    const res = await callGemini(emu, request);
    expect(res.status).toBe(code);
    expect(res.json).toEqual({ error: { code, message: expect.any(String), status: name } });
    expect(res.headers.get('retry-after')).toBeNull();
  });

  test('status with message and Retry-After', async () => {
    emu.script({ type: 'status', status: 429, message: 'Quota exceeded for aiplatform.googleapis.com', retryAfter: '7' });
    const res = await callGemini(emu, request);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(res.json.error).toEqual({ code: 429, message: 'Quota exceeded for aiplatform.googleapis.com', status: 'RESOURCE_EXHAUSTED' });
    expect(emu.requests[0]!.status).toBe(429);
  });

  test("status with Google's own details: RetryInfo (its wait hint on a 429, no header) and ErrorInfo", async () => {
    emu.script({ type: 'status', status: 429, retryDelay: '47s' });
    const limited = await callGemini(emu, request);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBeNull();
    expect(limited.json.error.details).toEqual([{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '47s' }]);
    emu.script({ type: 'status', status: 400, message: 'API key expired. Please renew the API key.', reason: 'API_KEY_EXPIRED' });
    const expired = await callGemini(emu, request);
    expect(expired.json.error).toMatchObject({ status: 'INVALID_ARGUMENT', details: [expect.objectContaining({ reason: 'API_KEY_EXPIRED' })] });
    expect(() => emu.script({ type: 'status', status: 429, retryDelay: '47 seconds' })).toThrow(/retryDelay/);
  });

  test('latency delays a normal answer', async () => {
    emu.script({ type: 'latency', ms: 300 });
    const started = Date.now();
    const res = await callGemini(emu, request);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(res.status).toBe(200);
    expect(imagesOf(res.json).final).toBeDefined();
  });

  test('slowBody sends the whole answer, a piece at a time, at about its rate', async () => {
    const reference = await callGemini(emu, request);
    const size = Buffer.byteLength(JSON.stringify(reference.json));
    // About 0.4 s for the whole answer.
    emu.script({ type: 'slowBody', bytesPerSecond: Math.round(size / 0.4) });
    const started = Date.now();
    const res = await fetch(geminiUrl(emu), { method: 'POST', headers: { 'x-goog-api-key': 'test-key', 'content-type': 'application/json' }, body: JSON.stringify(request) });
    expect(res.status).toBe(200);
    const pieces: Uint8Array[] = [];
    const reader = res.body!.getReader();
    for (let read = await reader.read(); !read.done; read = await reader.read()) pieces.push(read.value);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(pieces.length).toBeGreaterThan(5);
    const json = JSON.parse(Buffer.concat(pieces).toString('utf8'));
    expect(await dimensions(imagesOf(json).final!.bytes)).toMatchObject({ width: 1024, height: 1024, format: 'png' });
    expect(emu.requests.at(-1)).toMatchObject({ status: 200 });
    expect(() => emu.script({ type: 'slowBody', bytesPerSecond: 0 })).toThrow(/bytesPerSecond/);
  });

  test('hang never answers; the client abort is recorded as closedAt', async () => {
    emu.script({ type: 'hang' });
    const controller = new AbortController();
    const pending = fetch(geminiUrl(emu), {
      method: 'POST',
      headers: { 'x-goog-api-key': 'k', 'content-type': 'application/json' },
      body: JSON.stringify(request),
      signal: controller.signal,
    });
    await waitFor(() => emu.requests.length === 1 && emu.requests[0]!.body !== undefined);
    await new Promise((r) => setTimeout(r, 200));
    expect(emu.requests[0]!.closedAt).toBeUndefined();
    const abortedAt = Date.now();
    controller.abort();
    await expect(pending).rejects.toThrow();
    await waitFor(() => emu.requests[0]!.closedAt !== undefined, 2000);
    const record = emu.requests[0]!;
    expect(record.closedAt! - abortedAt).toBeLessThan(2000);
    expect(record.aborted).toBe(true);
    expect(record.status).toBe(0);
  });

  test('reset sends headers and part of the body, then drops the connection', async () => {
    emu.script({ type: 'reset' });
    const res = await fetch(geminiUrl(emu), { method: 'POST', headers: { 'x-goog-api-key': 'k' }, body: JSON.stringify(request) });
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    expect(emu.requests[0]!.aborted).toBeUndefined();
  });

  test('truncated is a complete HTTP answer with half a JSON document', async () => {
    emu.script({ type: 'truncated' });
    const res = await callGemini(emu, request);
    expect(res.status).toBe(200);
    expect(res.text.length).toBeGreaterThan(1000);
    expect(res.text.startsWith('{"candidates"')).toBe(true);
    expect(res.json).toBeUndefined();
  });

  test.each(['SAFETY', 'IMAGE_SAFETY', 'PROHIBITED_CONTENT', 'IMAGE_PROHIBITED_CONTENT', 'RECITATION', 'NO_IMAGE', 'IMAGE_OTHER'])(
    'finishReason %s → that reason and no image',
    async (reason) => {
      emu.script({ type: 'finishReason', reason });
      const res = await callGemini(emu, request);
      expect(res.status).toBe(200);
      expect(res.json.candidates[0].finishReason).toBe(reason);
      expect(imagesOf(res.json).final).toBeUndefined();
      expect(imagesOf(res.json).thoughts).toHaveLength(0);
    },
  );

  test('blockReason → no candidates, promptFeedback.blockReason', async () => {
    emu.script({ type: 'blockReason', reason: 'PROHIBITED_CONTENT' });
    const res = await callGemini(emu, request);
    expect(res.status).toBe(200);
    expect(res.json.candidates).toBeUndefined();
    expect(res.json.promptFeedback).toEqual({ blockReason: 'PROHIBITED_CONTENT' });
  });

  test('noImage → STOP with text only', async () => {
    emu.script({ type: 'noImage' });
    const res = await callGemini(emu, request);
    expect(res.json.candidates[0].finishReason).toBe('STOP');
    const parts = res.json.candidates[0].content.parts as Array<{ text?: string; thought?: boolean; inlineData?: unknown }>;
    expect(parts.some((p) => p.inlineData)).toBe(false);
    expect(parts.some((p) => typeof p.text === 'string' && !p.thought)).toBe(true);
  });

  test('mislabel declares a wrong mimeType over unchanged PNG bytes', async () => {
    emu.script({ type: 'mislabel', mimeType: 'image/jpeg' });
    const res = await callGemini(emu, request);
    const { final } = imagesOf(res.json);
    expect(final!.mimeType).toBe('image/jpeg');
    expect((await dimensions(final!.bytes)).format).toBe('png');
  });

  test('format jpeg → JPEG bytes on the Gemini API', async () => {
    emu.script({ type: 'format', format: 'jpeg' });
    const res = await callGemini(emu, request);
    const { final } = imagesOf(res.json);
    expect(final!.mimeType).toBe('image/jpeg');
    expect(await dimensions(final!.bytes)).toEqual({ width: 1024, height: 1024, format: 'jpeg' });
  });

  test('badImage cut: the final PNG ends halfway, in whole JSON and base64; junk: its bytes are no image', async () => {
    const whole = imagesOf((await callGemini(emu, request)).json).final!.bytes;
    emu.script({ type: 'badImage', damage: 'cut' });
    const cut = imagesOf((await callGemini(emu, request)).json).final!.bytes;
    expect(cut.subarray(0, 8)).toEqual(whole.subarray(0, 8)); // still a PNG signature
    expect(cut.length).toBeLessThan(whole.length * 0.6);
    expect(cut.includes(Buffer.from('IEND'))).toBe(false);
    emu.script({ type: 'badImage', damage: 'junk' });
    const junk = imagesOf((await callGemini(emu, request)).json).final!.bytes;
    expect(junk.subarray(0, 8)).not.toEqual(whole.subarray(0, 8));
    await expect(dimensions(junk)).rejects.toThrow();
  });

  test('x-emulator-fault applies to its request only and leaves the script queue alone', async () => {
    emu.script({ type: 'status', status: 500 });
    const fault: Fault = { type: 'status', status: 503, retryAfter: '2' };
    const first = await callGemini(emu, request, { 'x-goog-api-key': 'k', 'x-emulator-fault': JSON.stringify(fault) });
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('2');
    expect((await callGemini(emu, request)).status).toBe(500);
    expect((await callGemini(emu, request)).status).toBe(200);
  });

  test('an invalid x-emulator-fault → 400', async () => {
    const res = await callGemini(emu, request, { 'x-goog-api-key': 'k', 'x-emulator-fault': '{"type":"explode"}' });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain('invalid fault');
  });

  test('script() rejects malformed faults up front', () => {
    expect(() => emu.script({ type: 'status', status: 200 })).toThrow(/400-599/);
    expect(() => emu.script({ type: 'hang' }, { times: 0 })).toThrow(/times/);
    expect(() => emu.script({ type: 'badImage', damage: 'burnt' } as unknown as Fault)).toThrow(/damage/);
  });

  test('script() queues in order; times repeats; match selects requests', async () => {
    emu.script([
      { type: 'status', status: 429 },
      { type: 'status', status: 503 },
    ]);
    emu.script({ type: 'status', status: 500 }, { times: 2, match: { apiKey: 'key-b' } });
    const b = { 'x-goog-api-key': 'key-b' };
    const statuses = [];
    statuses.push((await callGemini(emu, request)).status); // 429
    statuses.push((await callGemini(emu, request, b)).status); // 503: first fitting entry in queue order
    statuses.push((await callGemini(emu, request)).status); // 200: only key-b entries remain
    statuses.push((await callGemini(emu, request, b)).status); // 500
    statuses.push((await callGemini(emu, request, b)).status); // 500
    statuses.push((await callGemini(emu, request, b)).status); // 200
    expect(statuses).toEqual([429, 503, 200, 500, 500, 200]);
  });

  test('match on kind and project', async () => {
    const token = await accessToken(emu);
    const bearer = { authorization: `Bearer ${token}` };
    emu.script({ type: 'status', status: 429 }, { match: { kind: 'vertex', project: 'p2' } });
    expect((await callGemini(emu, request)).status).toBe(200);
    expect((await post(vertexUrl(emu, 'p1'), request, bearer)).status).toBe(200);
    expect((await post(vertexUrl(emu, 'p2'), request, bearer)).status).toBe(429);
    expect((await post(vertexUrl(emu, 'p2'), request, bearer)).status).toBe(200);
  });

  test('an unauthenticated call does not consume a scripted fault', async () => {
    const strict = await startEmulator({ apiKeys: ['good'] });
    try {
      strict.script({ type: 'status', status: 503 });
      expect((await callGemini(strict, request, { 'x-goog-api-key': 'bad' })).status).toBe(400);
      expect((await callGemini(strict, request, { 'x-goog-api-key': 'good' })).status).toBe(503);
    } finally {
      await strict.close();
    }
  });

  test('requests are recorded in order with what they carried', async () => {
    await callGemini(emu, request, { 'x-goog-api-key': 'rec-key', 'x-custom': 'yes' });
    await fetch(`${emu.url}/nowhere`);
    const [gen, other] = emu.requests;
    expect(gen).toMatchObject({
      kind: 'gemini',
      method: 'POST',
      path: '/v1beta/models/gemini-3-pro-image-preview:generateContent',
      apiKey: 'rec-key',
      model: 'gemini-3-pro-image-preview',
      status: 200,
      body: request,
    });
    expect(gen!.headers['x-custom']).toBe('yes');
    expect(gen!.receivedAt).toBeLessThanOrEqual(gen!.closedAt!);
    expect(other).toMatchObject({ kind: 'other', method: 'GET', path: '/nowhere', status: 404 });
    emu.reset();
    expect(emu.requests).toHaveLength(0);
  });
});

describe('latencyMs option', () => {
  test('applies to every generateContent answer, and a latency fault adds to it', async () => {
    const slow = await startEmulator({ latencyMs: 250 });
    try {
      let started = Date.now();
      expect((await callGemini(slow, request)).status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(240);
      slow.script({ type: 'latency', ms: 200 });
      started = Date.now();
      expect((await callGemini(slow, request)).status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(440);
    } finally {
      await slow.close();
    }
  });
});

describe('close()', () => {
  test('finishes promptly with a hung request open, and its client sees the connection end', async () => {
    const emu = await startEmulator();
    emu.script({ type: 'hang' });
    const pending = callGemini(emu, request);
    pending.catch(() => undefined);
    await waitFor(() => emu.requests.length === 1 && emu.requests[0]!.body !== undefined);
    const started = Date.now();
    await emu.close();
    // A hung exchange must not hold close() until some timeout (generous bound: shared machines).
    expect(Date.now() - started).toBeLessThan(3000);
    await expect(pending).rejects.toThrow();
    expect(emu.requests[0]!.closedAt).toBeDefined();
  });
});

describe('prerender()', () => {
  test('warms the cache so the next answer of that size costs only the send', async () => {
    const emu = await startEmulator();
    try {
      await emu.prerender([{ resolution: '2K', aspectRatio: '5:4' }]);
      const started = Date.now();
      const res = await callGemini(emu, textRequest('after prerender', { imageSize: '2K', aspectRatio: '5:4' }));
      const elapsed = Date.now() - started;
      expect(await dimensions(imagesOf(res.json).final!.bytes)).toMatchObject({ width: 2304, height: 1856 });
      expect(elapsed).toBeLessThan(1000);
      await expect(emu.prerender([{ resolution: '8K' as '4K', aspectRatio: '1:1' }])).rejects.toThrow(RangeError);
    } finally {
      await emu.close();
    }
  });
});

describe('the record of requests', () => {
  test('keeps the last maxRecordedRequests, so a long-running emulator does not grow without bound', async () => {
    const emu = await startEmulator({ maxRecordedRequests: 3 });
    try {
      for (let i = 0; i < 5; i++) await callGemini(emu, textRequest(`prompt ${i}`, { imageSize: '1K', aspectRatio: '1:1' }));
      expect(emu.requests).toHaveLength(3);
      expect(emu.requests.map((r) => (r.body as { contents: Array<{ parts: Array<{ text: string }> }> }).contents[0]!.parts[0]!.text)).toEqual(['prompt 2', 'prompt 3', 'prompt 4']);
    } finally {
      await emu.close();
    }
  });
});
