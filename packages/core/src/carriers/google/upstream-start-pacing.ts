/**
 * Upstream calls started per event-loop turn, process-wide. When hundreds of requests arrive
 * together, the HTTP server hands them all to the relay within one turn, and starting every
 * upstream call there (connection, request head and body, timers) made that one turn last hundreds
 * of milliseconds, during which no other request, timer or answer could run. Starting a few per turn
 * spreads that work over many short turns; a lone request is never delayed.
 */
const PER_TURN = 8;

let startedThisTurn = 0;
let turnScheduled = false;
const waiting: Array<() => void> = [];

function nextTurn(): void {
  turnScheduled = false;
  const batch = waiting.splice(0, PER_TURN);
  startedThisTurn = batch.length;
  for (const start of batch) start();
  // Keep turning while calls wait, and once more to reset the count after the last batch.
  if (waiting.length > 0 || startedThisTurn > 0) scheduleTurn();
}

function scheduleTurn(): void {
  if (turnScheduled) return;
  turnScheduled = true;
  setImmediate(nextTurn);
}

/** Resolves when this call may start its upstream request: at once while the turn has room, else in a later turn. */
export function upstreamStartSlot(): Promise<void> {
  if (waiting.length === 0 && startedThisTurn < PER_TURN) {
    startedThisTurn += 1;
    scheduleTurn();
    return Promise.resolve();
  }
  const slot = new Promise<void>((resolve) => waiting.push(resolve));
  scheduleTurn();
  return slot;
}
