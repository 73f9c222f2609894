/** What {@link pickCarrier} needs to know of a candidate. */
export interface Weighted {
  /** Lower goes first. */
  priority: number;
  /** Share within its priority (> 0). */
  weight: number;
}

/**
 * Picks one candidate: only those of the lowest priority present compete, each with a chance
 * proportional to its weight. `random` returns a number in [0, 1) (inject a seeded one in tests).
 * Returns undefined for an empty list.
 */
export function pickCarrier<T extends Weighted>(candidates: readonly T[], random: () => number): T | undefined {
  let best = Infinity;
  for (const c of candidates) best = Math.min(best, c.priority);
  const group = candidates.filter((c) => c.priority === best);
  const total = group.reduce((sum, c) => sum + c.weight, 0);
  let point = random() * total;
  for (const c of group) {
    point -= c.weight;
    if (point < 0) return c;
  }
  // Rounding (or a random() of exactly 1) can leave a sliver past the end: it belongs to the last.
  return group.at(-1);
}
