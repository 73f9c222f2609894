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

async function piece(log: number[], id: number, ms = 1): Promise<void> {
  const turn = cooperate();
  if (turn) await turn;
  busy(ms);
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

  test('hundreds waiting at once are all served, in order, a few milliseconds of them per turn', async () => {
    await nextTurns();
    const log: number[] = [];
    let turns = 0;
    let counting = true;
    const count = (): void => {
      turns += 1;
      if (counting) setImmediate(count);
    };
    setImmediate(count);
    await Promise.all(Array.from({ length: 500 }, (_, i) => piece(log, i, 0.05)));
    counting = false;
    expect(log).toEqual(Array.from({ length: 500 }, (_, i) => i));
    // 25 ms of work in slices of about 3 ms: spread over several turns, not run in one.
    expect(turns).toBeGreaterThanOrEqual(5);
  });
});
