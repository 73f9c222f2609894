import pLimit from 'p-limit';
import { download } from './download.js';
import { createPinnedAgent } from './pinned-agent.js';
import { ReferenceCache } from './reference-cache.js';
import { ReferenceFailure, toReferenceError } from './reference-errors.js';
import { SharedDownloads, type DownloadProgress } from './shared-downloads.js';
import type { ReferenceImage } from './reference-image.js';
import type { ReferenceOptions } from './reference-options.js';
import { resolveReferenceOptions, type ResolvedReferenceOptions } from './resolve-options.js';
import { parseReferenceUrl, type CheckedDataUrl, type CheckedHttpUrl } from './url-policy.js';
import { verifyImage, type VerifiedImage } from './verify-image.js';

/** Per-call context of {@link ReferenceFetcher.fetchAll}. */
export interface FetchReferencesContext {
  /** Aborts every download of the call; `fetchAll` then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Downloads and verifies the `image_input` references of requests. */
export interface ReferenceFetcher {
  /**
   * Downloads, checks and verifies every URL, at most `concurrency` at a time, each distinct URL
   * once; a URL another call is downloading at the same moment is not downloaded again, its download
   * is shared. Resolves with one {@link ReferenceImage} per entry, in input order (`index` = position).
   * Rejects with a 400 `RelayError` (`param: image_input[i]`, codes `invalid_image_url`,
   * `image_url_forbidden`, `image_download_failed`, `image_too_large`, `unsupported_image_type`)
   * at the first failure, after aborting the other downloads; or with the signal's reason.
   */
  fetchAll(urls: string[], context?: FetchReferencesContext): Promise<ReferenceImage[]>;
  /**
   * Checks every entry as `fetchAll` would before any network activity (scheme, credentials, `data:`
   * and raw base64, blocked literal addresses and hosts), so a request is refused before routing.
   * Throws the same 400 `RelayError`s.
   */
  check(urls: string[]): void;
  /** Closes the connection pool and drops the cache; downloads in flight are aborted (their calls reject). */
  close(): Promise<void>;
}

type Checked = CheckedHttpUrl | CheckedDataUrl;

/** Bytes the references of one request take so far, against `maxTotalBytes`. */
interface ByteBudget {
  readonly max: number;
  used: number;
}

interface Job {
  checked: Checked;
  /** Where the URL first appears: the index named in errors. */
  index: number;
  /** The URL as kept on each {@link ReferenceImage}. */
  url: string;
}

/** Cache and de-duplication key of a URL: the fragment never reaches the server, so it is dropped. */
function urlKey(url: URL): string {
  return url.hash === '' ? url.href : url.href.slice(0, -url.hash.length);
}

/** Bytes a base64 payload decodes to, computed without decoding it. */
function decodedLength(base64: string): number {
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return Math.floor((base64.length * 3) / 4) - padding;
}

function totalTooLarge(max: number): ReferenceFailure {
  return new ReferenceFailure(
    'image_too_large',
    `makes the reference images of this request larger than ${max} bytes in total: use smaller images.`,
  );
}

/**
 * Creates the fetcher of `image_input` references. It is SSRF-safe by construction: URLs are
 * normalized and checked (`url-policy.ts`), every connection resolves the host once and connects
 * only to checked addresses (`pinned-agent.ts`), redirects are followed by hand and re-checked
 * (`download.ts`), bodies are capped while streaming, and bytes are verified as images by content
 * with their pixel count read from the header only (`verify-image.ts`).
 *
 * Throws a TypeError on invalid options. Call `close()` when done with it.
 */
export function createReferenceFetcher(options: ReferenceOptions = {}): ReferenceFetcher {
  const opts: ResolvedReferenceOptions = resolveReferenceOptions(options);
  const agent = createPinnedAgent({
    lookup: opts.lookup,
    allowHosts: opts.allowHosts,
    connectTimeoutMs: opts.connectTimeoutMs,
    headersTimeoutMs: opts.headersTimeoutMs,
    bodyTimeoutMs: opts.timeoutMs,
  });
  const cache = opts.cache === false ? undefined : new ReferenceCache(opts.cache);
  const shared = new SharedDownloads<VerifiedImage>();

  function charge(budget: ByteBudget, bytes: number): void {
    budget.used += bytes;
    if (budget.used > budget.max) throw totalTooLarge(budget.max);
  }

  async function fetchData(checked: CheckedDataUrl, budget: ByteBudget): Promise<VerifiedImage> {
    const size = decodedLength(checked.base64);
    if (size > opts.maxBytes) {
      throw new ReferenceFailure('image_too_large', `is larger than ${opts.maxBytes} bytes: use a smaller image.`);
    }
    charge(budget, size);
    return verifyImage(Buffer.from(checked.base64, 'base64'), opts.maxPixels);
  }

  /**
   * Downloads (or revalidates) a reference; callers wanting the same URL meanwhile share it. Each
   * caller counts the download against its own request's total as it streams in (the length its
   * server declares, then the bytes received), and leaves it alone when that total is crossed.
   */
  async function fetchHttp(checked: CheckedHttpUrl, budget: ByteBudget, signal: AbortSignal): Promise<VerifiedImage> {
    const key = urlKey(checked.url);
    const cached = cache?.get(key);
    if (cached?.fresh) {
      charge(budget, cached.entry.image.bytes.length);
      return cached.entry.image;
    }
    let counted = 0;
    const countTo = (bytes: number): void => {
      const more = bytes - counted;
      counted = bytes;
      charge(budget, more);
    };
    const progress: DownloadProgress = (received, declared) => {
      const bytes = Math.max(received, declared ?? 0);
      if (bytes > counted) countTo(bytes);
    };
    const image = await shared.run(key, (shareSignal, report) => downloadVerified(checked, key, shareSignal, report), signal, progress);
    // What the request holds in the end is the image (a copy revalidated with a 304 streamed nothing).
    countTo(image.bytes.length);
    return image;
  }

  async function downloadVerified(checked: CheckedHttpUrl, key: string, signal: AbortSignal, progress: DownloadProgress): Promise<VerifiedImage> {
    // Looked up again: the entry may have been stored or refreshed since the caller missed it.
    const cached = cache?.get(key);
    if (cached?.fresh) return cached.entry.image;
    const { entry } = cached ?? {};
    const revalidate = entry !== undefined && (entry.etag !== undefined || entry.lastModified !== undefined);
    const result = await download(checked, {
      dispatcher: agent,
      policy: opts,
      maxRedirects: opts.maxRedirects,
      maxBytes: opts.maxBytes,
      timeoutMs: opts.timeoutMs,
      headersTimeoutMs: opts.headersTimeoutMs,
      progress,
      signal,
      ...(revalidate
        ? {
            validators: {
              url: entry.finalUrl,
              ...(entry.etag !== undefined ? { etag: entry.etag } : {}),
              ...(entry.lastModified !== undefined ? { lastModified: entry.lastModified } : {}),
            },
          }
        : {}),
    });
    if (result.status === 'not-modified') {
      if (entry === undefined) throw new ReferenceFailure('image_download_failed', 'could not be downloaded: the server answered HTTP 304.');
      cache?.refresh(key);
      return entry.image;
    }
    const image = await verifyImage(result.bytes, opts.maxPixels);
    // A copy the server wants asked about every time is only worth keeping with a validator to ask with.
    const validatable = result.etag !== undefined || result.lastModified !== undefined;
    if (cache !== undefined && result.storable && (result.maxAgeMs !== 0 || validatable)) {
      cache.set(key, {
        image,
        finalUrl: result.finalUrl,
        ...(result.etag !== undefined ? { etag: result.etag } : {}),
        ...(result.lastModified !== undefined ? { lastModified: result.lastModified } : {}),
        ...(result.maxAgeMs !== undefined ? { maxAgeMs: result.maxAgeMs } : {}),
      });
    }
    return image;
  }

  function checkEntry(raw: string, index: number): Checked {
    try {
      return parseReferenceUrl(raw, opts);
    } catch (err) {
      throw err instanceof ReferenceFailure ? toReferenceError(err, index) : err;
    }
  }

  async function fetchAll(urls: string[], context: FetchReferencesContext = {}): Promise<ReferenceImage[]> {
    const callerSignal = context.signal;
    callerSignal?.throwIfAborted();
    if (urls.length === 0) return [];

    // Every URL is checked before any network activity, so a bad entry fails alone and fast.
    const jobs = new Map<string, Job>();
    const jobOf: Job[] = [];
    urls.forEach((raw, index) => {
      const checked = checkEntry(raw, index);
      const key = checked.kind === 'http' ? urlKey(checked.url) : `data:${checked.mediaType};base64,${checked.base64}`;
      let job = jobs.get(key);
      if (job === undefined) {
        const url =
          checked.kind === 'http' ? checked.url.href : `data:${checked.mediaType};base64,[${decodedLength(checked.base64)} bytes]`;
        job = { checked, index, url };
        jobs.set(key, job);
      }
      jobOf.push(job);
    });

    // One controller for the call: the first failure (or the caller) stops the other downloads.
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(callerSignal?.reason);
    callerSignal?.addEventListener('abort', onAbort, { once: true });
    const budget: ByteBudget = { max: opts.maxTotalBytes, used: 0 };
    const images = new Map<Job, VerifiedImage>();
    try {
      const limit = pLimit(opts.concurrency);
      const run = async (job: Job): Promise<void> => {
        try {
          controller.signal.throwIfAborted();
          const image =
            job.checked.kind === 'http'
              ? await fetchHttp(job.checked, budget, controller.signal)
              : await fetchData(job.checked, budget);
          images.set(job, image);
        } catch (err) {
          const error = err instanceof ReferenceFailure ? toReferenceError(err, job.index) : err;
          if (!controller.signal.aborted) controller.abort(error);
          throw error;
        }
      };
      await Promise.all([...jobs.values()].map((job) => limit(() => run(job)))).catch((err: unknown) => {
        // The first failure ends the call: downloads not started yet are dropped.
        limit.clearQueue();
        throw err;
      });
    } catch (err) {
      if (callerSignal?.aborted) throw callerSignal.reason;
      // Report the failure that stopped the call, not the aborts it caused.
      throw controller.signal.reason ?? err;
    } finally {
      callerSignal?.removeEventListener('abort', onAbort);
    }
    return jobOf.map((job, index) => {
      const image = images.get(job) as VerifiedImage;
      return { index, url: job.url, bytes: image.bytes, format: image.format, mimeType: image.mimeType, width: image.width, height: image.height };
    });
  }

  return {
    fetchAll,
    check: (urls) => urls.forEach((raw, index) => checkEntry(raw, index)),
    async close() {
      shared.abortAll(new Error('The reference fetcher was closed.'));
      cache?.clear();
      await agent.close();
    },
  };
}
