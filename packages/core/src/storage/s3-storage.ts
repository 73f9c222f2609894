/**
 * `@banana-relay/core/s3`: archive images to AWS S3 or any S3-compatible store (Cloudflare R2, MinIO...).
 * A separate entry point so that apps on other storages never load the AWS SDK, an optional peer dependency.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { DeleteObjectCommand, GetObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { IMMUTABLE_CACHE_CONTROL, objectNamer, objectUrlMode, publicObjectUrl, type ObjectUrlOptions } from './object-url.js';
import type { PutOptions, PutResult, Storage } from './storage.js';
import { uploadBody } from './upload-body.js';

/** Options of {@link s3Storage}. */
export interface S3StorageOptions extends ObjectUrlOptions {
  bucket: string;
  /** The bucket's region, e.g. `eu-west-1` (`auto` for Cloudflare R2). */
  region: string;
  /** API endpoint of an S3-compatible store, e.g. `https://<account>.r2.cloudflarestorage.com`; omitted: AWS. */
  endpoint?: string;
  /** Address buckets as `endpoint/bucket/key` instead of `bucket.endpoint/key` (MinIO and most self-hosted stores). */
  forcePathStyle?: boolean;
  /** Leading folder of every object name, e.g. `relay` stores `relay/task-artifacts/...`. */
  prefix?: string;
  /** Credentials; omitted: the AWS SDK's default chain (environment, shared files, instance or task role). */
  credentials?: S3ClientConfig['credentials'];
  /** Attempts per request, first one included, with the SDK's standard backoff (default 3). */
  maxAttempts?: number;
  /**
   * Bodies larger than this go up as a multipart upload in parts of this size (default and minimum
   * 5 MiB). A buffer is sent from where it lies; a streamed body holds up to 4 parts in memory.
   */
  partSizeBytes?: number;
}

/** Parts uploaded at once in a multipart upload; bounds the memory a streamed body may hold. */
const QUEUE_SIZE = 4;
const MIN_PART_SIZE = 5 * 1024 * 1024;

type RequestHandler = S3Client['config']['requestHandler'];
type HandlerOptions = { abortSignal?: unknown } | undefined;

/**
 * Makes every request sent while `scope` holds a signal abortable by it. lib-storage's `Upload` passes
 * no signal to the requests it sends, so without this an abandoned upload would run on (and could
 * still create the object) after `put` gave up. DELETEs are left alone: they are the cleanup after an
 * abort (AbortMultipartUpload, DeleteObject) and must not be cancelled by it.
 */
function signalScoped(inner: RequestHandler, scope: AsyncLocalStorage<AbortSignal>): RequestHandler {
  const handle = (request: { method?: string }, options?: HandlerOptions): unknown => {
    const signal = scope.getStore();
    const call = inner.handle.bind(inner) as (request: unknown, options?: HandlerOptions) => unknown;
    if (signal === undefined || options?.abortSignal !== undefined || request.method === 'DELETE') return call(request, options);
    return call(request, { ...options, abortSignal: signal });
  };
  return new Proxy(inner, {
    get(target, property) {
      if (property === 'handle') return handle;
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function defaultBaseUrl(options: S3StorageOptions): string {
  const bucket = encodeURIComponent(options.bucket);
  if (options.endpoint === undefined) return `https://${bucket}.s3.${options.region}.amazonaws.com`;
  const endpoint = new URL(options.endpoint);
  const path = endpoint.pathname.replace(/\/+$/, '');
  return options.forcePathStyle
    ? `${endpoint.origin}${path}/${bucket}`
    : `${endpoint.protocol}//${bucket}.${endpoint.host}${path}`;
}

/**
 * A {@link Storage} on AWS S3 or an S3-compatible store. Bodies stream through `@aws-sdk/lib-storage`
 * (one PutObject, or a multipart upload past `partSizeBytes`) with a CRC32 checksum the store verifies,
 * `Cache-Control: public, max-age=31536000, immutable` and the request id and carrier as `x-amz-meta-*`.
 * Failed requests are retried by the SDK (`maxAttempts`); the URL is returned only once the store has
 * acknowledged the whole object. URLs are public (`publicBaseUrl`, default the bucket's own address)
 * or presigned GETs valid `signedUrlTtlSeconds`.
 *
 * ```ts
 * import { s3Storage } from '@banana-relay/core/s3';
 * s3Storage({ bucket: 'relay-images', region: 'eu-west-1', signedUrlTtlSeconds: 3600 });
 * ```
 */
export function s3Storage(options: S3StorageOptions): Storage {
  const backend = 's3Storage';
  if (!options.bucket) throw new TypeError(`${backend}: bucket is required`);
  if (!options.region) throw new TypeError(`${backend}: region is required`);
  const partSize = options.partSizeBytes ?? MIN_PART_SIZE;
  if (!Number.isInteger(partSize) || partSize < MIN_PART_SIZE) throw new RangeError(`${backend}: partSizeBytes must be an integer >= ${MIN_PART_SIZE}`);
  const urlMode = objectUrlMode(backend, options, () => defaultBaseUrl(options));
  const nameOf = objectNamer(backend, options.prefix);

  const client = new S3Client({
    region: options.region,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.forcePathStyle === undefined ? {} : { forcePathStyle: options.forcePathStyle }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    maxAttempts: options.maxAttempts ?? 3,
    retryMode: 'standard',
    requestChecksumCalculation: 'WHEN_SUPPORTED',
    // The relay never reads objects back; this keeps `x-amz-checksum-mode` out of presigned URLs.
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const uploadSignal = new AsyncLocalStorage<AbortSignal>();
  client.config.requestHandler = signalScoped(client.config.requestHandler, uploadSignal);

  const remove = async (name: string): Promise<void> => {
    await client.send(new DeleteObjectCommand({ Bucket: options.bucket, Key: name }));
  };

  const urlOf = async (name: string): Promise<string> =>
    urlMode.kind === 'public'
      ? publicObjectUrl(urlMode.baseUrl, name)
      : getSignedUrl(client, new GetObjectCommand({ Bucket: options.bucket, Key: name }), { expiresIn: urlMode.ttlSeconds });

  async function put(key: string, body: Uint8Array | AsyncIterable<Uint8Array>, putOptions: PutOptions): Promise<PutResult> {
    const name = nameOf(key);
    const signal = putOptions.signal ?? new AbortController().signal;
    signal.throwIfAborted();
    const source = uploadBody(body);
    const abort = new AbortController();
    const upload = new Upload({
      client,
      params: {
        Bucket: options.bucket,
        Key: name,
        Body: source.data,
        ContentType: putOptions.contentType,
        CacheControl: IMMUTABLE_CACHE_CONTROL,
        ChecksumAlgorithm: 'CRC32',
        ...(putOptions.metadata === undefined ? {} : { Metadata: putOptions.metadata }),
      },
      partSize,
      queueSize: QUEUE_SIZE,
      leavePartsOnError: false,
      abortController: abort,
    });
    const onAbort = (): void => abort.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await uploadSignal.run(signal, () => upload.done());
      const url = await urlOf(name);
      signal.throwIfAborted();
      return { url, bytes: source.bytes() };
    } catch (err) {
      // In the background: the caller's answer must not wait on a store that may be what failed. The
      // object may exist if an abort raced the store's acknowledgement, or if signing failed after it.
      void remove(name).catch(() => undefined);
      throw signal.aborted ? signal.reason : err;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  return { put, delete: async (key) => remove(nameOf(key)) };
}
