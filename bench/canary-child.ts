/**
 * An idle process measuring its own event-loop delay while the relay is under load: what the
 * machine's scheduling alone costs a Node process, to read the relay's figure against.
 */
import { eventLoopProbe } from './lib/event-loop-probe.js';
import { serveParent } from './lib/children.js';

serveParent({ pid: process.pid }, eventLoopProbe());
