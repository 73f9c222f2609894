import { rm } from 'node:fs/promises';
import path from 'node:path';
import { startChild, type Child } from './children.js';
import { RelayClient } from './client.js';
import type { Floor } from '../floor.js';

/** A relay process and the driver's client to it. */
export interface RelayHandle {
  child: Child;
  client: RelayClient;
  stop(): Promise<void>;
}

/** What every scenario gets. */
export interface BenchContext {
  emulator: { fast: string; slow: string };
  /** Where the relay stores artifacts and the floor writes its files. */
  dir: string;
  floor: Floor;
  /** The streaming relay on the fast emulator, shared by the latency scenarios. */
  relay: RelayHandle;
  /** Decoded bytes of the emulator's final 1K and 4K PNG images. */
  imageBytes: { '1K': number; '4K': number };
  /** Starts another relay process. */
  startRelay(mode: 'stream' | 'naive', emulatorUrl: string, maxConcurrency: number): Promise<RelayHandle>;
  /** Deletes the artifacts written so far (4K files are 20 MB each). */
  clean(): Promise<void>;
  /** Progress line on stderr. */
  log(message: string): void;
}

export async function startRelay(dir: string, mode: 'stream' | 'naive', emulatorUrl: string, maxConcurrency: number): Promise<RelayHandle> {
  const { child, ready } = await startChild<{ origin: string }>('relay-child.ts', [mode, emulatorUrl, dir, String(maxConcurrency)]);
  const client = new RelayClient(ready.origin);
  return {
    child,
    client,
    async stop() {
      client.close();
      await child.stop();
    },
  };
}

export async function cleanArtifacts(dir: string): Promise<void> {
  await rm(path.join(dir, 'task-artifacts'), { recursive: true, force: true });
}
