import { bearerApiKeys, RelayError } from '@banana-relay/core';
import { startHarness, type Harness } from './support/harness.js';

const ROUTE = '/v1/images/generations';
const body = { model: 'nano-banana-pro', prompt: 'a banana' };

describe('authorize with static Bearer keys, request ids and principals', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ authorize: bearerApiKeys({ 'sk-acme-0123456789': 'acme', 'sk-globex-9876543210': 'globex' }) });
  });
  afterAll(() => h.close());
  afterEach(() => {
    h.events.length = 0;
    h.emulator.reset();
  });

  test('no key → 401 with a Bearer challenge, before any upstream call', async () => {
    const res = await h.http.post(ROUTE).send(body);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.body.error).toMatchObject({ type: 'authentication_error', code: 'missing_api_key' });
    expect(h.emulator.requests).toHaveLength(0);
  });

  test.each(['sk-acme-012345678', 'sk-acme-01234567890', 'Basic abc', ''])('a wrong key (%j) → 401 invalid or missing', async (key) => {
    const res = await h.http.post(ROUTE).set('Authorization', key.startsWith('Basic') || key === '' ? key : `Bearer ${key}`).send(body);
    expect(res.status).toBe(401);
    expect(JSON.stringify(res.body)).not.toContain('sk-acme-0123456789');
  });

  test('the right key → 200; the principal and request id reach every request event', async () => {
    const res = await h.http.post(ROUTE).set('Authorization', 'Bearer sk-globex-9876543210').set('x-request-id', 'req-abc.123').send(body);
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBe('req-abc.123');
    const accepted = h.events.find((e) => e.type === 'request.accepted');
    const finished = h.events.find((e) => e.type === 'request.finished');
    expect(accepted).toMatchObject({ requestId: 'req-abc.123', principal: 'globex' });
    expect(finished).toMatchObject({ requestId: 'req-abc.123', principal: 'globex', status: 200 });
    expect(h.events.every((e) => e.requestId === 'req-abc.123')).toBe(true);
    // Every event of the request names who asked, including the upstream calls and the archived images.
    const perRequest = h.events.filter((e) => e.type !== 'carrier.health');
    expect(perRequest.map((e) => e.type)).toEqual(['request.accepted', 'carrier.attempt', 'image.archived', 'request.finished']);
    expect(perRequest.every((e) => 'principal' in e && e.principal === 'globex')).toBe(true);
  });

  test('requests refused before validation (401, 405, 413, not JSON) each have their request.finished', async () => {
    const auth = 'Bearer sk-acme-0123456789';
    const answers = [
      await h.http.post(ROUTE).send(body),
      await h.http.get(ROUTE).set('Authorization', auth),
      await h.http.post(ROUTE).set('Authorization', auth).send({ ...body, prompt: 'x'.repeat(2 * 1024 * 1024) }),
      await h.http.post(ROUTE).set('Authorization', auth).set('content-type', 'application/json').send('{"model":'),
    ];
    expect(answers.map((r) => r.status)).toEqual([401, 405, 413, 400]);
    const finished = h.events.filter((e) => e.type === 'request.finished');
    expect(finished.map((e) => [e.status, e.code, e.images])).toEqual([
      [401, 'missing_api_key', 0],
      [405, 'method_not_allowed', 0],
      [413, 'request_too_large', 0],
      [400, 'invalid_json', 0],
    ]);
    expect(finished.map((e) => e.requestId)).toEqual(answers.map((r) => r.headers['x-request-id']));
    expect(finished[2]).toMatchObject({ principal: 'acme' });
    expect(h.emulator.requests).toHaveLength(0);
  });

  test('an async onEvent listener that rejects breaks nothing: the request answers 200 and the process lives on', async () => {
    const failing = await startHarness({ onEvent: async () => Promise.reject(new Error('billing database down')) });
    try {
      const rejections: unknown[] = [];
      const onRejection = (reason: unknown): void => void rejections.push(reason);
      process.on('unhandledRejection', onRejection);
      try {
        const res = await failing.http.post(ROUTE).send(body);
        expect(res.status).toBe(200);
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(rejections).toEqual([]);
      } finally {
        process.off('unhandledRejection', onRejection);
      }
    } finally {
      await failing.close();
    }
  });

  test('a request id is generated when absent or unsafe, and echoed', async () => {
    const plain = await h.http.post(ROUTE).set('Authorization', 'Bearer sk-acme-0123456789').send(body);
    expect(plain.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const unsafe = await h.http.post(ROUTE).set('Authorization', 'Bearer sk-acme-0123456789').set('x-request-id', 'x'.repeat(300)).send(body);
    expect(unsafe.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('artifact URLs stay readable without a key (unguessable capability URLs)', async () => {
    const res = await h.http.post(ROUTE).set('Authorization', 'Bearer sk-acme-0123456789').send(body);
    const file = await h.http.get(new URL(res.body.data[0].url).pathname);
    expect(file.status).toBe(200);
  });
});

describe('a custom authorize under Express', () => {
  let h: Harness;
  const seen: Array<{ method: string; path: string; key: string | null; tenant: string | null }> = [];
  beforeAll(async () => {
    h = await startHarness({
      mountPath: '/api',
      authorize: (request) => {
        seen.push({
          method: request.method,
          path: new URL(request.url).pathname,
          key: request.headers.get('X-Api-Key'),
          tenant: request.headers.get('x-tenant'),
        });
        if (request.headers.get('x-api-key') !== 'k-1') throw new RelayError(401, 'Incorrect API key provided.', { code: 'invalid_api_key' });
        return 'tenant-1';
      },
    });
  });
  afterAll(() => h.close());
  afterEach(() => h.emulator.reset());

  test('gets the request (method, path as the relay sees it, headers) before the body is read, which the route then reads', async () => {
    const res = await h.http.post(`/api${ROUTE}`).set('x-api-key', 'k-1').set('x-tenant', 'a').send(body);
    expect(res.status).toBe(200);
    expect(h.events.find((e) => e.type === 'request.accepted')).toMatchObject({ principal: 'tenant-1' });
    expect(seen).toEqual([{ method: 'POST', path: ROUTE, key: 'k-1', tenant: 'a' }]);
  });

  test('its RelayError is the answer', async () => {
    const res = await h.http.post(`/api${ROUTE}`).set('x-api-key', 'nope').send(body);
    expect(res.status).toBe(401);
    expect(res.body.error).toMatchObject({ code: 'invalid_api_key' });
    expect(h.emulator.requests).toHaveLength(0);
  });
});
