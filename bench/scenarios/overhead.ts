/** 1. One request at a time through the Express route, vs the floor, for 1K and 4K PNG. */
import type { BenchContext } from '../lib/context.js';
import { median, round } from '../lib/stats.js';

export interface OverheadResult {
  resolution: '1K' | '4K';
  runs: number;
  relayMs: number;
  floorMs: number;
  ratio: number;
}

export async function overhead(ctx: BenchContext, resolution: '1K' | '4K', runs: number): Promise<OverheadResult> {
  const relay: number[] = [];
  const floor: number[] = [];
  // Warm both paths up (JIT, connection pools) before measuring.
  for (let i = 0; i < (resolution === '1K' ? 30 : 3); i++) {
    await ctx.floor.run(resolution);
    await ctx.relay.client.generate({ resolution });
  }
  await ctx.clean();
  // Side by side: alternate which goes first, so drift (page cache, GC) hits both alike.
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) {
      floor.push((await ctx.floor.run(resolution)).ms);
      relay.push(await ctx.relay.client.generate({ resolution }));
    } else {
      relay.push(await ctx.relay.client.generate({ resolution }));
      floor.push((await ctx.floor.run(resolution)).ms);
    }
    if (resolution === '4K') await ctx.clean();
  }
  await ctx.clean();
  const relayMs = median(relay);
  const floorMs = median(floor);
  ctx.log(`overhead ${resolution}: relay ${relay.map((t) => t.toFixed(0)).join(' ')} | floor ${floor.map((t) => t.toFixed(0)).join(' ')}`);
  return { resolution, runs, relayMs: round(relayMs, 1), floorMs: round(floorMs, 1), ratio: round(relayMs / floorMs, 3) };
}
