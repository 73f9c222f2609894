import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { PNG_SIGNATURE, makeGif, makePng, makeZip, pngHeaderBomb } from './test-images.js';

/** A route of the image host. */
export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Loopback servers for reference tests: a victim that must never be reached, and an image host. */
export interface TestServers {
  /** Port of the victim, listening on 127.0.0.1 (and on [::1] when the host has IPv6). */
  victimPort: number;
  imageHostPort: number;
  /** `http://127.0.0.1:<imageHostPort>`: the only origin tests allow-list. */
  imageHostOrigin: string;
  /** Connections the victim accepted (a connection is a hit, even without a request). */
  victimHits(): number;
  /** Requests the image host received for a path (query ignored). */
  hits(path: string): number;
  /** Request headers the image host received, in order, for a path. */
  requests(path: string): IncomingMessage['headers'][];
  /** Adds or replaces an image-host route. */
  route(path: string, handler: Handler): void;
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

function redirect(location: string, status = 302): Handler {
  return (_req, res) => {
    res.writeHead(status, { location, 'content-length': '0' });
    res.end();
  };
}

function body(bytes: Buffer | string, headers: Record<string, string> = { 'content-type': 'image/png' }): Handler {
  return (_req, res) => {
    res.writeHead(200, { ...headers, 'content-length': String(Buffer.byteLength(bytes)) });
    res.end(bytes);
  };
}

/** Writes `chunk` until the peer goes away (or `limit` bytes), respecting backpressure. */
function pump(socketLike: { write(b: Buffer): boolean; once(e: 'drain', f: () => void): unknown; destroyed: boolean }, chunk: Buffer, limit = Infinity): void {
  let sent = 0;
  const go = (): void => {
    while (!socketLike.destroyed && sent < limit) {
      sent += chunk.length;
      if (!socketLike.write(chunk)) {
        socketLike.once('drain', go);
        return;
      }
    }
  };
  go();
}

/**
 * Starts the victim and the image host. The image host serves the hostile routes the corpus uses
 * (see `hostile-corpus.ts`) plus `/ok.png`; tests add their own with `route()`.
 */
export async function startTestServers(): Promise<TestServers> {
  let victimConnections = 0;
  const victimHandler = (_req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(200, { 'content-type': 'image/png' });
    res.end('SECRET');
  };
  const victim = createServer(victimHandler);
  victim.on('connection', () => (victimConnections += 1));
  const victimPort = await listen(victim, 0, '127.0.0.1');
  const victim6 = createServer(victimHandler);
  victim6.on('connection', () => (victimConnections += 1));
  const hasV6 = await listen(victim6, victimPort, '::1').then(
    () => true,
    () => false,
  );

  const routes = new Map<string, Handler>();
  const hitCounts = new Map<string, IncomingMessage['headers'][]>();
  const timers = new Set<NodeJS.Timeout>();
  const imageHost = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const list = hitCounts.get(path) ?? [];
    list.push(req.headers);
    hitCounts.set(path, list);
    const handler = routes.get(path) ?? (path.startsWith('/chain/') ? chain : undefined);
    if (handler === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    handler(req, res);
  });
  const imageHostPort = await listen(imageHost, 0, '127.0.0.1');
  const imageHostOrigin = `http://127.0.0.1:${imageHostPort}`;

  const chain: Handler = (req, res) => {
    const n = Number((req.url ?? '').split('/')[2] ?? 0);
    redirect(`/chain/${n + 1}`)(req, res);
  };
  const v = victimPort;
  const okPng = await makePng(16, 16);
  const pngMagic = Buffer.concat([PNG_SIGNATURE, Buffer.alloc(64 * 1024 - PNG_SIGNATURE.length)]);

  const builtins: Record<string, Handler> = {
    '/ok.png': body(okPng),
    '/redirect/victim': redirect(`http://127.0.0.1:${v}/`),
    '/redirect/victim-307': redirect(`http://127.0.0.1:${v}/`, 307),
    '/redirect/victim-localhost': redirect(`http://localhost:${v}/`),
    '/redirect/victim-v6': redirect(`http://[::1]:${v}/`, 301),
    '/redirect/victim-mapped': redirect(`http://[::ffff:127.0.0.1]:${v}/`, 308),
    '/redirect/victim-decimal': redirect(`http://2130706433:${v}/`),
    '/redirect/victim-scheme-relative': redirect(`//127.0.0.1:${v}/`),
    '/redirect/victim-https': redirect(`https://127.0.0.1:${v}/`),
    '/redirect/metadata': redirect('http://169.254.169.254/latest/meta-data/'),
    '/redirect/metadata-name': redirect('http://metadata.google.internal/computeMetadata/v1/'),
    '/redirect/file': redirect('file:///etc/passwd'),
    '/redirect/ftp': redirect(`ftp://127.0.0.1:${v}/x.png`),
    '/redirect/gopher': redirect(`gopher://127.0.0.1:${v}/_GET%20/`),
    '/redirect/data': redirect(`data:image/png;base64,${okPng.toString('base64')}`),
    '/redirect/dns-loopback': redirect(`http://loopback.invalid:${v}/`),
    '/redirect/credentials': redirect(`http://user:pass@127.0.0.1:${imageHostPort}/ok.png`),
    '/redirect/loop': redirect('/redirect/loop'),
    '/redirect/no-location': (_req, res) => {
      res.writeHead(302, { 'content-length': '0' });
      res.end();
    },
    '/endless': (req, res) => {
      res.writeHead(200, { 'content-type': 'image/png' });
      pump(res as unknown as Socket, pngMagic);
    },
    '/slowloris': (_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': '100000' });
      let i = 0;
      const timer = setInterval(() => {
        if (res.destroyed) {
          clearInterval(timer);
          timers.delete(timer);
          return;
        }
        res.write(PNG_SIGNATURE.subarray(i % 8, (i % 8) + 1));
        i += 1;
      }, 1000);
      timers.add(timer);
    },
    '/slow-headers': () => {
      // Never answers: only the headers timeout ends it.
    },
    '/lying-length': (req) => {
      // Written on the raw socket: node's response object would refuse to send more than announced.
      const socket = req.socket;
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: image/png\r\ncontent-length: 10\r\nconnection: close\r\n\r\n');
      pump(socket, Buffer.alloc(64 * 1024, 0x41), 40 * 1024 * 1024);
    },
    '/huge-length': (_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(50 * 1024 ** 3) });
      res.write(PNG_SIGNATURE);
    },
    '/html-as-png': body('<!doctype html><html><head><title>x</title></head><body><h1>Not an image</h1></body></html>'),
    '/svg-as-png': body(
      `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10"><image xlink:href="http://127.0.0.1:${v}/" width="10" height="10"/></svg>`,
    ),
    '/zip-as-png': body(makeZip()),
    '/gif-as-png': body(await makeGif(8, 8)),
    '/gzip-png': body(gzipSync(okPng), { 'content-type': 'image/png', 'content-encoding': 'gzip' }),
    '/truncated-png': body(okPng.subarray(0, 40)),
    '/empty': body(Buffer.alloc(0)),
    '/huge-png': body(pngHeaderBomb(100_000, 100_000)),
    '/not-found': (_req, res) => {
      res.writeHead(404, { 'content-type': 'image/png' });
      res.end('nope');
    },
    '/forbidden': (_req, res) => {
      res.writeHead(403);
      res.end();
    },
    '/server-error': (_req, res) => {
      res.writeHead(500);
      res.end();
    },
    '/reset': (req) => {
      req.socket.resetAndDestroy();
    },
  };
  for (const [path, handler] of Object.entries(builtins)) routes.set(path, handler);

  return {
    victimPort,
    imageHostPort,
    imageHostOrigin,
    victimHits: () => victimConnections,
    hits: (path) => hitCounts.get(path)?.length ?? 0,
    requests: (path) => hitCounts.get(path) ?? [],
    route: (path, handler) => void routes.set(path, handler),
    async close() {
      for (const t of timers) clearInterval(t);
      await Promise.all([closeServer(imageHost), closeServer(victim), hasV6 ? closeServer(victim6) : Promise.resolve()]);
    },
  };
}
