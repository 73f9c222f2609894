import { getMaxListeners } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localDiskStorage, type Storage } from '@banana-relay/core';
import { filesUnder, startHarness, type Harness } from '../support/harness.js';
import { body, callsOf, carrier, eventsOf, keyOf, resetAll, ROUTE, until } from './support.js';

/** Sends a generation over a raw socket, so the test can walk away mid-request. */
function send(h: Harness, payload: unknown): ClientRequest {
  const req = httpRequest(`${h.origin}${ROUTE}`, { method: 'POST', headers: { 'content-type': 'application/json' } });
  req.on('error', () => {}); // the test destroys it on purpose
  req.end(JSON.stringify(payload));
  return req;
}

describe('cancellation: a client that disconnects stops the upstream spending', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      carriers: (emu) => [carrier(emu, 'a'), carrier(emu, 'b', { priority: 1 })],
      // A 5-second backoff (random() = 0.999…) before any failover: long enough to walk away during it.
      routing: { backoff: { baseMs: 5_000, maxMs: 5_000 }, random: () => 0.999 },
    });
  });
  afterAll(() => h.close());
  afterEach(() => resetAll(h));

  test('the upstream socket is closed within a short time of the client closing; nothing is archived', async () => {
    h.emulator.script({ type: 'hang' }, { match: { apiKey: keyOf('a') } });
    const req = send(h, body);
    await until(() => callsOf(h, 'a').length === 1, 10_000, 'the upstream call');
    const upstream = callsOf(h, 'a')[0]!;
    expect(upstream.closedAt).toBeUndefined();

    const leftAt = Date.now();
    req.destroy();
    await until(() => upstream.closedAt !== undefined, 5_000, 'the upstream socket to close');
    expect(upstream.closedAt! - leftAt).toBeLessThan(2_000);
    expect(upstream.aborted).toBe(true);

    await until(() => eventsOf(h, 'request.finished').length === 1, 5_000, 'request.finished');
    expect(eventsOf(h, 'request.finished')).toMatchObject([{ status: 499, code: 'request_cancelled', images: 0 }]);
    expect(eventsOf(h, 'image.archived')).toHaveLength(0);
    expect(await filesUnder(h.storageDir)).toEqual([]);
    // The cancelled call is no failure of the carrier.
    expect(h.relay.carriers().find((c) => c.id === 'a')).toMatchObject({ inFlight: 0, failures: 0, status: 'healthy' });
    expect(callsOf(h, 'b')).toHaveLength(0);
  });

  test('a client gone during the backoff cancels the pending retry: B is never called', async () => {
    h.emulator.script({ type: 'status', status: 503 }, { match: { apiKey: keyOf('a') } });
    const req = send(h, body);
    await until(() => callsOf(h, 'a')[0]?.closedAt !== undefined, 10_000, 'the failed call');
    await new Promise((resolve) => setTimeout(resolve, 100)); // now inside the 5 s backoff
    req.destroy();
    await until(() => eventsOf(h, 'request.finished').length === 1, 3_000, 'request.finished');
    expect(eventsOf(h, 'request.finished')).toMatchObject([{ status: 499 }]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(callsOf(h, 'b')).toHaveLength(0);
    expect(eventsOf(h, 'carrier.fallback')).toHaveLength(0);
  });

  test('n = 3: one client going away closes all three upstream calls', async () => {
    h.emulator.script({ type: 'hang' }, { times: 3 });
    const req = send(h, { ...body, n: 3 });
    await until(() => callsOf(h, 'a').length === 3, 10_000, 'three upstream calls');
    req.destroy();
    await until(() => callsOf(h, 'a').every((r) => r.closedAt !== undefined), 5_000, 'every upstream socket to close');
    expect(callsOf(h, 'a').every((r) => r.aborted)).toBe(true);
    expect(eventsOf(h, 'image.archived')).toHaveLength(0);
  });
});

describe('cancellation while the images are stored', () => {
  test('a client gone while its last image lands: 499, and none of its images stays in storage', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'banana-relay-test-'));
    const disk = localDiskStorage({ dir, publicBaseUrl: 'http://127.0.0.1' });
    let storing!: () => void;
    const secondWriteLanded = new Promise<void>((resolve) => (storing = resolve));
    // A store that completes a write it has already committed even when told to stop, as an object
    // store whose upload has landed does: the second image is confirmed only after the client left.
    const storage: Storage = {
      ...disk,
      async put(key, bytes, { signal, ...options }) {
        const result = await disk.put(key, bytes, options);
        if (key.endsWith('-2.png')) {
          storing();
          await until(() => signal?.aborted === true, 10_000, 'the client to leave');
        }
        return result;
      },
    };
    const h = await startHarness({ storage });
    try {
      const req = send(h, { ...body, n: 2 });
      await secondWriteLanded;
      req.destroy();
      await until(() => eventsOf(h, 'request.finished').length === 1, 5_000, 'request.finished');
      expect(eventsOf(h, 'request.finished')).toMatchObject([{ status: 499, code: 'request_cancelled', images: 0 }]);
      expect(eventsOf(h, 'image.archived')).toHaveLength(0);
      expect(await filesUnder(dir)).toEqual([]);
    } finally {
      await h.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the whole-request deadline', () => {
  let h: Harness;
  afterEach(() => h.close());

  test('a hung upstream → 504 deadline_exceeded at the deadline, and the upstream call is closed', async () => {
    h = await startHarness({ carriers: (emu) => [carrier(emu, 'a')], limits: { deadlineMs: 600 } });
    h.emulator.script({ type: 'hang' });
    const started = Date.now();
    const res = await h.http.post(ROUTE).send(body);
    expect(res.status).toBe(504);
    expect(res.body.error).toMatchObject({ code: 'deadline_exceeded', type: 'upstream_error' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    expect(Date.now() - started).toBeLessThan(8_000);
    await until(() => callsOf(h, 'a')[0]?.closedAt !== undefined, 5_000, 'the upstream socket to close');
  });

  test('the deadline ends retries: a failover waiting in backoff stops and answers 504', async () => {
    h = await startHarness({
      carriers: (emu) => [carrier(emu, 'a'), carrier(emu, 'b', { priority: 1 })],
      limits: { deadlineMs: 800 },
      routing: { backoff: { baseMs: 10_000, maxMs: 10_000 }, random: () => 0.999 },
    });
    h.emulator.script({ type: 'status', status: 503 }, { match: { apiKey: keyOf('a') } });
    const started = Date.now();
    const res = await h.http.post(ROUTE).send(body);
    expect(res.status).toBe(504);
    expect(res.body.error.code).toBe('deadline_exceeded');
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(callsOf(h, 'b')).toHaveLength(0);
  });

  test('the default deadline is long enough for 4K (about a minute) and bounded (5 minutes)', async () => {
    h = await startHarness({ carriers: (emu) => [carrier(emu, 'a')] });
    // Documented default: limits.deadlineMs = 300 000. A slow but normal call is not cut.
    h.emulator.script({ type: 'latency', ms: 1_500 });
    const res = await h.http.post(ROUTE).send({ ...body, resolution: '4K' });
    expect(res.status).toBe(200);
  });
});

describe('relay.close(): a graceful shutdown', () => {
  test('a request in flight finishes; new ones get 503 relay_shutting_down at once; no carrier is blamed; close resolves after', async () => {
    const h = await startHarness({ carriers: (emu) => [carrier(emu, 'a')] });
    try {
      h.emulator.script({ type: 'latency', ms: 800 });
      const inFlight = h.http.post(ROUTE).send(body).then((res) => res);
      await until(() => callsOf(h, 'a').length === 1, 10_000, 'the upstream call');
      let closed = false;
      const closing = h.relay.close().then(() => void (closed = true));
      const refused = await h.http.post(ROUTE).send(body);
      expect(refused.status).toBe(503);
      expect(refused.body.error).toMatchObject({ code: 'relay_shutting_down' });
      expect(refused.headers['retry-after']).toBe('1');
      expect(closed).toBe(false);
      expect((await inFlight).status).toBe(200);
      await closing;
      expect(callsOf(h, 'a')).toHaveLength(1);
      expect(h.relay.carriers()).toMatchObject([{ id: 'a', status: 'healthy', failures: 0 }]);
      // Again: still refused, and close() resolves again.
      expect((await h.http.post(ROUTE).send(body)).status).toBe(503);
      await h.relay.close();
    } finally {
      await h.close();
    }
  });
});

describe('relay.close({ graceMs }): a shutdown with a time limit', () => {
  test('a request still running when the grace period ends gets 503 relay_shutting_down; its upstream call is closed, nothing of it stays archived, no carrier is blamed', async () => {
    const h = await startHarness({ carriers: (emu) => [carrier(emu, 'a')] });
    try {
      // n = 2: one image comes back at once, the other hangs.
      h.emulator.script({ type: 'hang' });
      const inFlight = h.http.post(ROUTE).send({ ...body, n: 2 }).then((res) => res);
      await until(() => callsOf(h, 'a').length === 2, 10_000, 'both upstream calls');
      const started = Date.now();
      const closing = h.relay.close({ graceMs: 300 });
      const res = await inFlight;
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect(res.status).toBe(503);
      expect(res.body.error).toMatchObject({ code: 'relay_shutting_down', type: 'server_error' });
      expect(res.headers['retry-after']).toBe('1');
      await closing;
      await until(() => callsOf(h, 'a').every((c) => c.closedAt !== undefined), 5_000, 'the hung upstream call to close');
      expect(await filesUnder(h.storageDir)).toEqual([]);
      expect(h.relay.carriers()).toMatchObject([{ id: 'a', status: 'healthy', failures: 0 }]);
      expect(eventsOf(h, 'request.finished').at(-1)).toMatchObject({ status: 503, code: 'relay_shutting_down' });
    } finally {
      await h.close();
    }
  });

  test('requests that finish within the grace period are answered normally; a bad graceMs is refused', async () => {
    const h = await startHarness({ carriers: (emu) => [carrier(emu, 'a')] });
    try {
      await expect(h.relay.close({ graceMs: -1 })).rejects.toThrow(TypeError);
      h.emulator.script({ type: 'latency', ms: 300 });
      const inFlight = h.http.post(ROUTE).send(body).then((res) => res);
      await until(() => callsOf(h, 'a').length === 1, 10_000, 'the upstream call');
      await h.relay.close({ graceMs: 10_000 });
      expect((await inFlight).status).toBe(200);
    } finally {
      await h.close();
    }
  });
});

describe('relay.close(): requests still sending their body, limits of graceMs, many requests in flight', () => {
  test('an upload (or a JSON body) still being received when close() is called is answered 503 at once, and close() does not wait for it', async () => {
    const h = await startHarness({ carriers: (emu) => [carrier(emu, 'a')], edits: { enabled: true } });
    try {
      const answers: Array<Promise<number>> = [];
      const partial = (path: string, contentType: string, head: string): ClientRequest => {
        let req!: ClientRequest;
        answers.push(
          new Promise<number>((resolve) => {
            req = httpRequest(`${h.origin}${path}`, { method: 'POST', headers: { 'content-type': contentType } }, (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            });
            req.on('error', () => resolve(-1));
          }),
        );
        req.write(head);
        return req;
      };
      const upload = partial(
        '/v1/images/edits',
        'multipart/form-data; boundary=b',
        '--b\r\ncontent-disposition: form-data; name="model"\r\n\r\nnano-banana-pro\r\n--b\r\ncontent-disposition: form-data; name="image"; filename="a.png"\r\ncontent-type: image/png\r\n\r\n' + 'x'.repeat(1000),
      );
      const json = partial(ROUTE, 'application/json', '{"model":"nano-banana-pro","prompt":"');
      // Both bodies are being read now, and will never end on their own.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const started = Date.now();
      await h.relay.close();
      expect(await Promise.all(answers)).toEqual([503, 503]);
      expect(Date.now() - started).toBeLessThan(2_000);
      upload.destroy();
      json.destroy();
      expect(eventsOf(h, 'request.finished').map((e) => e.code)).toEqual(['relay_shutting_down', 'relay_shutting_down']);
    } finally {
      await h.close();
    }
  });

  test('graceMs: Infinity (or beyond what a timer can wait) is no limit, not an immediate cancellation', async () => {
    for (const graceMs of [Number.POSITIVE_INFINITY, 2 ** 31]) {
      const h = await startHarness({ carriers: (emu) => [carrier(emu, 'a')] });
      try {
        h.emulator.script({ type: 'latency', ms: 300 });
        const inFlight = h.http.post(ROUTE).send(body).then((res) => res);
        await until(() => callsOf(h, 'a').length === 1, 10_000, 'the upstream call');
        await h.relay.close({ graceMs });
        expect((await inFlight).status).toBe(200);
      } finally {
        await h.close();
      }
    }
  });

  test('many requests in flight: no signal gets more abort listeners than its limit (Node would warn of a possible memory leak)', async () => {
    const h = await startHarness({ carriers: (emu) => [carrier(emu, 'a')] });
    // Node warns once an AbortSignal holds more 'abort' listeners than its limit (10 unless raised): count them.
    const add = AbortSignal.prototype.addEventListener;
    const remove = AbortSignal.prototype.removeEventListener;
    const listeners = new WeakMap<AbortSignal, Set<unknown>>();
    let overLimit = 0;
    AbortSignal.prototype.addEventListener = function (this: AbortSignal, type: string, listener: unknown, options?: unknown) {
      if (type === 'abort') {
        const set = listeners.get(this) ?? new Set();
        set.add(listener);
        listeners.set(this, set);
        if (set.size > getMaxListeners(this)) overLimit = Math.max(overLimit, set.size);
      }
      return (add as (...args: unknown[]) => void).call(this, type, listener, options);
    } as typeof add;
    AbortSignal.prototype.removeEventListener = function (this: AbortSignal, type: string, listener: unknown, options?: unknown) {
      if (type === 'abort') listeners.get(this)?.delete(listener);
      return (remove as (...args: unknown[]) => void).call(this, type, listener, options);
    } as typeof remove;
    try {
      h.emulator.script({ type: 'latency', ms: 300 }, { times: 12 });
      const answers = await Promise.all(Array.from({ length: 12 }, () => h.http.post(ROUTE).send(body)));
      expect(answers.map((r) => r.status)).toEqual(Array(12).fill(200));
      expect(overLimit).toBe(0);
    } finally {
      AbortSignal.prototype.addEventListener = add;
      AbortSignal.prototype.removeEventListener = remove;
      await h.close();
    }
  });
});

describe('a failed image and its queued siblings', () => {
  test('with images taking turns (imageConcurrency 1), the first failing ends the request: the others never start, no attempt after the end', async () => {
    const h = await startHarness({ carriers: (emu) => [carrier(emu, 'a')], limits: { imageConcurrency: 1 } });
    try {
      h.emulator.script({ type: 'status', status: 400, message: 'bad request' });
      const res = await h.http.post(ROUTE).send({ ...body, n: 4 });
      expect(res.status).toBe(400);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(callsOf(h, 'a')).toHaveLength(1);
      expect(eventsOf(h, 'carrier.attempt')).toHaveLength(1);
      expect(h.events.at(-1)?.type).toBe('request.finished');
    } finally {
      await h.close();
    }
  });
});

describe('a client gone while its body is read', () => {
  test('is a cancellation (499 request_cancelled in request.finished), not a server error', async () => {
    const h = await startHarness({ carriers: (emu) => [carrier(emu, 'a')] });
    try {
      const req = httpRequest(`${h.origin}${ROUTE}`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '5000' } });
      req.on('error', () => {}); // destroyed on purpose
      req.write('{"model":"nano-banana-pro","prompt":"');
      await new Promise((resolve) => setTimeout(resolve, 100));
      req.destroy();
      await until(() => eventsOf(h, 'request.finished').length === 1, 5_000, 'request.finished');
      expect(eventsOf(h, 'request.finished')).toMatchObject([{ status: 499, code: 'request_cancelled', images: 0 }]);
      expect(callsOf(h, 'a')).toHaveLength(0);
    } finally {
      await h.close();
    }
  });
});
