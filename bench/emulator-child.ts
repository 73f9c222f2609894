/**
 * The Google API emulator in its own process, so that it never competes with the relay for the
 * event loop and the relay's RSS is the relay's alone. Two instances: one answering at once, one
 * taking 3 s per call. Every image the bench asks for is rendered before it says it is ready.
 */
import { startEmulator } from '../packages/emulator/src/index.js';
import { serveParent } from './lib/children.js';

const fast = await startEmulator({ latencyMs: 0 });
const slow = await startEmulator({ latencyMs: 3000 });
await fast.prerender([
  { resolution: '1K', aspectRatio: '1:1', format: 'png' },
  { resolution: '4K', aspectRatio: '1:1', format: 'png' },
]);
await slow.prerender([{ resolution: '1K', aspectRatio: '1:1', format: 'png' }]);

serveParent(
  { fast: fast.url, slow: slow.url },
  {
    // Recorded requests would grow without bound over a bench run.
    reset: () => {
      fast.reset();
      slow.reset();
    },
  },
);
process.on('SIGTERM', () => {
  void Promise.all([fast.close(), slow.close()]).then(() => process.exit(0));
});
