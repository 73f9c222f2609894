import { seededRandom } from '../../../core/test/routing/seeded-random.js';
import { startHarness, type Harness } from '../support/harness.js';
import { body, callsOf, carrier, ROUTE } from './support.js';

describe('weights share calls within a priority', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      carriers: (emu) => [
        carrier(emu, 'light', { weight: 1 }),
        carrier(emu, 'heavy', { weight: 3 }),
        carrier(emu, 'backup', { weight: 100, priority: 1 }),
      ],
      routing: { random: seededRandom(2026) },
    });
  });
  afterAll(() => h.close());

  test('over 1,000 calls, 1:3 comes out within 4 points of 25% / 75%, and a higher priority is never used', async () => {
    // The carrier is chosen before each call whatever it answers: a quick refusal (no image to move
    // and archive) keeps 1,000 calls to seconds. A refusal is an answer, so carriers stay healthy.
    h.emulator.script({ type: 'blockReason', reason: 'PROHIBITED_CONTENT' }, { times: 1_000 });
    // Eight clients in parallel, 1,000 requests in all.
    const statuses: number[] = [];
    const client = async (): Promise<void> => {
      while (statuses.length < 1_000) {
        statuses.push(0);
        const index = statuses.length - 1;
        // fetch keeps connections alive: 1,000 requests need not open 1,000 sockets.
        const res = await fetch(`${h.origin}${ROUTE}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        await res.arrayBuffer();
        statuses[index] = res.status;
      }
    };
    await Promise.all(Array.from({ length: 8 }, client));
    expect(statuses).toHaveLength(1_000);
    expect(statuses.every((s) => s === 400)).toBe(true);
    const light = callsOf(h, 'light').length;
    const heavy = callsOf(h, 'heavy').length;
    expect(light + heavy).toBe(1_000);
    expect(Math.abs(light / 1_000 - 0.25)).toBeLessThan(0.04);
    expect(Math.abs(heavy / 1_000 - 0.75)).toBeLessThan(0.04);
    expect(callsOf(h, 'backup')).toHaveLength(0);
    expect(h.relay.carriers().map((c) => c.status)).toEqual(['healthy', 'healthy', 'healthy']);
  }, 60_000);
});
