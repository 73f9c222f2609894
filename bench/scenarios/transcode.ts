/** 5. 4K PNG answer, JPEG requested: the relay end to end vs the floor doing the same with a bare sharp call. */
import type { BenchContext } from '../lib/context.js';
import { Floor } from '../floor.js';
import { median, round } from '../lib/stats.js';

export interface TranscodeResult {
  runs: number;
  relayMs: number;
  /** The floor (fetch, parse, decode) plus the bare sharp call, then the durable write. */
  floorWithSharpMs: number;
  /** The bare sharp call alone on the same bytes. */
  sharpAloneMs: number;
  /** relay / floorWithSharp. */
  ratio: number;
}

export async function transcode(ctx: BenchContext, runs: number): Promise<TranscodeResult> {
  const image = await ctx.floor.image('4K');
  const sharpAlone: number[] = [];
  const relay: number[] = [];
  const floor: number[] = [];
  await ctx.relay.client.generate({ resolution: '4K', outputFormat: 'jpg' });
  await ctx.floor.run('4K', true);
  for (let i = 0; i < runs; i++) {
    sharpAlone.push(await Floor.sharpAlone(image));
    if (i % 2 === 0) {
      floor.push((await ctx.floor.run('4K', true)).ms);
      relay.push(await ctx.relay.client.generate({ resolution: '4K', outputFormat: 'jpg' }));
    } else {
      relay.push(await ctx.relay.client.generate({ resolution: '4K', outputFormat: 'jpg' }));
      floor.push((await ctx.floor.run('4K', true)).ms);
    }
    await ctx.clean();
  }
  ctx.log(`transcode: relay ${relay.map((t) => t.toFixed(0)).join(' ')} | floor+sharp ${floor.map((t) => t.toFixed(0)).join(' ')} | sharp ${sharpAlone.map((t) => t.toFixed(0)).join(' ')}`);
  const relayMs = median(relay);
  const floorMs = median(floor);
  return { runs, relayMs: round(relayMs, 1), floorWithSharpMs: round(floorMs, 1), sharpAloneMs: round(median(sharpAlone), 1), ratio: round(relayMs / floorMs, 3) };
}
