import type { ServerResponse } from 'node:http';
import sharp from 'sharp';
import { RelayError } from '../../src/contract/errors.js';
import { createReferenceFetcher, type ReferenceFetcher } from '../../src/references/reference-fetcher.js';
import type { ReferenceOptions } from '../../src/references/reference-options.js';
import { hostileResolver } from './hostile-corpus.js';
import { startTestServers, type Handler, type TestServers } from './hostile-servers.js';
import { makeHeic, makeJpeg, makePng, makeWebp } from './test-images.js';

let servers: TestServers;
const fetchers: ReferenceFetcher[] = [];

beforeAll(async () => {
  servers = await startTestServers();
});

afterAll(async () => {
  await Promise.all(fetchers.map((f) => f.close()));
  await servers.close();
});

function fetcher(options: ReferenceOptions = {}): ReferenceFetcher {
  const f = createReferenceFetcher({
    allowHosts: [new URL(servers.imageHostOrigin).host],
    lookup: hostileResolver,
    timeoutMs: 3000,
    connectTimeoutMs: 1000,
    headersTimeoutMs: 2000,
    ...options,
  });
  fetchers.push(f);
  return f;
}

let routeCounter = 0;
/** Serves `handler` on a fresh path of the image host and returns its URL. */
function serve(handler: Handler): string {
  const path = `/t/${++routeCounter}`;
  servers.route(path, handler);
  return `${servers.imageHostOrigin}${path}`;
}

function bytes(body: Buffer, headers: Record<string, string> = {}, chunked = false): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', ...(chunked ? {} : { 'content-length': String(body.length) }), ...headers });
    if (chunked) {
      // Two writes without a length: the cap must hold while streaming.
      res.write(body.subarray(0, 1000));
      res.end(body.subarray(1000));
    } else res.end(body);
  };
}

function pathOf(url: string): string {
  return new URL(url).pathname;
}

async function rejection(promise: Promise<unknown>): Promise<RelayError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof RelayError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('legal references', () => {
  test('PNG, JPEG and WEBP of various sizes come back verified, in input order', async () => {
    const images = [
      { bytes: await makePng(1, 1), format: 'png', mime: 'image/png', w: 1, h: 1 },
      { bytes: await makePng(640, 360, { alpha: true }), format: 'png', mime: 'image/png', w: 640, h: 360 },
      { bytes: await makeJpeg(1200, 800), format: 'jpeg', mime: 'image/jpeg', w: 1200, h: 800 },
      { bytes: await makeWebp(300, 700), format: 'webp', mime: 'image/webp', w: 300, h: 700 },
      { bytes: await makePng(1100, 1000), format: 'png', mime: 'image/png', w: 1100, h: 1000 },
    ];
    // Declared types lie on purpose: only the bytes count.
    const urls = images.map((img) => serve(bytes(img.bytes, { 'content-type': 'text/plain' })));
    const refs = await fetcher({ maxBytes: 4 * 1024 * 1024 }).fetchAll(urls);
    expect(refs).toHaveLength(images.length);
    refs.forEach((ref, i) => {
      const img = images[i]!;
      expect(ref.index).toBe(i);
      expect(ref.url).toBe(urls[i]);
      expect(ref.format).toBe(img.format);
      expect(ref.mimeType).toBe(img.mime);
      expect([ref.width, ref.height]).toEqual([img.w, img.h]);
      expect(ref.bytes.equals(img.bytes)).toBe(true);
    });
    expect(images[4]!.bytes.length).toBeGreaterThan(3 * 1024 * 1024);
  });

  test("data after the end of an image (a phone's trailer, a motion photo's video) is allowed", async () => {
    const trailer = Buffer.alloc(8192, 0xd9);
    trailer[0] = 0xff;
    const images = [await makeJpeg(320, 240), await makePng(320, 240), await makeWebp(320, 240)].map((b) => Buffer.concat([b, trailer]));
    const refs = await fetcher().fetchAll(images.map((b) => serve(bytes(b))));
    expect(refs.map((r) => [r.format, r.width, r.height])).toEqual([
      ['jpeg', 320, 240],
      ['png', 320, 240],
      ['webp', 320, 240],
    ]);
  });

  test('HEIC goes through when this sharp build can encode it (skipped otherwise)', async () => {
    const heic = await makeHeic(64, 48);
    if (heic === undefined) {
      // Prebuilt sharp ships libheif without an HEVC encoder: nothing to test against.
      return;
    }
    const [ref] = await fetcher().fetchAll([serve(bytes(heic))]);
    expect(ref?.format).toMatch(/^hei[cf]$/);
    expect([ref?.width, ref?.height]).toEqual([64, 48]);
  });

  test('a body of exactly maxBytes passes; maxBytes + 1 fails, with or without Content-Length', async () => {
    const png = await makePng(200, 200);
    const cap = png.length;
    const padded = Buffer.concat([png, Buffer.from([0])]);
    const f = fetcher({ maxBytes: cap });
    const [ref] = await f.fetchAll([serve(bytes(png))]);
    expect(ref?.bytes.length).toBe(cap);
    const [chunked] = await f.fetchAll([serve(bytes(png, {}, true))]);
    expect(chunked?.bytes.length).toBe(cap);
    for (const handler of [bytes(padded), bytes(padded, {}, true)]) {
      const err = await rejection(f.fetchAll([serve(handler)]));
      expect(err.code).toBe('image_too_large');
      expect(err.param).toBe('image_input[0]');
    }
  });

  test('the same URL twice in one request is downloaded once', async () => {
    const png = await makePng(32, 32);
    const a = serve(bytes(png));
    const b = serve(bytes(await makeJpeg(16, 16)));
    const refs = await fetcher().fetchAll([a, b, a, `${a}#fragment`, b]);
    expect(refs.map((r) => r.index)).toEqual([0, 1, 2, 3, 4]);
    expect(refs.map((r) => r.format)).toEqual(['png', 'jpeg', 'png', 'png', 'jpeg']);
    expect(servers.hits(pathOf(a))).toBe(1);
    expect(servers.hits(pathOf(b))).toBe(1);
  });

  test('redirects within allowed hosts are followed up to maxRedirects', async () => {
    const target = serve(bytes(await makePng(8, 8)));
    const hop1 = serve((_req, res) => void res.writeHead(302, { location: target }).end());
    const hop2 = serve((_req, res) => void res.writeHead(301, { location: hop1 }).end());
    const hop = serve((_req, res) => void res.writeHead(307, { location: new URL(hop2).pathname }).end());
    const [ref] = await fetcher({ maxRedirects: 3 }).fetchAll([hop]);
    expect(ref?.url).toBe(hop);
    expect(ref?.format).toBe('png');
    const err = await rejection(fetcher({ maxRedirects: 2 }).fetchAll([hop]));
    expect(err.code).toBe('image_url_forbidden');
    expect(err.message).toMatch(/redirected more than 2 times/);
  });

  test('downloads in flight are bounded by concurrency', async () => {
    let inFlight = 0;
    let peak = 0;
    const png = await makePng(8, 8);
    const slow: Handler = (_req, res: ServerResponse) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      setTimeout(() => {
        inFlight -= 1;
        bytes(png)(_req, res);
      }, 60);
    };
    const urls = Array.from({ length: 8 }, () => serve(slow));
    await fetcher({ concurrency: 2 }).fetchAll(urls);
    expect(peak).toBe(2);
    peak = 0;
    await fetcher({ concurrency: 5 }).fetchAll(urls.map((u) => `${u}?again`));
    expect(peak).toBe(5);
  });

  test('maxTotalBytes bounds the whole request', async () => {
    const png = await makePng(300, 300);
    const urls = [serve(bytes(png)), serve(bytes(png)), serve(bytes(png))];
    const err = await rejection(fetcher({ concurrency: 1, maxTotalBytes: Math.floor(png.length * 2.5) }).fetchAll(urls));
    expect(err.code).toBe('image_too_large');
    expect(err.param).toBe('image_input[2]');
    expect(err.message).toMatch(/in total/);
    // A URL repeated counts once.
    await fetcher({ maxTotalBytes: png.length + 10 }).fetchAll([urls[0]!, urls[0]!]);
  });

  test('data: URLs pass through the same verification when allowDataUrls is on', async () => {
    const png = await makePng(20, 10);
    const f = fetcher({ allowDataUrls: true, maxBytes: png.length });
    const [ref] = await f.fetchAll([`data:image/jpeg;base64,${png.toString('base64')}`]);
    expect(ref?.format).toBe('png');
    expect([ref?.width, ref?.height]).toEqual([20, 10]);
    expect(ref?.url).toMatch(/^data:image\/jpeg;base64,\[\d+ bytes\]$/);
    const big = Buffer.concat([png, Buffer.alloc(10)]);
    expect((await rejection(f.fetchAll([`data:image/png;base64,${big.toString('base64')}`]))).code).toBe('image_too_large');
    const html = Buffer.from('<html></html>').toString('base64');
    expect((await rejection(f.fetchAll([`data:image/png;base64,${html}`]))).code).toBe('unsupported_image_type');
  });
});

/** A JPEG carrying a small whole JPEG (a thumbnail, ending with its own end marker) in an EXIF segment before its own data. */
async function withThumbnail(jpeg: Buffer): Promise<Buffer> {
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), await makeJpeg(8, 8)]);
  const app1 = Buffer.alloc(4);
  app1.writeUInt16BE(0xffe1, 0);
  app1.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), app1, payload, jpeg.subarray(2)]);
}

describe('failures', () => {
  test('an image cut short, its header intact, is refused as corrupt before it reaches a model', async () => {
    const half = (b: Buffer): Buffer => b.subarray(0, Math.floor(b.length / 2));
    const cuts = [
      half(await makePng(320, 240)),
      half(await makeJpeg(320, 240)),
      half(await makeWebp(320, 240)),
      // The last end marker is the thumbnail's: it must not pass for the image's.
      half(await withThumbnail(await makeJpeg(320, 240))),
    ];
    for (const cut of cuts) {
      const err = await rejection(fetcher().fetchAll([serve(bytes(cut))]));
      expect(err).toMatchObject({ status: 400, code: 'unsupported_image_type', param: 'image_input[0]' });
      expect(err.message).toMatch(/corrupt or truncated/);
    }
    // Whole, the same JPEG with its thumbnail is fine.
    const [whole] = await fetcher().fetchAll([serve(bytes(await withThumbnail(await makeJpeg(320, 240))))]);
    expect([whole?.format, whole?.width]).toEqual(['jpeg', 320]);
  });

  test('the first failure names its index and stops the other downloads', async () => {
    const ok = serve(bytes(await makePng(8, 8)));
    const started = Date.now();
    const err = await rejection(
      fetcher({ timeoutMs: 10_000 }).fetchAll([ok, `${servers.imageHostOrigin}/slowloris`, `${servers.imageHostOrigin}/not-found`]),
    );
    expect(err.code).toBe('image_download_failed');
    expect(err.param).toBe('image_input[2]');
    expect(err.message).toMatch(/HTTP 404/);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  test('invalid URLs fail before any download', async () => {
    const ok = serve(bytes(await makePng(8, 8)));
    const err = await rejection(fetcher().fetchAll([ok, ok, 'ftp://example.com/a.png']));
    expect(err.code).toBe('invalid_image_url');
    expect(err.param).toBe('image_input[2]');
    expect(servers.hits(pathOf(ok))).toBe(0);
  });

  test('timeouts: whole download and headers', async () => {
    const f = fetcher({ timeoutMs: 400, headersTimeoutMs: 300 });
    let started = Date.now();
    const slowBody = await rejection(f.fetchAll([`${servers.imageHostOrigin}/slowloris`]));
    expect(slowBody.code).toBe('image_download_failed');
    expect(slowBody.message).toMatch(/in time/);
    expect(Date.now() - started).toBeLessThan(1500);
    started = Date.now();
    const slowHeaders = await rejection(f.fetchAll([`${servers.imageHostOrigin}/slow-headers`]));
    expect(slowHeaders.code).toBe('image_download_failed');
    expect(Date.now() - started).toBeLessThan(1500);
  });

  test("the caller's signal aborts everything and rejects with its reason", async () => {
    const controller = new AbortController();
    const reason = new Error('client went away');
    // Two downloads that never finish on their own (a trickling body, headers that never come): only
    // the abort can end them. (An endless fast body would hit the byte cap first on a fast machine.)
    const pending = fetcher({ timeoutMs: 10_000, headersTimeoutMs: 10_000 }).fetchAll([`${servers.imageHostOrigin}/slowloris`, `${servers.imageHostOrigin}/slow-headers`], {
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(reason), 100);
    await expect(pending).rejects.toBe(reason);
    const aborted = AbortSignal.abort(reason);
    await expect(fetcher().fetchAll([`${servers.imageHostOrigin}/ok.png`], { signal: aborted })).rejects.toBe(reason);
  });

  test('status errors say which status', async () => {
    const err = await rejection(fetcher().fetchAll([`${servers.imageHostOrigin}/forbidden`]));
    expect(err.message).toBe(
      'image_input[0] could not be downloaded: the server answered HTTP 403; the image must be publicly readable without credentials.',
    );
  });
});

describe('address pinning and allowHosts', () => {
  test('control: with the victim allow-listed, the victim IS reached (so the corpus would notice)', async () => {
    const before = servers.victimHits();
    const err = await rejection(
      fetcher({ allowHosts: [`127.0.0.1:${servers.victimPort}`] }).fetchAll([`http://127.0.0.1:${servers.victimPort}/`]),
    );
    expect(err.code).toBe('unsupported_image_type');
    expect(servers.victimHits()).toBeGreaterThan(before);
  });

  test('a name is resolved by the configured lookup once and connected to by its checked address', async () => {
    const lookups: string[] = [];
    const png = await makePng(8, 8);
    const url = serve(bytes(png));
    const f = fetcher({
      allowHosts: [`pinned.invalid:${servers.imageHostPort}`],
      lookup: async (host) => {
        lookups.push(host);
        return [{ address: '127.0.0.1', family: 4 }];
      },
    });
    // `.invalid` cannot resolve anywhere else: success proves the socket went to the looked-up address.
    const pinned = url.replace('127.0.0.1', 'pinned.invalid');
    const [ref] = await f.fetchAll([pinned]);
    expect(ref?.format).toBe('png');
    expect(lookups).toEqual(['pinned.invalid']);
    expect(servers.requests(pathOf(url))[0]?.host).toBe(`pinned.invalid:${servers.imageHostPort}`);
  });

  test('the same IP on the allowed port through a non-listed name is refused', async () => {
    const f = fetcher({
      lookup: async () => [{ address: '127.0.0.1', family: 4 }],
    });
    const err = await rejection(f.fetchAll([`http://other.invalid:${servers.imageHostPort}/ok.png`]));
    expect(err.code).toBe('image_url_forbidden');
    expect(err.message).not.toContain('127.0.0.1');
    expect(err.message).toContain('"other.invalid"');
  });
});

describe('cache', () => {
  test('off by default: every request downloads', async () => {
    const url = serve(bytes(await makePng(8, 8)));
    const f = fetcher();
    await f.fetchAll([url]);
    await f.fetchAll([url]);
    expect(servers.hits(pathOf(url))).toBe(2);
  });

  test('a fresh entry skips the download', async () => {
    const url = serve(bytes(await makePng(8, 8)));
    const f = fetcher({ cache: { ttlMs: 60_000 } });
    const [first] = await f.fetchAll([url]);
    const [second] = await f.fetchAll([url], {});
    expect(servers.hits(pathOf(url))).toBe(1);
    expect(second?.bytes.equals(first!.bytes)).toBe(true);
  });

  test('a stale entry is revalidated with If-None-Match / If-Modified-Since', async () => {
    const v1 = await makePng(8, 8);
    const v2 = await makePng(9, 9);
    let current = { body: v1, etag: '"v1"' };
    const lastModified = 'Wed, 21 Oct 2015 07:28:00 GMT';
    const url = serve((req, res) => {
      if (req.headers['if-none-match'] === current.etag) {
        res.writeHead(304, { etag: current.etag });
        res.end();
        return;
      }
      bytes(current.body, { etag: current.etag, 'last-modified': lastModified })(req, res);
    });
    const f = fetcher({ cache: { ttlMs: 0 } });
    await f.fetchAll([url]);
    const [again] = await f.fetchAll([url]);
    expect(again?.width).toBe(8);
    const sent = servers.requests(pathOf(url));
    expect(sent).toHaveLength(2);
    expect(sent[1]?.['if-none-match']).toBe('"v1"');
    expect(sent[1]?.['if-modified-since']).toBe(lastModified);
    current = { body: v2, etag: '"v2"' };
    const [changed] = await f.fetchAll([url]);
    expect(changed?.width).toBe(9);
  });

  test('Cache-Control: no-cache and max-age are honoured: the copy is checked with the server before it is used again', async () => {
    const v1 = await makePng(8, 8);
    const v2 = await makePng(9, 9);
    for (const cacheControl of ['no-cache', 'max-age=0, must-revalidate']) {
      let current = { body: v1, etag: '"v1"' };
      const url = serve((req, res) => {
        if (req.headers['if-none-match'] === current.etag) {
          res.writeHead(304, { etag: current.etag, 'cache-control': cacheControl });
          res.end();
          return;
        }
        bytes(current.body, { etag: current.etag, 'cache-control': cacheControl })(req, res);
      });
      // A ttl of an hour: only the server's word makes the relay ask again.
      const f = fetcher({ cache: { ttlMs: 3_600_000 } });
      await f.fetchAll([url]);
      expect((await f.fetchAll([url]))[0]?.width).toBe(8);
      expect(servers.requests(pathOf(url))[1]?.['if-none-match']).toBe('"v1"');
      current = { body: v2, etag: '"v2"' };
      expect((await f.fetchAll([url]))[0]?.width).toBe(9);
    }
  });

  test('Cache-Control: no-store is honoured', async () => {
    const url = serve(bytes(await makePng(8, 8), { 'cache-control': 'no-store' }));
    const f = fetcher({ cache: {} });
    await f.fetchAll([url]);
    await f.fetchAll([url]);
    expect(servers.hits(pathOf(url))).toBe(2);
  });
});

describe('downloads shared by concurrent requests', () => {
  /** A route that answers only when `release()` is called; `closed` says when a waiting client hung up. */
  function gated(body: Buffer): { url: string; release(): void; closed: Promise<void> } {
    const waiting: Array<() => void> = [];
    let released = false;
    let onClosed: () => void = () => undefined;
    const closed = new Promise<void>((resolve) => (onClosed = resolve));
    const url = serve((req, res) => {
      const answer = (): void => bytes(body)(req, res);
      res.on('close', () => {
        if (!res.writableFinished) onClosed();
      });
      if (released) answer();
      else waiting.push(answer);
    });
    return {
      url,
      closed,
      release: () => {
        released = true;
        waiting.splice(0).forEach((answer) => answer());
      },
    };
  }

  /** Resolves once the image host has received `count` requests for `url`. */
  async function requested(url: string, count: number): Promise<void> {
    while (servers.hits(pathOf(url)) < count) await new Promise((r) => setTimeout(r, 5));
  }

  test('requests wanting the same URL at the same time download it once, with or without the cache', async () => {
    const png = await makePng(40, 30);
    for (const cache of [false, {}] as const) {
      const gate = gated(png);
      const f = fetcher({ cache });
      const calls = [f.fetchAll([gate.url]), f.fetchAll([gate.url]), f.fetchAll([`${gate.url}#same-resource`])];
      await requested(gate.url, 1);
      gate.release();
      const results = await Promise.all(calls);
      expect(servers.hits(pathOf(gate.url))).toBe(1);
      for (const [ref] of results) expect(ref?.bytes.equals(png)).toBe(true);
    }
  });

  test('a request that gives up does not fail the others waiting for the same download', async () => {
    const gate = gated(await makePng(8, 8));
    const f = fetcher();
    const leaving = new AbortController();
    const reason = new Error('client went away');
    const first = f.fetchAll([gate.url], { signal: leaving.signal });
    const second = f.fetchAll([gate.url]);
    await requested(gate.url, 1);
    leaving.abort(reason);
    await expect(first).rejects.toBe(reason);
    gate.release();
    expect((await second)[0]?.width).toBe(8);
    expect(servers.hits(pathOf(gate.url))).toBe(1);
  });

  test('when every request waiting for a download has left, it is stopped; a later request starts afresh', async () => {
    const gate = gated(await makePng(8, 8));
    const f = fetcher();
    const a = new AbortController();
    const b = new AbortController();
    const calls = [f.fetchAll([gate.url], { signal: a.signal }), f.fetchAll([gate.url], { signal: b.signal })];
    await requested(gate.url, 1);
    a.abort(new Error('a left'));
    b.abort(new Error('b left'));
    await Promise.allSettled(calls);
    // The relay hung up on the image host: nobody was left to use the bytes.
    await gate.closed;
    const later = f.fetchAll([gate.url]);
    await requested(gate.url, 2);
    gate.release();
    expect((await later)[0]?.width).toBe(8);
  });

  test('the total of a request is enforced while its references stream in (declared lengths count at once)', async () => {
    const png = await sharp({ create: { width: 600, height: 600, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 60 } } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    let sent = 0;
    /** 64 KiB every 5 ms, with or without a Content-Length, counting what got out before the relay hung up. */
    const slow =
      (declare: boolean): Handler =>
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'image/png', ...(declare ? { 'content-length': String(png.length) } : {}) });
        let at = 0;
        const timer = setInterval(() => {
          if (res.destroyed || at >= png.length) {
            clearInterval(timer);
            if (at >= png.length) res.end();
            return;
          }
          const chunk = png.subarray(at, at + 65536);
          at += chunk.length;
          sent += chunk.length;
          res.write(chunk);
        }, 5);
        res.on('close', () => clearInterval(timer));
      };
    const max = Math.floor(png.length * 2.5);
    for (const declare of [true, false]) {
      sent = 0;
      const urls = [serve(slow(declare)), serve(slow(declare)), serve(slow(declare)), serve(slow(declare))];
      const err = await rejection(fetcher({ maxTotalBytes: max, concurrency: 4 }).fetchAll(urls));
      expect([err.code, err.message]).toEqual(['image_too_large', expect.stringMatching(/in total/)]);
      // About the total (a few chunks over, while the hang-ups travel), never the four whole bodies.
      expect(sent).toBeLessThanOrEqual(max + 8 * 65536);
    }
  });

  test("a shared download's failure reaches each request under its own index; totals stay per request", async () => {
    const missing = serve((_req, res) => {
      setTimeout(() => {
        res.writeHead(404);
        res.end();
      }, 50);
    });
    const f = fetcher();
    const other = serve(bytes(await makePng(8, 8)));
    const errors = await Promise.all([rejection(f.fetchAll([missing])), rejection(f.fetchAll([other, missing]))]);
    expect(errors.map((e) => [e.code, e.param])).toEqual([
      ['image_download_failed', 'image_input[0]'],
      ['image_download_failed', 'image_input[1]'],
    ]);
    expect(servers.hits(pathOf(missing))).toBe(1);

    // One request's references together exceed the total; another that shares one of them is unaffected.
    const png = await makePng(300, 300);
    const g = fetcher({ maxTotalBytes: Math.floor(png.length * 1.5) });
    const shared = gated(png);
    const alone = g.fetchAll([shared.url]);
    // Refused as soon as the shared download's declared length would take it over its total.
    const tooMuch = rejection(g.fetchAll([serve(bytes(png)), shared.url]));
    await requested(shared.url, 1);
    shared.release();
    expect((await alone)[0]?.bytes.equals(png)).toBe(true);
    const err = await tooMuch;
    expect([err.code, err.message]).toEqual(['image_too_large', expect.stringMatching(/in total/)]);
    expect(servers.hits(pathOf(shared.url))).toBe(1);
  });
});
