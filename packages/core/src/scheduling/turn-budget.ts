import { setImmediate } from 'node:timers';

/**
 * Cooperative time slicing of the relay's CPU work on the one main thread.
 *
 * When hundreds of requests arrive together, or hundreds of slow upstream answers land in the same
 * second, Node hands all of them to the relay within one event-loop turn: taking each request in,
 * starting its upstream call and decoding its answer there made single turns last hundreds of
 * milliseconds, during which no timer, no other socket and no other request could run. Work that
 * calls {@link cooperate} first gets a few milliseconds of each turn, process-wide; past that it
 * waits, first come first served, for a later turn. A lone request never waits.
 */

/** CPU time per event-loop turn that cooperating work may take before it waits for the next turn. */
const BUDGET_MS = 3;

let windowStart = 0;
let windowOpen = false;
const waiting: Array<() => void> = [];

function closeWindow(): void {
  windowOpen = false;
}

/** Whether the current turn's window has time left; the first work of a turn opens the window. */
function hasRoom(now: number): boolean {
  if (!windowOpen) {
    windowStart = now;
    windowOpen = true;
    // An immediate runs in this turn's check phase (in the next turn's, when queued from there):
    // work after it opens a fresh window.
    setImmediate(closeWindow);
  }
  return now - windowStart < BUDGET_MS;
}

/**
 * Lets the longest-waiting caller go when the window has room; else tries again next turn (an
 * immediate queued from an immediate runs in the next turn, after timers and I/O).
 */
function grant(): void {
  if (hasRoom(performance.now())) waiting.shift()?.();
  else setImmediate(grant);
}

/**
 * Call before a piece of CPU work (a request taken in, an upstream call started, a chunk of an
 * answer decoded). Returns `undefined` when the work may run now, or a promise that resolves when
 * its turn comes: `const turn = cooperate(); if (turn) await turn;` costs nothing when idle.
 */
export function cooperate(): Promise<void> | undefined {
  if (waiting.length === 0 && hasRoom(performance.now())) return undefined;
  return new Promise((resolve) => {
    waiting.push(resolve);
    setImmediate(grant);
  });
}
