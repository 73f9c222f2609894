import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * Event-loop delay of this process, as the bench's children report it. The 10 ms monitor is the
 * target's figure (a sample is the time between two timer turns, so an idle loop reads ~10 ms); the
 * 1 ms one reads stalls nearly as they are, but takes more samples while idle (its p99 is lower).
 */
export function eventLoopProbe(): { eldStart(): void; eldStop(): unknown } {
  const eld = monitorEventLoopDelay({ resolution: 10 });
  const fine = monitorEventLoopDelay({ resolution: 1 });
  const ms = (ns: number): number => ns / 1e6;
  return {
    eldStart: () => {
      eld.reset();
      fine.reset();
      eld.enable();
      fine.enable();
    },
    eldStop: () => {
      eld.disable();
      fine.disable();
      return {
        p50: ms(eld.percentile(50)),
        p99: ms(eld.percentile(99)),
        max: ms(eld.max),
        samples: eld.count,
        fine: { p50: ms(fine.percentile(50)), p99: ms(fine.percentile(99)), max: ms(fine.max), samples: fine.count },
      };
    },
  };
}
