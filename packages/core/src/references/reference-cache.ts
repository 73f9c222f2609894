import type { VerifiedImage } from './verify-image.js';

/** A verified reference kept between requests, with what is needed to revalidate it. */
export interface CachedReference {
  image: VerifiedImage;
  /** The URL (after redirects) the bytes came from: validators are sent to it only. */
  finalUrl: string;
  etag?: string;
  lastModified?: string;
  /** When it was stored or last revalidated (ms). */
  storedAt: number;
  /** The server's `max-age` (or 0 for `no-cache`): the entry is fresh no longer than that, nor than the ttl. */
  maxAgeMs?: number;
}

/** Limits of a {@link ReferenceCache}. */
export interface ReferenceCacheLimits {
  maxEntries: number;
  maxBytes: number;
  ttlMs: number;
}

/**
 * An in-memory LRU of verified references keyed by URL, bounded by entries and by bytes. An entry
 * is `fresh` for `ttlMs`, or less when its server said so (`max-age`, `no-cache`); after that the caller should revalidate it (or download again) and call
 * {@link ReferenceCache.refresh} or {@link ReferenceCache.set}.
 */
export class ReferenceCache {
  private readonly entries = new Map<string, CachedReference>();
  private totalBytes = 0;

  constructor(
    private readonly limits: ReferenceCacheLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Number of entries. */
  get size(): number {
    return this.entries.size;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.totalBytes;
  }

  /** The entry for a URL (marked most recently used) and whether it is still within its ttl. */
  get(key: string): { entry: CachedReference; fresh: boolean } | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return { entry, fresh: this.now() - entry.storedAt < Math.min(this.limits.ttlMs, entry.maxAgeMs ?? Number.POSITIVE_INFINITY) };
  }

  /** Stores (or replaces) an entry, evicting least recently used ones; too big an entry is not stored. */
  set(key: string, entry: Omit<CachedReference, 'storedAt'>): void {
    this.delete(key);
    const size = entry.image.bytes.length;
    if (size > this.limits.maxBytes) return;
    this.entries.set(key, { ...entry, storedAt: this.now() });
    this.totalBytes += size;
    for (const [oldest, old] of this.entries) {
      if (this.entries.size <= this.limits.maxEntries && this.totalBytes <= this.limits.maxBytes) break;
      this.entries.delete(oldest);
      this.totalBytes -= old.image.bytes.length;
    }
  }

  /** Marks an entry as just revalidated (the server answered 304). */
  refresh(key: string): void {
    const entry = this.entries.get(key);
    if (entry !== undefined) entry.storedAt = this.now();
  }

  /** Removes an entry. */
  delete(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.totalBytes -= entry.image.bytes.length;
  }

  /** Removes everything. */
  clear(): void {
    this.entries.clear();
    this.totalBytes = 0;
  }
}
