import { prometheusMetrics } from '@banana-relay/core/metrics';
import { Registry } from 'prom-client';

describe('prometheusMetrics options', () => {
  test('a registry and a prefix of your own; no label from users', async () => {
    const registry = new Registry();
    const metrics = prometheusMetrics({ registry, prefix: 'imgs_' });
    expect(metrics.registry).toBe(registry);
    metrics.onEvent({ type: 'request.accepted', requestId: 'r1', n: 1, resolution: '4K', references: 0, user: 'alice', principal: 'team-a' });
    metrics.onEvent({ type: 'request.finished', requestId: 'r1', status: 503, code: 'no_carrier', latencyMs: 1200, images: 0, resolution: '4K', user: 'alice' });
    const text = await registry.metrics();
    expect(text).toContain('imgs_requests_total{status="503",resolution="4K"} 1');
    expect(text).toContain('imgs_request_duration_seconds_bucket{le="2.5",outcome="error",resolution="4K"} 1');
    expect(text).toContain('imgs_requests_in_flight 0');
    expect(text).not.toMatch(/alice|team-a/);
  });

  test('carrier health is a state set per carrier', async () => {
    const metrics = prometheusMetrics();
    metrics.onEvent({ type: 'carrier.health', carrierId: 'v1', status: 'cooling_down', failures: 3 });
    const text = await metrics.metrics();
    expect(text).toContain('banana_relay_carrier_status{carrier="v1",status="cooling_down"} 1');
    expect(text).toContain('banana_relay_carrier_status{carrier="v1",status="healthy"} 0');
  });

  test('two relays in one process do not clash (each gets its own registry by default)', () => {
    expect(() => [prometheusMetrics(), prometheusMetrics()]).not.toThrow();
  });
});
