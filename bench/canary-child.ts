/**
 * An idle process measuring its own event-loop delay while the relay is under load: what the
 * machine's scheduling alone costs a Node process, to read the relay's figure against.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { serveParent } from './lib/children.js';

const eld = monitorEventLoopDelay({ resolution: 10 });
// A sample is the time between two timer turns, so at 10 ms an idle loop already reads ~10 ms.
// The 1 ms monitor reads stalls nearly as they are; it also takes more samples while the loop is idle.
const fine = monitorEventLoopDelay({ resolution: 1 });
const ms = (ns: number): number => ns / 1e6;
serveParent(
  { pid: process.pid },
  {
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
  },
);
