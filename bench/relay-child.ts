/**
 * The relay under test, in its own process: Express + `imagesRouter` + a Gemini carrier on the
 * emulator + `localDiskStorage`. It measures itself on request: peak RSS (sampled every 5 ms and
 * the kernel's high-water mark) and event-loop delay (perf_hooks.monitorEventLoopDelay).
 *
 * argv: <stream|naive> <emulator url> <storage dir> <maxConcurrency>
 */
import type { AddressInfo } from 'node:net';
// By package name, as an app imports them: the bench runs this child on the built packages (dist),
// what users run, not on the TypeScript sources (see lib/children.ts).
import { createRelay, geminiCarrier, localDiskStorage } from '@banana-relay/core';
import { imagesRouter } from '@banana-relay/express';
import { eventLoopProbe } from './lib/event-loop-probe.js';
import { serveParent } from './lib/children.js';
import { express } from './lib/deps.js';
import { API_KEY } from './lib/upstream.js';
import { naiveCarrier } from './naive-carrier.js';

const [mode = 'stream', emulatorUrl = '', dir = '', concurrency = '16'] = process.argv.slice(2);
const maxConcurrency = Number(concurrency);
let failures = 0;

const app = express();
const server = await new Promise<import('node:http').Server>((resolve) => {
  const s = app.listen(0, '127.0.0.1', () => resolve(s));
});
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const carrier =
  mode === 'naive'
    ? naiveCarrier({ id: 'emulator', baseUrl: emulatorUrl, maxConcurrency })
    : geminiCarrier({ id: 'emulator', apiKey: API_KEY, baseUrl: emulatorUrl, maxConcurrency });
const relay = createRelay({
  carriers: [carrier],
  storage: localDiskStorage({ dir, publicBaseUrl: origin }),
  // The defaults protect a shared gateway; the bench wants every request in.
  routing: { maxInFlight: 10_000 },
  // The bench sends prompts alone (text to image, off by default): the references path is not what it measures.
  capabilities: { textToImage: true },
  limits: { deadlineMs: 600_000 },
  // A failed upstream attempt is worth a line on stderr (the first few): the bench expects none.
  onEvent: (event) => {
    if (event.type !== 'carrier.attempt' || event.ok || failures++ >= 3) return;
    process.stderr.write(`  · relay: an upstream attempt failed: ${event.error ?? 'unknown'}${event.status ? ` (status ${event.status})` : ''}\n`);
  },
});
app.use(imagesRouter(relay));
// Keep-alive sockets from the driver outlive the default 5 s between the bench's phases.
server.keepAliveTimeout = 60_000;

const gc = (globalThis as { gc?: () => void }).gc;
let sampler: NodeJS.Timeout | undefined;
let peak = 0;
let baseline = 0;
let maxRssAtStart = 0;

serveParent(
  { origin, pid: process.pid },
  {
    // everyMs: how often RSS is sampled besides the kernel's high-water mark (every sample is a
    // syscall on the loop being measured: the event-loop scenario samples less often).
    rssStart: async ({ everyMs = 5 }) => {
      gc?.();
      await new Promise((r) => setTimeout(r, 50));
      baseline = process.memoryUsage.rss();
      maxRssAtStart = process.resourceUsage().maxRSS * 1024;
      peak = baseline;
      sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage.rss());
      }, Number(everyMs));
      return { baseline };
    },
    rssStop: () => {
      clearInterval(sampler);
      // maxRSS is a lifetime high-water mark: it only says something if it rose during the phase.
      const maxRss = process.resourceUsage().maxRSS * 1024;
      if (maxRss > maxRssAtStart) peak = Math.max(peak, maxRss);
      return { baseline, peak, growth: peak - baseline };
    },
    ...eventLoopProbe(),
  },
);
process.on('SIGTERM', () => {
  server.closeAllConnections();
  void relay.close().finally(() => process.exit(0));
});
