/** 4. 1K requests per second at zero upstream latency, relay vs floor, same concurrency. */
import type { BenchContext } from '../lib/context.js';
import { median, round } from '../lib/stats.js';

export interface ThroughputResult {
  requests: number;
  concurrency: number;
  runs: number;
  relayRps: number;
  floorRps: number;
  /** relay / floor (1 = as fast as the floor). */
  ratio: number;
}

async function load(count: number, concurrency: number, call: () => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        await call();
      }
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

export async function throughput(ctx: BenchContext, runs: number, requests = 120, concurrency = 8): Promise<ThroughputResult> {
  const relay: number[] = [];
  const floor: number[] = [];
  await load(16, concurrency, () => ctx.relay.client.generate({ resolution: '1K' }));
  await load(16, concurrency, () => ctx.floor.run('1K'));
  for (let run = 0; run < runs; run++) {
    floor.push(await load(requests, concurrency, () => ctx.floor.run('1K')));
    relay.push(await load(requests, concurrency, () => ctx.relay.client.generate({ resolution: '1K' })));
    await ctx.clean();
  }
  ctx.log(`throughput: relay ${relay.map((r) => r.toFixed(1)).join(' ')} | floor ${floor.map((r) => r.toFixed(1)).join(' ')} req/s`);
  const relayRps = median(relay);
  const floorRps = median(floor);
  return { requests, concurrency, runs, relayRps: round(relayRps, 1), floorRps: round(floorRps, 1), ratio: round(relayRps / floorRps, 3) };
}
