/** 3. 500 concurrent 1K requests on an upstream taking 3 s each: all succeed, the event loop stays responsive. */
import { startChild } from '../lib/children.js';
import type { GcReport } from '../lib/event-loop-probe.js';
import type { BenchContext } from '../lib/context.js';
import { median, round } from '../lib/stats.js';

export interface ManySlowResult {
  concurrent: number;
  upstreamLatencyMs: number;
  runs: number;
  succeeded: number;
  failed: number;
  /** Median over the runs of the event-loop delay p99 (beyond the 10 ms monitor's period), in ms. */
  eventLoopP99Ms: number;
  /** Each run's p99, in the order run: the spread behind the median. */
  eventLoopP99PerRunMs: number[];
  /** The same samples read raw: the p99 of the time between the monitor's turns (delay + 10 ms). */
  eventLoopIntervalP99Ms: number;
  eventLoopMaxMs: number;
  /** The same measure in an idle process at the same time: the machine's own noise. */
  idleProcessP99Ms: number;
  /** The same three figures with a 1 ms monitor (the 10 ms one adds up to 10 ms to every reading). */
  fine: { eventLoopP99Ms: number; eventLoopMaxMs: number; idleProcessP99Ms: number };
  /** The relay's garbage collections during the runs (median of each figure). */
  gc: GcReport;
  /** CPU time of the relay process (all its threads) during a run, median. */
  relayCpuMs: number;
  wallMs: number;
  peakRssBytes: number;
  rssGrowthBytes: number;
}

export async function manySlow(ctx: BenchContext, runs: number, concurrent = 500): Promise<ManySlowResult> {
  const p99s: number[] = [];
  const intervalP99s: number[] = [];
  const maxes: number[] = [];
  const walls: number[] = [];
  const peaks: number[] = [];
  const growths: number[] = [];
  const idle: number[] = [];
  const fineP99s: number[] = [];
  const fineMaxes: number[] = [];
  const fineIdle: number[] = [];
  const gcs: GcReport[] = [];
  const cpus: number[] = [];
  let succeeded = 0;
  let failed = 0;
  let firstError: unknown;
  for (let run = 0; run < runs; run++) {
    const relay = await ctx.startRelay('stream', ctx.emulator.slow, concurrent);
    const { child: canary } = await startChild('canary-child.ts', []);
    try {
      await relay.client.generate({ resolution: '1K' });
      await relay.child.call('rssStart', { everyMs: 100 });
      await relay.child.call('eldStart');
      await canary.call('eldStart');
      const started = performance.now();
      // All at once: their answers then arrive together too, 3 s later (the hardest case for the event loop).
      const results = await Promise.allSettled(Array.from({ length: concurrent }, () => relay.client.generate({ resolution: '1K' })));
      walls.push(performance.now() - started);
      const eld = await relay.child.call<{ p99: number; max: number; intervalP99: number; fine: { p99: number; max: number }; gc: GcReport; cpuMs: number }>('eldStop');
      intervalP99s.push(eld.intervalP99);
      gcs.push(eld.gc);
      cpus.push(eld.cpuMs);
      const idleEld = await canary.call<{ p99: number; fine: { p99: number } }>('eldStop');
      idle.push(idleEld.p99);
      fineP99s.push(eld.fine.p99);
      fineMaxes.push(eld.fine.max);
      fineIdle.push(idleEld.fine.p99);
      const rss = await relay.child.call<{ peak: number; growth: number }>('rssStop');
      for (const r of results) {
        if (r.status === 'fulfilled') succeeded++;
        else {
          failed++;
          firstError ??= r.reason;
        }
      }
      p99s.push(eld.p99);
      maxes.push(eld.max);
      peaks.push(rss.peak);
      growths.push(rss.growth);
    } finally {
      await canary.stop();
      await relay.stop();
      await ctx.clean();
    }
  }
  if (firstError) ctx.log(`many-slow: first failure: ${String(firstError)}`);
  ctx.log(`many-slow: p99 ${p99s.map((p) => p.toFixed(1)).join(' ')} ms (1 ms monitor: ${fineP99s.map((p) => p.toFixed(1)).join(' ')} ms), wall ${walls.map((w) => w.toFixed(0)).join(' ')} ms`);
  return {
    concurrent,
    upstreamLatencyMs: 3000,
    runs,
    succeeded,
    failed,
    eventLoopP99Ms: round(median(p99s), 1),
    eventLoopP99PerRunMs: p99s.map((p) => round(p, 1)),
    eventLoopIntervalP99Ms: round(median(intervalP99s), 1),
    eventLoopMaxMs: round(median(maxes), 1),
    idleProcessP99Ms: round(median(idle), 1),
    fine: { eventLoopP99Ms: round(median(fineP99s), 1), eventLoopMaxMs: round(median(fineMaxes), 1), idleProcessP99Ms: round(median(fineIdle), 1) },
    gc: medianGc(gcs),
    relayCpuMs: round(median(cpus), 0),
    wallMs: round(median(walls), 0),
    peakRssBytes: median(peaks),
    rssGrowthBytes: median(growths),
  };
}

/** Each figure of the runs' GC reports, as its median. */
function medianGc(reports: readonly GcReport[]): GcReport {
  const of = (key: keyof GcReport): number => round(median(reports.map((r) => r[key])), 1);
  return {
    major: of('major'),
    minor: of('minor'),
    pauseMs: of('pauseMs'),
    longestMs: of('longestMs'),
    lateTurns: of('lateTurns'),
    lateTurnsWithGc: of('lateTurnsWithGc'),
  };
}
