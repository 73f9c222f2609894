import net from 'node:net';

/** A connection the guard refused. */
export interface RefusedConnection {
  host: string;
  port: unknown;
}

/** The guard installed by {@link onlyLoopback}. */
export interface LoopbackGuard {
  /** Every connection attempt to a host off loopback (refused before any packet left). */
  readonly refused: RefusedConnection[];
  /** Puts `net.Socket#connect` back. */
  restore(): void;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|::1|\[::1\]|::ffff:127(?:\.\d{1,3}){3})$/i;

function targetOf(args: unknown[]): { host: string; port: unknown } | undefined {
  // net.createConnection passes its normalized [options, callback] array as the only argument.
  const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  if (typeof first === 'object' && first !== null) {
    const options = first as { host?: string; port?: unknown; path?: string };
    if (options.path !== undefined) return undefined; // a Unix socket or named pipe
    return { host: options.host ?? 'localhost', port: options.port };
  }
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    return { host: typeof args[1] === 'string' ? args[1] : 'localhost', port: first };
  }
  return undefined;
}

/**
 * Refuses every TCP/TLS connection to a host other than loopback for as long as it is installed, even
 * when the code under test is broken (an SDK that falls back to a real Google or AWS host, a token or
 * metadata-server request). The attempt fails with an error and is listed in `refused`, which a test
 * asserts empty, so a swallowed error cannot hide it.
 */
export function onlyLoopback(): LoopbackGuard {
  const refused: RefusedConnection[] = [];
  const original = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
    const target = targetOf(args);
    if (target !== undefined && !LOOPBACK.test(target.host)) {
      refused.push(target);
      throw new Error(`loopback guard: refused a connection to ${target.host}:${String(target.port)}`);
    }
    return (original as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof original;
  return {
    refused,
    restore() {
      net.Socket.prototype.connect = original;
    },
  };
}
