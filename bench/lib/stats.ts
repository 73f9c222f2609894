/** The median of some numbers (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Rounds for display and results.json. */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export const MB = 1024 * 1024;

/** Bytes as MiB with one decimal. */
export function mib(bytes: number): string {
  return `${(bytes / MB).toFixed(1)} MiB`;
}

/** A target check, printed as PASS or MISS. */
export interface Target {
  name: string;
  value: number;
  limit: number;
  pass: boolean;
}

export function target(name: string, value: number, limit: number): Target {
  return { name, value: round(value, 3), limit, pass: value <= limit };
}
