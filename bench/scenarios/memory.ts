/**
 * 2. Peak RSS growth of the relay process with `concurrent` 4K requests in flight, per image byte
 * (16 for the target; 1 shows the cost of a request on its own); streaming vs the naive path.
 */
import type { BenchContext } from '../lib/context.js';
import { median, round } from '../lib/stats.js';

export interface MemoryResult {
  mode: 'stream' | 'naive';
  concurrent: number;
  runs: number;
  /** Median of (peak RSS - baseline RSS) / (concurrent x image bytes). */
  ratio: number;
  growthBytes: number;
  peakBytes: number;
}

export async function memory(ctx: BenchContext, mode: 'stream' | 'naive', runs: number, concurrent = 16): Promise<MemoryResult> {
  const ratios: number[] = [];
  const growths: number[] = [];
  const peaks: number[] = [];
  for (let run = 0; run < runs; run++) {
    // A fresh process per run: freed memory stays mapped by malloc and would hide the next peak.
    const relay = await ctx.startRelay(mode, ctx.emulator.fast, concurrent);
    try {
      // Warm the code paths with 1K (a 4K warm-up would raise the baseline this run measures from).
      for (let i = 0; i < 3; i++) await relay.client.generate({ resolution: '1K' });
      await relay.child.call('rssStart');
      await Promise.all(Array.from({ length: concurrent }, () => relay.client.generate({ resolution: '4K' })));
      const { growth, peak } = await relay.child.call<{ growth: number; peak: number }>('rssStop');
      ratios.push(growth / (concurrent * ctx.imageBytes['4K']));
      growths.push(growth);
      peaks.push(peak);
    } finally {
      await relay.stop();
      await ctx.clean();
    }
  }
  ctx.log(`memory ${mode}: ratios ${ratios.map((r) => r.toFixed(2)).join(' ')}`);
  return { mode, concurrent, runs, ratio: round(median(ratios), 3), growthBytes: median(growths), peakBytes: median(peaks) };
}
