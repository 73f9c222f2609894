import { ReferenceCache } from '../../src/references/reference-cache.js';
import type { VerifiedImage } from '../../src/references/verify-image.js';

function image(size: number): VerifiedImage {
  return { bytes: Buffer.alloc(size), format: 'png', mimeType: 'image/png', width: 1, height: 1 };
}

describe('ReferenceCache', () => {
  test('is an LRU bounded by entries', () => {
    const cache = new ReferenceCache({ maxEntries: 2, maxBytes: 1000, ttlMs: 1000 });
    cache.set('a', { image: image(1), finalUrl: 'a' });
    cache.set('b', { image: image(1), finalUrl: 'b' });
    cache.get('a');
    cache.set('c', { image: image(1), finalUrl: 'c' });
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('c')).toBeDefined();
    expect(cache.size).toBe(2);
  });

  test('is bounded by bytes and never stores an entry larger than the bound', () => {
    const cache = new ReferenceCache({ maxEntries: 10, maxBytes: 100, ttlMs: 1000 });
    cache.set('a', { image: image(60), finalUrl: 'a' });
    cache.set('b', { image: image(30), finalUrl: 'b' });
    cache.set('c', { image: image(30), finalUrl: 'c' });
    expect(cache.get('a')).toBeUndefined();
    expect(cache.bytes).toBe(60);
    cache.set('huge', { image: image(101), finalUrl: 'huge' });
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.bytes).toBe(60);
    cache.set('b', { image: image(10), finalUrl: 'b' });
    expect(cache.bytes).toBe(40);
  });

  test('freshness follows ttl; refresh restarts it', () => {
    let now = 0;
    const cache = new ReferenceCache({ maxEntries: 10, maxBytes: 100, ttlMs: 50 }, () => now);
    cache.set('a', { image: image(1), finalUrl: 'a', etag: '"x"' });
    expect(cache.get('a')?.fresh).toBe(true);
    now = 50;
    expect(cache.get('a')?.fresh).toBe(false);
    cache.refresh('a');
    expect(cache.get('a')?.fresh).toBe(true);
    expect(cache.get('a')?.entry.etag).toBe('"x"');
  });
});
