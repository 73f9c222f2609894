import { cooperate } from '../../src/scheduling/turn-budget.js';

/** Keeps the thread busy for `ms` of wall time, as a piece of CPU work does. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

/** Waits until the event loop has gone round twice, so the next work starts a fresh turn. */
async function nextTurns(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
}

async function piece(log: number[], id: number): Promise<void> {
  const turn = cooperate();
  if (turn) await turn;
  busy(1);
  log.push(id);
}

describe('cooperate (turn budget)', () => {
  test('a lone piece of work runs at once', async () => {
    await nextTurns();
    expect(cooperate()).toBeUndefined();
  });

  test('a burst of work handed over in one turn leaves timers room to run between its slices', async () => {
    await nextTurns();
    const log: number[] = [];
    let doneWhenTimerRan = -1;
    setTimeout(() => (doneWhenTimerRan = log.length), 0);
    // Uncooperative, all 60 pieces (60 ms) would run before the timer: it would see 60.
    await Promise.all(Array.from({ length: 60 }, (_, i) => piece(log, i)));
    expect(log).toHaveLength(60);
    expect(doneWhenTimerRan).toBeGreaterThan(0);
    expect(doneWhenTimerRan).toBeLessThan(20);
  });

  test('waiting work goes first come, first served, and work arriving later queues behind it', async () => {
    await nextTurns();
    const log: number[] = [];
    const first = Array.from({ length: 20 }, (_, i) => piece(log, i));
    // Arrives while the first twenty wait: never overtakes them.
    const late = new Promise<void>((resolve) => setImmediate(() => void piece(log, 99).then(resolve)));
    await Promise.all([...first, late]);
    expect(log).toEqual([...Array.from({ length: 20 }, (_, i) => i), 99]);
  });
});
