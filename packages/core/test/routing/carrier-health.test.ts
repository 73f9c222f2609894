import { CarrierHealth, type HealthStatus, type HealthTicket } from '../../src/routing/carrier-health.js';

const circuit = { failureThreshold: 3, coolDownMs: 1_000, maxCoolDownMs: 4_000, misconfiguredMs: 60_000 };

function setup() {
  let now = 1_000_000;
  const changes: Array<[HealthStatus, number | undefined]> = [];
  const health = new CarrierHealth(circuit, () => now, (status, until) => changes.push([status, until]));
  const call = (outcome: Parameters<CarrierHealth['end']>[1], retryAfterMs?: number): void => {
    expect(health.unavailability()).toBeUndefined();
    health.end(health.begin(), outcome, retryAfterMs);
  };
  /** Opens the circuit (3 failures), waits out the cool-down and begins the half-open probe. */
  const probe = (): HealthTicket => {
    for (let i = 0; i < 3; i++) call('failure');
    now += 1_000;
    expect(health.unavailability()).toBeUndefined(); // half-open now
    const ticket = health.begin();
    expect(ticket.probe).toBe(true);
    return ticket;
  };
  return { health, changes, call, probe, advance: (ms: number) => void (now += ms), now: () => now };
}

describe('CarrierHealth: the circuit breaker of one carrier', () => {
  test('opens after `failureThreshold` consecutive failures, not before; a success in between resets the count', () => {
    const { health, call } = setup();
    call('failure');
    call('failure');
    call('success');
    call('failure');
    call('failure');
    expect(health.snapshot()).toMatchObject({ status: 'healthy', failures: 2, totalFailures: 4 });
    call('failure');
    expect(health.snapshot()).toMatchObject({ status: 'cooling_down', failures: 3 });
    expect(health.unavailability()).toEqual({ reason: 'cooling_down', until: 1_000_000 + 1_000 });
  });

  test('after the cool-down one probe is let through; success closes the circuit', () => {
    const { health, call, advance, changes } = setup();
    for (let i = 0; i < 3; i++) call('failure');
    advance(999);
    expect(health.unavailability()?.reason).toBe('cooling_down');
    advance(1);
    expect(health.unavailability()).toBeUndefined();
    const probe = health.begin();
    expect(probe.probe).toBe(true);
    // While the probe is out, nobody else gets through.
    expect(health.unavailability()).toEqual({ reason: 'probing' });
    health.end(probe, 'success');
    expect(health.unavailability()).toBeUndefined();
    expect(health.snapshot()).toMatchObject({ status: 'healthy', failures: 0 });
    expect(changes.map(([s]) => s)).toEqual(['cooling_down', 'half_open', 'healthy']);
  });

  test('a failed probe doubles the cool-down (1s, 2s, 4s, capped at 4s); a success brings it back to 1s', () => {
    const { health, call, advance, now } = setup();
    for (let i = 0; i < 3; i++) call('failure');
    const lengths: number[] = [];
    let opened = now();
    for (let round = 0; round < 4; round++) {
      const until = (health.unavailability() as { until: number }).until;
      lengths.push(until - opened);
      advance(until - now());
      opened = now();
      call('failure'); // the probe fails
    }
    expect(lengths).toEqual([1_000, 2_000, 4_000, 4_000]);
    advance(4_000);
    call('success');
    for (let i = 0; i < 3; i++) call('failure');
    expect((health.unavailability() as { until: number }).until - now()).toBe(1_000);
  });

  test('a probe cancelled by its caller frees the probe slot without judging the carrier', () => {
    const { health, probe } = setup();
    health.end(probe(), 'neutral');
    expect(health.unavailability()).toBeUndefined();
    expect(health.begin().probe).toBe(true);
  });

  test('401/403 marks the carrier misconfigured at once, for misconfiguredMs, then probes it', () => {
    const { health, call, advance, changes } = setup();
    call('misconfigured');
    expect(health.snapshot()).toMatchObject({ status: 'misconfigured', misconfigured: true });
    expect(health.unavailability()?.reason).toBe('misconfigured');
    advance(59_999);
    expect(health.unavailability()?.reason).toBe('misconfigured');
    advance(1);
    expect(health.unavailability()).toBeUndefined();
    call('success');
    expect(health.snapshot()).toMatchObject({ status: 'healthy', misconfigured: false });
    expect(changes.map(([s]) => s)).toEqual(['misconfigured', 'half_open', 'healthy']);
  });

  test('Retry-After keeps the carrier out until then, without opening the circuit', () => {
    const { health, call, advance } = setup();
    call('failure', 5_000);
    expect(health.unavailability()).toEqual({ reason: 'rate_limited', until: 1_005_000 });
    expect(health.snapshot()).toMatchObject({ status: 'rate_limited', rateLimitedUntil: 1_005_000 });
    advance(5_000);
    expect(health.unavailability()).toBeUndefined();
  });

  test('a Retry-After of days keeps the carrier out for 10 minutes at most', () => {
    const { health, call, advance } = setup();
    call('failure', 5 * 24 * 3600 * 1000);
    expect(health.unavailability()).toEqual({ reason: 'rate_limited', until: 1_000_000 + 600_000 });
    advance(600_000);
    expect(health.unavailability()).toBeUndefined();
  });

  test('pinned calls (force) go through an open circuit and are never the probe; their success closes it', () => {
    const { health, call } = setup();
    for (let i = 0; i < 3; i++) call('failure');
    const forced = health.begin(true);
    expect(forced.probe).toBe(false);
    health.end(forced, 'success');
    expect(health.snapshot().status).toBe('healthy');
  });

  test('a probe begun before reset() that then fails does not take the carrier out again', () => {
    const { health, probe } = setup();
    const stale = probe();
    health.reset();
    health.end(stale, 'failure');
    expect(health.unavailability()).toBeUndefined();
    expect(health.snapshot()).toMatchObject({ status: 'healthy', failures: 0 });
  });

  test('a probe that fails after another call closed the circuit counts as one ordinary failure', () => {
    const { health, probe } = setup();
    const late = probe();
    health.end(health.begin(true), 'success'); // a pinned call succeeds meanwhile: closed
    health.end(late, 'failure');
    expect(health.unavailability()).toBeUndefined();
    expect(health.snapshot()).toMatchObject({ status: 'healthy', failures: 1 });
  });

  test('reset() puts the carrier back with a clean record', () => {
    const { health, call } = setup();
    call('misconfigured');
    health.reset();
    expect(health.snapshot()).toMatchObject({ status: 'healthy', failures: 0, misconfigured: false });
    expect(health.unavailability()).toBeUndefined();
  });
});
