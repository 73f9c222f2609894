import { request as httpRequest } from 'node:http';
import { startHarness, type Harness } from '../support/harness.js';
import { body, callsOf, carrier, eventsOf, ROUTE, until } from './support.js';

describe('global admission limit (routing.maxInFlight)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ carriers: (emu) => [carrier(emu, 'a')], routing: { maxInFlight: 2 } });
  });
  afterAll(() => h.close());

  test('beyond it, requests get 429 at once and never reach the upstream; once below it, they are served', async () => {
    h.emulator.script({ type: 'latency', ms: 1_500 }, { times: 2 });
    const slow = [h.http.post(ROUTE).send(body), h.http.post(ROUTE).send(body)].map((p) => p.then((r) => r.status));
    await until(() => callsOf(h, 'a').length === 2, 10_000, 'two requests in flight');

    const refused = await h.http.post(ROUTE).send(body);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body.error).toEqual({
      message: 'The relay is at capacity: too many image generations are in progress. Retry shortly.',
      type: 'rate_limit_error',
      param: null,
      code: 'relay_at_capacity',
    });
    expect(callsOf(h, 'a')).toHaveLength(2);
    expect(eventsOf(h, 'request.finished', refused.headers['x-request-id'] as string)).toMatchObject([{ status: 429, code: 'relay_at_capacity' }]);
    // Invalid requests are still told what is wrong with them.
    expect((await h.http.post(ROUTE).send({ ...body, model: 'dall-e-3' })).status).toBe(400);

    expect(await Promise.all(slow)).toEqual([200, 200]);
    expect((await h.http.post(ROUTE).send(body)).status).toBe(200);
  });
});

describe('admission on the uploads route', () => {
  test('a full relay answers an upload 429 at once, before its body is read (not after a large upload)', async () => {
    const h = await startHarness({ carriers: (emu) => [carrier(emu, 'a')], routing: { maxInFlight: 1 }, edits: { enabled: true } });
    try {
      h.emulator.script({ type: 'latency', ms: 1_500 });
      const slow = h.http.post(ROUTE).send(body).then((r) => r.status);
      await until(() => callsOf(h, 'a').length === 1, 10_000, 'one request in flight');
      // An upload that has sent only its first bytes, and would send megabytes more.
      const answer = await new Promise<{ status: number; code: string }>((resolve, reject) => {
        const req = httpRequest(`${h.origin}/v1/images/edits`, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=b' } }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            resolve({ status: res.statusCode ?? 0, code: (JSON.parse(text) as { error: { code: string } }).error.code });
            req.destroy();
          });
        });
        req.on('error', reject);
        req.write('--b\r\ncontent-disposition: form-data; name="image"; filename="big.png"\r\ncontent-type: image/png\r\n\r\n');
      });
      expect(answer).toEqual({ status: 429, code: 'relay_at_capacity' });
      expect(await slow).toBe(200);
    } finally {
      await h.close();
    }
  });
});
