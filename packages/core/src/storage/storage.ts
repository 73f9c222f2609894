/** What a storage backend is told about an artifact it stores. */
export interface PutOptions {
  /** The Content-Type of the bytes (always matching their real format). */
  contentType: string;
  /** Small metadata record (request id, carrier id, the artifact id its request's images share) that backends may attach. */
  metadata?: Record<string, string>;
  /** Aborts the write; a storage must then leave nothing at the key. */
  signal?: AbortSignal;
}

/** The result of a successful {@link Storage.put}. */
export interface PutResult {
  /** The absolute URL the caller receives in `data[].url`. */
  url: string;
  /** Bytes stored. */
  bytes: number;
}

/** An artifact a storage can serve back, for storages that the relay serves itself (local disk, memory). */
export interface StoredFile {
  size: number;
  contentType: string;
  /** A strong validator for the bytes. */
  etag: string;
  lastModified: Date;
  /** The bytes, or the inclusive byte range `[start, end]` of them. */
  stream(range?: { start: number; end: number }): AsyncIterable<Uint8Array>;
}

/**
 * Where generated images are archived. Implement it to use any store; the built-ins
 * (`localDiskStorage`, `memoryStorage`) use nothing but this interface.
 */
export interface Storage {
  /**
   * Stores `body` at `key` and resolves once it is durably readable at the returned URL.
   * On failure or abort, nothing may be left readable at `key`.
   */
  put(key: string, body: Uint8Array | AsyncIterable<Uint8Array>, options: PutOptions): Promise<PutResult>;
  /** Removes an artifact (used to roll back a request that failed after some images were stored). */
  delete?(key: string): Promise<void>;
  /**
   * Reads an artifact for the relay to serve over HTTP. Storages whose URLs point elsewhere
   * (object stores, CDNs) leave it out. Resolves undefined for a key that does not exist or is not safe.
   */
  read?(key: string): Promise<StoredFile | undefined>;
}
