import { clearTimeout, setTimeout } from 'node:timers';
import { constants, monitorEventLoopDelay, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

/** Turns slower than this count as late (the target's p99). */
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
  /** Turns of a 10 ms timer that came over 20 ms apart: about the monitor's late samples. */
  lateTurns: number;
  /** Of those, how many contained a collection's pause. */
  lateTurnsWithGc: number;
}

/**
 * Event-loop delay of this process, as the bench's children report it. The 10 ms monitor is the
 * target's figure (a sample is the time between two timer turns, so an idle loop reads ~10 ms); the
 * 1 ms one reads stalls nearly as they are, but takes more samples while idle (its p99 is lower).
 * Alongside, the garbage collections of the window, to tell what the late samples are made of.
 */
export function eventLoopProbe(): { eldStart(): void; eldStop(): unknown } {
  const eld = monitorEventLoopDelay({ resolution: 10 });
  const fine = monitorEventLoopDelay({ resolution: 1 });
  const ms = (ns: number): number => ns / 1e6;
  let gcs: PerformanceEntry[] = [];
  let late: Array<[number, number]> = [];
  let ticker: NodeJS.Timeout | undefined;
  let cpuAtStart: NodeJS.CpuUsage | undefined;
  const observer = new PerformanceObserver((list) => void gcs.push(...list.getEntries()));
  const tick = (previous: number): void => {
    const now = performance.now();
    if (now - previous > LATE_MS) late.push([previous, now]);
    ticker = setTimeout(tick, 10, now);
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
        p50: ms(eld.percentile(50)),
        p99: ms(eld.percentile(99)),
        max: ms(eld.max),
        samples: eld.count,
        fine: { p50: ms(fine.percentile(50)), p99: ms(fine.percentile(99)), max: ms(fine.max), samples: fine.count },
        gc: gcReport(),
        // CPU time of the whole process (main thread, GC threads, libuv's pool) during the window.
        cpuMs: (({ user, system }) => (user + system) / 1000)(process.cpuUsage(cpuAtStart)),
      };
    },
  };
}
