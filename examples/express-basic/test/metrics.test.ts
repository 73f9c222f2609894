import { prometheusMetrics } from '@banana-relay/core/metrics';
import { startExample, type ExampleServer } from './support/example-server.js';

/** The sum of the series of `name` that carry `labels`, read from the text exposition as a scraper would; undefined if none. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    const match = /^([a-z_:]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = (match[2] ?? '').split(',').filter(Boolean);
    if (wanted.every((w) => have.includes(w))) sum = (sum ?? 0) + Number(match[3]);
  }
  return sum;
}

const generate = (origin: string, body: Record<string, unknown>): Promise<Response> =>
  fetch(`${origin}/v1/images/generations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'nano-banana-pro', ...body }) });

describe('the example app exposes Prometheus metrics at /metrics', () => {
  let example: ExampleServer;
  const metrics = prometheusMetrics();
  beforeAll(async () => {
    example = await startExample({ metrics }, { onEvent: metrics.onEvent });
  });
  afterAll(() => example.close());

  const scrape = async (): Promise<string> => {
    const res = await fetch(`${example.origin}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    return res.text();
  };

  test('requests by status and resolution, latency, attempts and fallbacks by carrier, bytes archived, in flight', async () => {
    // The first call fails, whichever carrier the router picks; the other one answers.
    example.emulator.script({ type: 'status', status: 503 });
    expect((await generate(example.origin, { prompt: 'a banana', resolution: '1K' })).status).toBe(200);
    expect((await generate(example.origin, { prompt: 'a banana', resolution: '2K' })).status).toBe(400);

    const text = await scrape();
    expect(sample(text, 'banana_relay_requests_total', { status: '200', resolution: '1K' })).toBe(1);
    expect(sample(text, 'banana_relay_requests_total', { status: '400', resolution: 'none' })).toBe(1);
    expect(sample(text, 'banana_relay_request_duration_seconds_count', { outcome: 'ok', resolution: '1K' })).toBe(1);
    const first = example.emulator.requests.find((r) => r.kind === 'vertex' || r.kind === 'gemini')?.kind === 'vertex' ? 'vertex-emulated' : 'gemini-emulated';
    const second = first === 'vertex-emulated' ? 'gemini-emulated' : 'vertex-emulated';
    expect(sample(text, 'banana_relay_carrier_attempts_total', { carrier: first, outcome: 'unavailable' })).toBe(1);
    expect(sample(text, 'banana_relay_carrier_attempts_total', { carrier: second, outcome: 'ok' })).toBe(1);
    expect(sample(text, 'banana_relay_carrier_attempt_duration_seconds_count', { carrier: first, outcome: 'error' })).toBe(1);
    expect(sample(text, 'banana_relay_carrier_fallbacks_total', { from: first, to: second })).toBe(1);
    expect(sample(text, 'banana_relay_images_generated_total', { resolution: '1K' })).toBe(1);
    expect(sample(text, 'banana_relay_images_archived_total', { format: 'png', carrier: second })).toBe(1);
    expect(sample(text, 'banana_relay_archived_bytes_total', { format: 'png' })).toBeGreaterThan(10_000);
    expect(sample(text, 'banana_relay_requests_in_flight')).toBe(0);
  });

  test('requests in flight are counted from acceptance to answer', async () => {
    example.emulator.script({ type: 'latency', ms: 1500 });
    const pending = generate(example.origin, { prompt: 'slow' });
    // Polls with a generous bound: only the order of events matters, not their timing.
    let during: number | undefined;
    for (let i = 0; i < 200 && during !== 1; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      during = sample(await scrape(), 'banana_relay_requests_in_flight');
    }
    expect(during).toBe(1);
    expect((await pending).status).toBe(200);
    expect(sample(await scrape(), 'banana_relay_requests_in_flight')).toBe(0);
  });
});
