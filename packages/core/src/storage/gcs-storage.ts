/**
 * `@banana-relay/core/gcs`: archive images to Google Cloud Storage.
 * A separate entry point so that apps on other storages never load `@google-cloud/storage`, an
 * optional peer dependency.
 */
import { pipeline } from 'node:stream/promises';
import { IdempotencyStrategy, Storage as GcsClient, type File, type StorageOptions } from '@google-cloud/storage';
import { cancellableAgent } from './cancellable-agent.js';
import { IMMUTABLE_CACHE_CONTROL, objectNamer, objectUrlMode, publicObjectUrl, type ObjectUrlOptions } from './object-url.js';
import type { PutOptions, PutResult, Storage } from './storage.js';
import { uploadBody } from './upload-body.js';

/** Options of {@link gcsStorage}. */
export interface GcsStorageOptions extends ObjectUrlOptions {
  bucket: string;
  /** Leading folder of every object name, e.g. `relay` stores `relay/task-artifacts/...`. */
  prefix?: string;
  /** Service-account key as an object. Without it or `keyFile`: Application Default Credentials. */
  credentials?: StorageOptions['credentials'];
  /** Path of a service-account key file. */
  keyFile?: string;
  /** Project id; default: the one of the credentials. */
  projectId?: string;
  /**
   * Another Cloud Storage endpoint than `https://storage.googleapis.com`, e.g. an emulator. The
   * client sends no credentials to an endpoint outside `googleapis.com`.
   */
  apiEndpoint?: string;
  /** Checksum computed while streaming and compared with the stored object's (default `crc32c`). */
  validation?: 'crc32c' | 'md5';
  /** Retries of a failed request, with the client's exponential backoff (default 3). */
  maxRetries?: number;
  /** Bytes per upload request, a multiple of 256 KiB; each one is retried on its own (default 8 MiB). */
  chunkSizeBytes?: number;
}

const DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024;
const CHUNK_GRANULARITY = 256 * 1024;
const PUBLIC_HOST = 'https://storage.googleapis.com';

function clientOptions(options: GcsStorageOptions): StorageOptions {
  const credentials = options.credentials as { project_id?: unknown } | undefined;
  const projectId = options.projectId ?? (typeof credentials?.project_id === 'string' ? credentials.project_id : undefined);
  return {
    ...(options.apiEndpoint === undefined ? {} : { apiEndpoint: options.apiEndpoint }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    ...(options.keyFile === undefined ? {} : { keyFilename: options.keyFile }),
    ...(projectId === undefined ? {} : { projectId }),
    retryOptions: {
      autoRetry: true,
      maxRetries: options.maxRetries ?? 3,
      retryDelayMultiplier: 2,
      maxRetryDelay: 16,
      totalTimeout: 120,
      // Keys are unique and written once (and uploads carry ifGenerationMatch=0), so every call is
      // safe to repeat, deletes included; the default retries those only with a precondition.
      idempotencyStrategy: IdempotencyStrategy.RetryAlways,
    },
  };
}

/**
 * A {@link Storage} on Google Cloud Storage. Bodies stream through a resumable upload (no second copy
 * in memory; each `chunkSizeBytes` request is retried and resumed on its own) that may only create the
 * object (`ifGenerationMatch: 0`), with `Cache-Control: public, max-age=31536000, immutable` and the
 * request id and carrier as custom metadata. The CRC32C (or MD5) computed while streaming must equal
 * the one Cloud Storage computed for the stored object, else the object is deleted and the put fails.
 * The URL is returned only after Cloud Storage answered with the finished object. URLs are public
 * (`publicBaseUrl`, default `https://storage.googleapis.com/{bucket}`) or V4 signed GETs valid
 * `signedUrlTtlSeconds` (signing needs a service-account key, or `iam.serviceAccounts.signBlob` with ADC).
 *
 * ```ts
 * import { gcsStorage } from '@banana-relay/core/gcs';
 * gcsStorage({ bucket: 'relay-images', signedUrlTtlSeconds: 24 * 3600 });
 * ```
 */
export function gcsStorage(options: GcsStorageOptions): Storage {
  const backend = 'gcsStorage';
  if (!options.bucket) throw new TypeError(`${backend}: bucket is required`);
  const chunkSize = options.chunkSizeBytes ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isInteger(chunkSize) || chunkSize < CHUNK_GRANULARITY || chunkSize % CHUNK_GRANULARITY !== 0) {
    throw new RangeError(`${backend}: chunkSizeBytes must be a positive multiple of ${CHUNK_GRANULARITY}`);
  }
  const validation = options.validation ?? 'crc32c';
  if (validation !== 'crc32c' && validation !== 'md5') throw new TypeError(`${backend}: validation must be 'crc32c' or 'md5'`);
  const urlMode = objectUrlMode(backend, options, () => `${options.apiEndpoint?.replace(/\/+$/, '') ?? PUBLIC_HOST}/${encodeURIComponent(options.bucket)}`);
  const nameOf = objectNamer(backend, options.prefix);
  const bucket = new GcsClient(clientOptions(options)).bucket(options.bucket);
  const endpoint = options.apiEndpoint ?? PUBLIC_HOST;
  const secure = !/^http:\/\//i.test(endpoint);

  const remove = async (name: string): Promise<void> => {
    await bucket.file(name).delete({ ignoreNotFound: true });
  };

  const urlOf = async (file: File): Promise<string> => {
    if (urlMode.kind === 'public') return publicObjectUrl(urlMode.baseUrl, file.name);
    const [url] = await file.getSignedUrl({ version: 'v4', action: 'read', expires: Date.now() + urlMode.ttlSeconds * 1000 });
    return url;
  };

  async function put(key: string, body: Uint8Array | AsyncIterable<Uint8Array>, putOptions: PutOptions): Promise<PutResult> {
    const file = bucket.file(nameOf(key));
    const signal = putOptions.signal ?? new AbortController().signal;
    signal.throwIfAborted();
    const source = uploadBody(body, { stream: true });
    // The client's uploads take no AbortSignal; their connections go through an agent that dies with it.
    const connections = cancellableAgent(secure, signal);
    type Decorated = ReturnType<File['interceptors'][number]['request']>;
    file.interceptors.push({ request: (requestOptions) => ({ ...requestOptions, agent: connections.agent }) as unknown as Decorated });
    const destination = file.createWriteStream({
      resumable: true,
      chunkSize,
      validation,
      preconditionOpts: { ifGenerationMatch: 0 },
      metadata: {
        contentType: putOptions.contentType,
        cacheControl: IMMUTABLE_CACHE_CONTROL,
        ...(putOptions.metadata === undefined ? {} : { metadata: putOptions.metadata }),
      },
    });
    try {
      // Resolves once the client has the finished object's metadata and checked its checksum. An
      // abort destroys the stream, and the agent the request in flight.
      await pipeline(source.data, destination, { signal });
      const url = await urlOf(file);
      signal.throwIfAborted();
      return { url, bytes: source.bytes() };
    } catch (err) {
      // In the background: the caller's answer must not wait on a store that may be what failed. The
      // object may exist if an abort raced the store's answer, or if signing failed after it.
      void remove(file.name).catch(() => undefined);
      throw signal.aborted ? signal.reason : err;
    } finally {
      connections.close();
    }
  }

  return { put, delete: async (key) => remove(nameOf(key)) };
}
