import { pickCarrier } from '../../src/routing/weighted-pick.js';
import { seededRandom } from './seeded-random.js';

const share = (picks: string[], id: string): number => picks.filter((p) => p === id).length / picks.length;
// 1,000 draws have a standard deviation of up to 1.6 points: 4 points is about 2.5 sigma (seeds fixed, so no flake).
const TOLERANCE = 0.04;

describe('pickCarrier: priority first, then weight', () => {
  test('weights 1:3 over 1,000 picks come out within 4 points of 25% / 75%', () => {
    const candidates = [
      { id: 'a', priority: 0, weight: 1 },
      { id: 'b', priority: 0, weight: 3 },
    ];
    for (const seed of [1, 2, 3, 42]) {
      const random = seededRandom(seed);
      const picks = Array.from({ length: 1000 }, () => pickCarrier(candidates, random)!.id);
      expect(Math.abs(share(picks, 'a') - 0.25)).toBeLessThan(TOLERANCE);
      expect(Math.abs(share(picks, 'b') - 0.75)).toBeLessThan(TOLERANCE);
    }
  });

  test('three carriers 5:3:2 over 1,000 picks, within 4 points each', () => {
    const candidates = [
      { id: 'a', priority: 1, weight: 5 },
      { id: 'b', priority: 1, weight: 3 },
      { id: 'c', priority: 1, weight: 2 },
    ];
    const random = seededRandom(1);
    const picks = Array.from({ length: 1000 }, () => pickCarrier(candidates, random)!.id);
    expect(Math.abs(share(picks, 'a') - 0.5)).toBeLessThan(TOLERANCE);
    expect(Math.abs(share(picks, 'b') - 0.3)).toBeLessThan(TOLERANCE);
    expect(Math.abs(share(picks, 'c') - 0.2)).toBeLessThan(TOLERANCE);
  });

  test('a higher priority number is never picked while a lower one is present, whatever its weight', () => {
    const candidates = [
      { id: 'backup', priority: 1, weight: 1000 },
      { id: 'main', priority: 0, weight: 1 },
    ];
    const random = seededRandom(9);
    for (let i = 0; i < 1000; i++) expect(pickCarrier(candidates, random)!.id).toBe('main');
    expect(pickCarrier([candidates[0]!], random)!.id).toBe('backup');
  });

  test('edges: empty list, random() at its bounds', () => {
    expect(pickCarrier([], Math.random)).toBeUndefined();
    const candidates = [
      { id: 'a', priority: 0, weight: 1 },
      { id: 'b', priority: 0, weight: 1 },
    ];
    expect(pickCarrier(candidates, () => 0)!.id).toBe('a');
    expect(pickCarrier(candidates, () => 0.9999999999)!.id).toBe('b');
    expect(pickCarrier(candidates, () => 1)!.id).toBe('b');
  });
});
