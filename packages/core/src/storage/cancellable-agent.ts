import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';

/** An HTTP(S) agent bound to one operation's AbortSignal. */
export interface CancellableAgent {
  agent: http.Agent;
  /** Closes the agent's idle connections once the operation is over. */
  close(): void;
}

function abortError(signal: AbortSignal): Error {
  // A code no SDK retries on: an aborted upload must stop, not back off and resend.
  return Object.assign(new Error('The operation was aborted.', { cause: signal.reason }), { name: 'AbortError', code: 'ABORT_ERR' });
}

/**
 * An agent whose connections die with `signal`: on abort, the sockets in use are destroyed (their
 * requests fail with a non-retryable `ABORT_ERR`) and any new connection is refused. For SDK calls
 * that accept an `agent` but no `AbortSignal`.
 */
export function cancellableAgent(secure: boolean, signal: AbortSignal): CancellableAgent {
  const Base = secure ? https.Agent : http.Agent;
  class Agent extends Base {
    override createConnection(options: object, callback?: (err: Error | null, socket: Duplex) => void): Duplex {
      if (signal.aborted) {
        callback?.(abortError(signal), undefined as unknown as Duplex);
        return undefined as unknown as Duplex;
      }
      return (Base.prototype as unknown as { createConnection: (o: object, cb?: typeof callback) => Duplex }).createConnection.call(this, options, callback);
    }
  }
  const agent = new Agent({ keepAlive: true });
  const destroyAll = (error?: Error): void => {
    for (const pool of [agent.sockets, agent.freeSockets]) {
      for (const sockets of Object.values(pool)) for (const socket of sockets ?? []) socket.destroy(error);
    }
  };
  const onAbort = (): void => destroyAll(abortError(signal));
  signal.addEventListener('abort', onAbort, { once: true });
  return {
    agent,
    close() {
      signal.removeEventListener('abort', onAbort);
      agent.destroy();
    },
  };
}
