import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy does to a request a scripted fault matches. */
export type ProxyFault =
  /** Answered by the proxy itself (the store never sees the request), after the request body is read. */
  | { type: 'status'; status: number; body: string; contentType: string }
  /** Forwarded at once, but the store's answer is held back `ms` (dropped if the client leaves first). */
  | { type: 'delay'; ms: number }
  /** Forwarded with the last byte of the request body flipped. */
  | { type: 'corrupt' };

/** A request as the proxy saw it. */
export interface ProxiedRequest {
  method: string;
  /** Path and query. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** Request body bytes the proxy received. */
  bodyBytes: number;
  /** The fault applied, if any. */
  fault?: ProxyFault['type'];
  /** Status sent to the client (0: none, e.g. the client left first). */
  status: number;
  /** The client closed the connection before the answer was complete. */
  clientLeft: boolean;
}

/** Which requests a fault applies to. */
export type RequestMatch = (request: { method: string; url: URL; headers: Record<string, string | string[] | undefined> }) => boolean;

/** A loopback HTTP proxy in front of a store, injecting scripted faults. */
export interface FaultProxy {
  /** `http://127.0.0.1:PORT`, to use as the store's endpoint. */
  url: string;
  requests: ProxiedRequest[];
  /** Queues a fault for the next `times` (default 1; `Infinity` for always) requests that `match` (default all). */
  script(fault: ProxyFault, options?: { times?: number; match?: RequestMatch }): void;
  close(): Promise<void>;
}

interface Queued {
  fault: ProxyFault;
  remaining: number;
  match: RequestMatch;
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Starts a fault-injecting proxy to `target` (an `http://127.0.0.1:PORT` origin). The Host header is passed through. */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const requests: ProxiedRequest[] = [];
  const queue: Queued[] = [];

  const take = (req: IncomingMessage): ProxyFault | undefined => {
    const url = new URL(req.url ?? '/', 'http://proxy.invalid');
    const index = queue.findIndex((q) => q.match({ method: req.method ?? 'GET', url, headers: req.headers }));
    if (index < 0) return undefined;
    const entry = queue[index]!;
    entry.remaining -= 1;
    if (entry.remaining <= 0) queue.splice(index, 1);
    return entry.fault;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const fault = take(req);
    const record: ProxiedRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: { ...req.headers },
      bodyBytes: 0,
      status: 0,
      clientLeft: false,
      ...(fault ? { fault: fault.type } : {}),
    };
    requests.push(record);
    res.on('close', () => {
      if (!res.writableFinished) record.clientLeft = true;
    });
    const body = await readAll(req);
    record.bodyBytes = body.length;
    if (fault?.type === 'status') {
      record.status = fault.status;
      res.writeHead(fault.status, { 'content-type': fault.contentType, 'content-length': Buffer.byteLength(fault.body) });
      res.end(fault.body);
      return;
    }
    if (fault?.type === 'corrupt' && body.length > 0) body[body.length - 1] = body[body.length - 1]! ^ 0xff;
    const headers = { ...req.headers };
    delete headers['transfer-encoding'];
    headers['content-length'] = String(body.length);
    const forward = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers });
    forward.on('error', () => res.destroy());
    forward.on('response', (answer) => {
      const release = (): void => {
        if (res.destroyed) {
          answer.destroy();
          return;
        }
        record.status = answer.statusCode ?? 0;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      };
      if (fault?.type !== 'delay') return release();
      const timer = setTimeout(release, fault.ms);
      res.once('close', () => {
        clearTimeout(timer);
        answer.destroy();
      });
    });
    forward.end(body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    script(fault, options = {}) {
      queue.push({ fault, remaining: options.times ?? 1, match: options.match ?? (() => true) });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
