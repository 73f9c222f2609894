import { clearTimeout, setTimeout } from 'node:timers';
import { constants, monitorEventLoopDelay, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

/** Resolution of the target's monitor (Node's default), ms. */
const RESOLUTION_MS = 10;
/** Delay beyond which a turn counts as late (the target's p99). */
const LATE_MS = 20;

/** Garbage collections of the measured window, and how many late turns they fall in. */
export interface GcReport {
  /** Mark-compact collections (the whole heap). */
  major: number;
  /** Scavenges (the young generation). */
  minor: number;
  /** Main-thread pause time of all collections, ms. */
  pauseMs: number;
  longestMs: number;
  /** Turns of a 10 ms timer that came over 20 ms late (over 30 ms apart): about the monitor's late samples. */
  lateTurns: number;
  /** Of those, how many contained a collection's pause. */
  lateTurnsWithGc: number;
}

/**
 * Event-loop delay of this process, as the bench's children report it. A monitor's sample is the
 * time between two turns of its repeating timer, so an idle loop reads the resolution itself (10 ms):
 * the delay is what comes on top of it, `value - resolution`, which is how Fastify's under-pressure
 * reads the same histogram. The 10 ms monitor (Node's default) is the target's figure; the 1 ms one
 * reads stalls nearly as they are but takes more samples while idle (its p99 is lower); the raw
 * interval percentiles are returned too. Alongside, the window's garbage collections, to tell what
 * the late samples are made of.
 */
export function eventLoopProbe(): { eldStart(): void; eldStop(): unknown } {
  const eld = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  const fine = monitorEventLoopDelay({ resolution: 1 });
  const ms = (ns: number): number => ns / 1e6;
  /** A sample's delay beyond the monitor's period. */
  const delay = (ns: number, resolution: number): number => Math.max(0, ms(ns) - resolution);
  let gcs: PerformanceEntry[] = [];
  let late: Array<[number, number]> = [];
  let ticker: NodeJS.Timeout | undefined;
  let cpuAtStart: NodeJS.CpuUsage | undefined;
  const observer = new PerformanceObserver((list) => void gcs.push(...list.getEntries()));
  const tick = (previous: number): void => {
    const now = performance.now();
    if (now - previous > RESOLUTION_MS + LATE_MS) late.push([previous, now]);
    ticker = setTimeout(tick, RESOLUTION_MS, now);
  };
  const gcReport = (): GcReport => {
    const kind = (e: PerformanceEntry): number => (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? 0;
    const overlaps = ([from, to]: [number, number]): boolean => gcs.some((e) => e.startTime < to && e.startTime + e.duration > from);
    return {
      major: gcs.filter((e) => kind(e) === constants.NODE_PERFORMANCE_GC_MAJOR).length,
      minor: gcs.filter((e) => kind(e) === constants.NODE_PERFORMANCE_GC_MINOR).length,
      pauseMs: Math.round(gcs.reduce((sum, e) => sum + e.duration, 0)),
      longestMs: Math.round(Math.max(0, ...gcs.map((e) => e.duration)) * 10) / 10,
      lateTurns: late.length,
      lateTurnsWithGc: late.filter(overlaps).length,
    };
  };
  return {
    eldStart: () => {
      eld.reset();
      fine.reset();
      eld.enable();
      fine.enable();
      gcs = [];
      late = [];
      cpuAtStart = process.cpuUsage();
      observer.observe({ entryTypes: ['gc'] });
      ticker = setTimeout(tick, 10, performance.now());
    },
    eldStop: () => {
      eld.disable();
      fine.disable();
      gcs.push(...observer.takeRecords());
      observer.disconnect();
      clearTimeout(ticker);
      return {
        p50: delay(eld.percentile(50), RESOLUTION_MS),
        p99: delay(eld.percentile(99), RESOLUTION_MS),
        max: delay(eld.max, RESOLUTION_MS),
        samples: eld.count,
        intervalP99: ms(eld.percentile(99)),
        fine: { p50: delay(fine.percentile(50), 1), p99: delay(fine.percentile(99), 1), max: delay(fine.max, 1), samples: fine.count },
        gc: gcReport(),
        // CPU time of the whole process (main thread, GC threads, libuv's pool) during the window.
        cpuMs: (({ user, system }) => (user + system) / 1000)(process.cpuUsage(cpuAtStart)),
      };
    },
  };
}
