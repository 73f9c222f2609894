/**
 * `pnpm bench` / `npm run bench`: measures the relay against the floor, side by side in one run,
 * on the emulator over loopback with its images pre-rendered. Prints the figures and writes them to
 * bench/results.json. Not a test: nothing here fails the build; misses are printed as MISS.
 *
 * Processes: this driver (and the floor), the emulator (its own process, never the bottleneck) and
 * the relay under test (its own process, so its RSS is its own).
 *
 * Env: BENCH_DIR (where files are written; default /dev/shm when present), BENCH_QUICK=1 (fewer runs).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Floor } from './floor.js';
import { startChild } from './lib/children.js';
import { cleanArtifacts, startRelay, type BenchContext } from './lib/context.js';
import { mib, round, target, type Target } from './lib/stats.js';
import { manySlow } from './scenarios/many-slow.js';
import { memory } from './scenarios/memory.js';
import { overhead } from './scenarios/overhead.js';
import { throughput } from './scenarios/throughput.js';
import { transcode } from './scenarios/transcode.js';

const quick = process.env.BENCH_QUICK === '1';
const runs = quick
  ? { overhead1K: 5, overhead4K: 3, memory: 1, manySlow: 1, throughput: 1, transcode: 3 }
  : { overhead1K: 41, overhead4K: 11, memory: 3, manySlow: 5, throughput: 3, transcode: 5 };
const log = (message: string): void => void process.stderr.write(`  · ${message}\n`);
const out = (line = ''): void => void process.stdout.write(`${line}\n`);
const mark = (t: Target): string => (t.pass ? 'PASS' : 'MISS');

const baseDir = process.env.BENCH_DIR ?? (existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir());
const dir = await mkdtemp(path.join(baseDir, 'banana-bench-'));
const started = performance.now();

log('starting the emulator and pre-rendering its 1K and 4K images…');
const { child: emulatorChild, ready: emulator } = await startChild<{ fast: string; slow: string }>('emulator-child.ts', []);
const floor = new Floor(emulator.fast, dir);
const relay = await startRelay(dir, 'stream', emulator.fast, 16);
try {
  const [one, four] = [await floor.run('1K'), await floor.run('4K')];
  const ctx: BenchContext = {
    emulator,
    dir,
    floor,
    relay,
    imageBytes: { '1K': one.imageBytes, '4K': four.imageBytes },
    startRelay: (mode, url, concurrency) => startRelay(dir, mode, url, concurrency),
    clean: () => cleanArtifacts(dir),
    log,
  };
  const cpus = os.cpus();
  const machine = {
    cores: cpus.length,
    cpu: cpus[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    memoryBytes: os.totalmem(),
    // Other work on the machine skews every figure: it is printed with them.
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
    storage: dir,
  };
  out(`banana-relay bench: ${machine.cores} cores (${machine.cpu}), Node ${machine.node}, ${machine.platform}, ${mib(machine.memoryBytes)} RAM, load average ${machine.loadAverageAtStart.join(' ')}`);
  out(`files: localDiskStorage in ${dir}; the floor writes there too, with fsync as the storage does`);
  out(`images (emulator, pre-rendered, 1:1): 1K PNG ${mib(one.imageBytes)} (answer ${mib(one.answerBytes)} of JSON), 4K PNG ${mib(four.imageBytes)} (answer ${mib(four.answerBytes)})`);
  out();

  log('1. overhead vs floor');
  const o1 = await overhead(ctx, '1K', runs.overhead1K);
  const o4 = await overhead(ctx, '4K', runs.overhead4K);
  const t1 = target('overhead 1K PNG', o1.ratio, 1.3);
  const t4 = target('overhead 4K PNG', o4.ratio, 1.1);
  out('1. overhead vs floor (one request at a time through the Express route; median)');
  out(`   1K PNG  relay ${o1.relayMs} ms  floor ${o1.floorMs} ms  ratio ${o1.ratio}  (target <= 1.30) ${mark(t1)}  [${o1.runs} runs]`);
  out(`   4K PNG  relay ${o4.relayMs} ms  floor ${o4.floorMs} ms  ratio ${o4.ratio}  (target <= 1.10) ${mark(t4)}  [${o4.runs} runs]`);

  log('2. memory per in-flight 4K request');
  const ms = await memory(ctx, 'stream', runs.memory);
  const mn = await memory(ctx, 'naive', runs.memory);
  const tm = target('memory per in-flight 4K request', ms.ratio, 1.5);
  out(`2. memory per in-flight 4K request (peak RSS growth of the relay process with 16 concurrent 4K / (16 x ${mib(ctx.imageBytes['4K'])}); median of ${ms.runs} fresh processes)`);
  out(`   streaming  ${ms.ratio}  (growth ${mib(ms.growthBytes)}, peak RSS ${mib(ms.peakBytes)})  (target <= 1.5) ${mark(tm)}`);
  out(`   naive      ${mn.ratio}  (growth ${mib(mn.growthBytes)}, peak RSS ${mib(mn.peakBytes)})  (the replaced path: buffer, JSON.parse, decode)`);

  log('3. 500 concurrent slow requests');
  const s = await manySlow(ctx, runs.manySlow);
  const ts = target('event-loop delay p99 ms, 500 concurrent', s.eventLoopP99Ms, 20);
  const allOk = s.failed === 0;
  out(`3. ${s.concurrent} concurrent 1K requests, upstream ${s.upstreamLatencyMs / 1000} s each (median of ${s.runs} fresh processes)`);
  out(`   ${s.succeeded}/${s.succeeded + s.failed} succeeded ${allOk ? 'PASS' : 'MISS'}; event-loop delay p99 ${s.eventLoopP99Ms} ms (max ${s.eventLoopMaxMs} ms) (target <= 20 ms) ${mark(ts)}`);
  out(`   (each process: ${s.eventLoopP99PerRunMs.join(', ')} ms; monitorEventLoopDelay at its default 10 ms resolution; delay = time between`);
  out(`   its turns - 10 ms, as Fastify's under-pressure reads it: raw interval p99 ${s.eventLoopIntervalP99Ms} ms; an idle process alongside: delay p99 ${s.idleProcessP99Ms} ms)`);
  out(`   (same with a 1 ms monitor, not the target's figure: delay p99 ${s.fine.eventLoopP99Ms} ms, max ${s.fine.eventLoopMaxMs} ms; idle process p99 ${s.fine.idleProcessP99Ms} ms)`);
  out(`   relay's GC: ${s.gc.major} full + ${s.gc.minor} young collections, ${s.gc.pauseMs} ms of pauses (longest ${s.gc.longestMs} ms); ${s.gc.lateTurnsWithGc} of ${s.gc.lateTurns} turns over 20 ms late held a GC pause`);
  out(`   relay process CPU (all its threads) ${s.relayCpuMs} ms in the ${s.wallMs} ms: ${round(s.relayCpuMs / s.wallMs, 2)} of the ${os.cpus().length} cores`);
  out(`   all answered in ${s.wallMs} ms; peak RSS ${mib(s.peakRssBytes)} (growth ${mib(s.rssGrowthBytes)})`);

  log('4. throughput');
  const th = await throughput(ctx, runs.throughput);
  out(`4. throughput, 1K at zero upstream latency (${th.requests} requests, ${th.concurrency} at a time; median of ${th.runs})`);
  out(`   relay ${th.relayRps} req/s  floor ${th.floorRps} req/s  ratio ${th.ratio} (relay / floor)`);

  log('5. transcode');
  const tc = await transcode(ctx, runs.transcode);
  out(`5. transcode 4K png -> jpg (median of ${tc.runs})`);
  out(`   relay ${tc.relayMs} ms  floor + bare sharp ${tc.floorWithSharpMs} ms (sharp alone ${tc.sharpAloneMs} ms)  ratio ${tc.ratio}`);

  const targets = [t1, t4, tm, ts, { name: 'all 500 slow requests succeed', value: s.failed, limit: 0, pass: allOk }];
  out();
  out(`targets: ${targets.filter((t) => t.pass).length}/${targets.length} PASS${targets.some((t) => !t.pass) ? ` (MISS: ${targets.filter((t) => !t.pass).map((t) => t.name).join(', ')})` : ''}`);
  const results = {
    date: new Date().toISOString(),
    machine,
    images: { '1K': { imageBytes: one.imageBytes, answerBytes: one.answerBytes }, '4K': { imageBytes: four.imageBytes, answerBytes: four.answerBytes } },
    overhead: [o1, o4],
    memory: [ms, mn],
    manySlow: s,
    throughput: th,
    transcode: tc,
    targets,
    durationSeconds: Math.round((performance.now() - started) / 1000),
  };
  const file = fileURLToPath(new URL('./results.json', import.meta.url));
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  out(`results: bench/results.json (${results.durationSeconds} s)`);
} finally {
  await relay.stop();
  await floor.close();
  await emulatorChild.stop();
  await rm(dir, { recursive: true, force: true });
}
