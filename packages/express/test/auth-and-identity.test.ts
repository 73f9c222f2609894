import { bearerApiKeys } from '@banana-relay/core';
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
