import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A bench process with a request/answer channel over IPC. */
export interface Child {
  process: ChildProcess;
  /** Sends a command and resolves with the child's answer. */
  call<T = unknown>(cmd: string, args?: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

/**
 * Forks `bench/<file>` under the same TypeScript loader (tsx passes it in execArgv), with `--expose-gc`
 * so a child can settle its heap before a memory baseline. Resolves once the child says it is ready.
 *
 * The children resolve `@banana-relay/*` as an installed app does, to the built packages (`dist`):
 * the repository's tsconfig maps them to the TypeScript sources, which tsx would then run transpiled
 * (esbuild's keepNames gives every function created a property, and the relay some 30% more heap per
 * request in flight). `npm run bench` builds first.
 */
export async function startChild<R>(file: string, args: string[]): Promise<{ child: Child; ready: R }> {
  const script = fileURLToPath(new URL(`../${file}`, import.meta.url));
  // BENCH_CHILD_ARGS: extra node flags for the children (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
  const extra = process.env.BENCH_CHILD_ARGS?.split(' ').filter(Boolean) ?? [];
  const env = { ...process.env, TSX_TSCONFIG_PATH: fileURLToPath(new URL('../tsconfig.runtime.json', import.meta.url)) };
  const proc = fork(script, args, { execArgv: [...process.execArgv, '--expose-gc', ...extra], env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const ready = await new Promise<R>((resolve, reject) => {
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`${file} exited (${code}) before it was ready`)));
    proc.once('message', (message) => resolve((message as { ready: R }).ready));
  });
  proc.on('message', (message) => {
    const reply = message as Reply;
    const entry = pending.get(reply.id);
    if (!entry) return;
    pending.delete(reply.id);
    if (reply.ok) entry.resolve(reply.result);
    else entry.reject(new Error(reply.error));
  });
  void exited.then(() => {
    for (const entry of pending.values()) entry.reject(new Error(`${file} exited`));
    pending.clear();
  });
  const child: Child = {
    process: proc,
    call: (cmd, callArgs = {}) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        proc.send({ id, cmd, ...callArgs });
      }),
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
  return { child, ready };
}

/** The child side: announces readiness, then answers commands with `handlers`. */
export function serveParent<R>(ready: R, handlers: Record<string, (args: Record<string, unknown>) => unknown>): void {
  process.on('message', (message) => {
    const { id, cmd, ...args } = message as { id: number; cmd: string } & Record<string, unknown>;
    Promise.resolve()
      .then(() => {
        const handler = handlers[cmd];
        if (!handler) throw new Error(`unknown command ${cmd}`);
        return handler(args);
      })
      .then(
        (result) => process.send?.({ id, ok: true, result }),
        (error: unknown) => process.send?.({ id, ok: false, error: String(error) }),
      );
  });
  process.send?.({ ready });
  // The parent going away ends the child (no orphan servers).
  process.on('disconnect', () => process.exit(0));
}
