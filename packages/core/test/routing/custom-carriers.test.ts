import sharp from 'sharp';
import { CarrierError, createRelay, memoryStorage, type Carrier, type RelayEvent } from '../../src/index.js';

/** Carriers written against the public Carrier interface, as a user adding a provider would. */
const png = sharp({ create: { width: 64, height: 64, channels: 3, background: '#3a6' } }).png().toBuffer();
const body = { model: 'nano-banana-pro', prompt: 'a banana' };

function relayOf(carriers: Carrier[], extra: Partial<Parameters<typeof createRelay>[0]> = {}) {
  const events: RelayEvent[] = [];
  const relay = createRelay({ carriers, storage: memoryStorage({ publicBaseUrl: 'http://127.0.0.1' }), onEvent: (e) => events.push(e), capabilities: { textToImage: true }, ...extra });
  return { relay, events };
}

/** A carrier that always answers an image, counting its calls. */
function working(id: string, extra: Partial<Carrier> = {}): Carrier & { calls: number } {
  const carrier = {
    id,
    official: true,
    calls: 0,
    ...extra,
    async generate() {
      carrier.calls += 1;
      return { bytes: await png };
    },
  };
  return carrier;
}

describe('the router with carriers of any provider', () => {
  test('a carrier that ignores the abort signal cannot hold a request past its timeoutMs: it fails over as a timeout', async () => {
    const stuck: Carrier = { id: 'stuck', official: true, timeoutMs: 200, generate: () => new Promise(() => {}) };
    const backup = working('backup', { priority: 1 });
    const { relay, events } = relayOf([stuck, backup]);
    const started = Date.now();
    const answer = await relay.generate(body);
    expect(answer.data).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(events.filter((e) => e.type === 'carrier.attempt')).toMatchObject([
      { carrierId: 'stuck', ok: false, error: 'timeout', retryable: true },
      { carrierId: 'backup', ok: true },
    ]);
    expect(relay.carriers()[0]).toMatchObject({ inFlight: 0, failures: 1 });
  });

  test('an image cut short fails its carrier over to the next one; a plain Uint8Array is taken as well as a Buffer', async () => {
    const whole = await png;
    const cut: Carrier = { id: 'cut', official: true, generate: async () => ({ bytes: whole.subarray(0, whole.length >> 1) }) };
    const plain: Carrier = { id: 'plain', official: true, priority: 1, generate: async () => ({ bytes: new Uint8Array(whole) as Buffer }) };
    const { relay, events } = relayOf([cut, plain]);
    const answer = await relay.generate({ ...body, response_format: 'b64_json' });
    expect(Buffer.from(answer.data[0]!.b64_json!, 'base64')).toEqual(whole);
    expect(answer.size).toBe('64x64');
    expect(events.filter((e) => e.type === 'carrier.attempt')).toMatchObject([
      { carrierId: 'cut', ok: false, error: 'no_image', retryable: true },
      { carrierId: 'plain', ok: true },
    ]);
  });

  test('a carrier that throws something other than a CarrierError: 502, no failover (it may be a bug, not an outage)', async () => {
    const broken: Carrier = {
      id: 'broken',
      official: true,
      generate: async () => {
        throw new TypeError('oops');
      },
    };
    const backup = working('backup', { priority: 1 });
    const { relay } = relayOf([broken, backup]);
    await expect(relay.generate(body)).rejects.toMatchObject({ status: 502, code: 'upstream_error' });
    expect(backup.calls).toBe(0);
  });

  test('accepts() returning false skips the carrier; when nobody accepts, 503 at once', async () => {
    const picky = working('picky', { accepts: () => false });
    const backup = working('backup', { priority: 1 });
    const { relay } = relayOf([picky, backup]);
    await relay.generate(body);
    expect([picky.calls, backup.calls]).toEqual([0, 1]);
    const alone = relayOf([working('picky', { accepts: () => false })]).relay;
    await expect(alone.generate(body)).rejects.toMatchObject({ status: 503, code: 'no_carrier_available' });
  });

  test('a CarrierError with retryAfterSeconds keeps that carrier out, and the answer carries it when nobody else can serve', async () => {
    const limited: Carrier = {
      id: 'limited',
      official: true,
      generate: async () => {
        throw new CarrierError('rate_limited', 'slow down', { status: 429, retryAfterSeconds: 7 });
      },
    };
    const { relay } = relayOf([limited]);
    await expect(relay.generate(body)).rejects.toMatchObject({ status: 429, retryAfterSeconds: 7 });
    await expect(relay.generate(body)).rejects.toMatchObject({ status: 429, code: 'rate_limited' });
    expect(relay.carriers()[0]!.status).toBe('rate_limited');
  });

  test('invalid carrier settings are refused by createRelay, naming the carrier', () => {
    expect(() => relayOf([working('w', { weight: 0 })])).toThrow("carrier 'w': weight must be a number > 0");
    expect(() => relayOf([working('m', { maxConcurrency: 0 })])).toThrow("carrier 'm': maxConcurrency");
    expect(() => relayOf([working('p', { priority: Number.NaN })])).toThrow("carrier 'p': priority");
  });

  test('carrier settings default to priority 0, weight 1, no concurrency limit', () => {
    const { relay } = relayOf([working('plain')]);
    expect(relay.carriers()).toEqual([
      {
        id: 'plain',
        official: true,
        priority: 0,
        weight: 1,
        maxConcurrency: null,
        inFlight: 0,
        status: 'healthy',
        available: true,
        coolingDownUntil: null,
        rateLimitedUntil: null,
        misconfigured: false,
        failures: 0,
        totalFailures: 0,
      },
    ]);
  });
});
