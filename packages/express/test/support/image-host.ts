import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

/** A loopback server of reference images for tests; counts hits per path. */
export interface ImageHost {
  origin: string;
  /** `host:port` for `references.allowHosts`. */
  hostPort: string;
  url(path: string): string;
  hits: Map<string, number>;
  /** Adds or replaces a file; `delayMs` holds its answer back that long (a slow image host). */
  set(path: string, bytes: Buffer, contentType: string, options?: { delayMs?: number }): void;
  close(): Promise<void>;
}

/** Renders a test image with some structure (not a flat colour). */
export async function testImage(format: 'png' | 'jpeg' | 'webp', width = 640, height = 480, hue = 30): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="100%" height="100%" fill="hsl(${hue},60%,50%)"/><circle cx="${width / 3}" cy="${height / 2}" r="${height / 4}" fill="#fff"/></svg>`;
  return sharp(Buffer.from(svg)).toFormat(format).toBuffer();
}

/** Starts an image host with `/ref.png`, `/ref.jpg`, `/ref.webp`, `/ref-1.png`, `/ref-2.png`. */
export async function startImageHost(): Promise<ImageHost> {
  const files = new Map<string, { bytes: Buffer; type: string; delayMs: number }>();
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const file = files.get(path);
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    const answer = (): void => void res.writeHead(200, { 'content-type': file.type, 'content-length': file.bytes.length }).end(file.bytes);
    if (file.delayMs > 0) setTimeout(answer, file.delayMs);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const host: ImageHost = {
    origin: `http://127.0.0.1:${port}`,
    hostPort: `127.0.0.1:${port}`,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    hits,
    set: (path, bytes, type, options = {}) => void files.set(path, { bytes, type, delayMs: options.delayMs ?? 0 }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  host.set('/ref.png', await testImage('png', 800, 600, 10), 'image/png');
  host.set('/ref.jpg', await testImage('jpeg', 800, 600, 90), 'image/jpeg');
  host.set('/ref.webp', await testImage('webp', 1200, 514, 200), 'image/webp');
  host.set('/ref-1.png', await testImage('png', 512, 512, 120), 'image/png');
  host.set('/ref-2.png', await testImage('png', 512, 768, 300), 'image/png');
  return host;
}
