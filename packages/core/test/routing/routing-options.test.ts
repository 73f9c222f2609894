import { resolveRouting } from '../../src/routing/routing-options.js';

describe('routing options', () => {
  test('defaults', () => {
    const r = resolveRouting();
    expect(r).toMatchObject({
      policy: { officialOnlyFromReferences: 2 },
      maxAttempts: 3,
      maxAttemptsPerCarrier: 1,
      backoff: { baseMs: 100, maxMs: 2_000 },
      circuit: { failureThreshold: 5, coolDownMs: 10_000, maxCoolDownMs: 300_000, misconfiguredMs: 300_000 },
      maxInFlight: 128,
      pinning: undefined,
    });
  });

  test.each([
    [{ maxAttempts: 0 }, /maxAttempts/],
    [{ maxAttemptsPerCarrier: 1.5 }, /maxAttemptsPerCarrier/],
    [{ backoff: { baseMs: -1 } }, /backoff/],
    [{ circuit: { failureThreshold: 0 } }, /failureThreshold/],
    [{ circuit: { coolDownMs: Number.NaN } }, /coolDownMs/],
    [{ maxInFlight: 0 }, /maxInFlight/],
    [{ officialOnlyFromReferences: -1 }, /officialOnlyFromReferences/],
    [{ pinning: { secret: 'short' } }, /pinning.secret/],
    [{ pinning: { secret: 'a-long-enough-secret', header: 'x-a', secretHeader: 'X-A' } }, /differ/],
  ])('%j is refused', (options, message) => {
    expect(() => resolveRouting(options)).toThrow(message);
  });
});
