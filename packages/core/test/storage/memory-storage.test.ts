import { memoryStorage } from '../../src/storage/memory-storage.js';
import type { StoredFile } from '../../src/storage/storage.js';
import { bytesOf, collect } from './helpers.js';

const PNG = { contentType: 'image/png' };

async function mustRead(storage: ReturnType<typeof memoryStorage>, key: string): Promise<StoredFile> {
  const file = await storage.read?.(key);
  if (!file) throw new Error(`expected ${key} to be readable`);
  return file;
}

describe('memoryStorage', () => {
  it('stores and reads back byte-identical, with the URL and a sha1 etag', async () => {
    const storage = memoryStorage({ publicBaseUrl: 'http://localhost:3000//' });
    const bytes = bytesOf(200_000);
    const result = await storage.put('task-artifacts/a-1.png', bytes, PNG);
    expect(result).toEqual({ url: 'http://localhost:3000/task-artifacts/a-1.png', bytes: 200_000 });
    const file = await mustRead(storage, 'task-artifacts/a-1.png');
    expect(file.size).toBe(200_000);
    expect(file.contentType).toBe('image/png');
    expect(file.etag).toMatch(/^"[0-9a-f]{40}"$/);
    expect(await collect(file.stream())).toEqual(bytes);
    expect(await collect(file.stream({ start: 100_000, end: 100_009 }))).toEqual(bytes.subarray(100_000, 100_010));
  });

  it('collects an async-iterable body', async () => {
    const storage = memoryStorage({ publicBaseUrl: 'http://x' });
    async function* body(): AsyncGenerator<Uint8Array> {
      yield bytesOf(3, 1);
      yield bytesOf(4, 2);
    }
    expect((await storage.put('k-1.png', body(), PNG)).bytes).toBe(7);
    expect(await collect((await mustRead(storage, 'k-1.png')).stream())).toEqual(Buffer.concat([bytesOf(3, 1), bytesOf(4, 2)]));
  });

  it('is not affected by later mutation of the caller buffer', async () => {
    const storage = memoryStorage({ publicBaseUrl: 'http://x' });
    const bytes = bytesOf(10);
    const copy = Buffer.from(bytes);
    await storage.put('k-1.png', bytes, PNG);
    bytes.fill(0);
    expect(await collect((await mustRead(storage, 'k-1.png')).stream())).toEqual(copy);
  });

  it('stores nothing when the body fails or the signal aborts', async () => {
    const storage = memoryStorage({ publicBaseUrl: 'http://x' });
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield bytesOf(3);
      throw new Error('boom');
    }
    await expect(storage.put('k-1.png', failing(), PNG)).rejects.toThrow('boom');
    const controller = new AbortController();
    async function* aborting(): AsyncGenerator<Uint8Array> {
      yield bytesOf(3);
      controller.abort();
      yield bytesOf(3);
    }
    await expect(storage.put('k-2.png', aborting(), { ...PNG, signal: controller.signal })).rejects.toThrow();
    expect(storage.keys()).toEqual([]);
  });

  it('evicts the oldest artifacts beyond maxBytes', async () => {
    const storage = memoryStorage({ publicBaseUrl: 'http://x', maxBytes: 100 });
    await storage.put('a-1.png', bytesOf(40), PNG);
    await storage.put('b-1.png', bytesOf(40), PNG);
    expect(storage.keys()).toEqual(['a-1.png', 'b-1.png']);
    await storage.put('c-1.png', bytesOf(40), PNG);
    expect(storage.keys()).toEqual(['b-1.png', 'c-1.png']);
    expect(await storage.read?.('a-1.png')).toBeUndefined();
    await storage.put('d-1.png', bytesOf(100), PNG);
    expect(storage.keys()).toEqual(['d-1.png']);
    await expect(storage.put('e-1.png', bytesOf(101), PNG)).rejects.toThrow();
    expect(storage.keys()).toEqual(['d-1.png']);
  });

  it("never evicts the other images of the request it is storing: with no room left without them, the write fails", async () => {
    const storage = memoryStorage({ publicBaseUrl: 'http://x', maxBytes: 250 });
    // One archive (one request) shares an artifactId; the request id may be a caller's, reused.
    const of = (artifactId: string) => ({ ...PNG, metadata: { requestId: 'same-caller-id', artifactId } });
    await storage.put('task-artifacts/old-1.png', bytesOf(100), of('old'));
    await storage.put('task-artifacts/r-1.png', bytesOf(100), of('r'));
    // Room is made from the older request only.
    await storage.put('task-artifacts/r-2.png', bytesOf(100), of('r'));
    expect(storage.keys()).toEqual(['task-artifacts/r-1.png', 'task-artifacts/r-2.png']);
    await expect(storage.put('task-artifacts/r-3.png', bytesOf(100), of('r'))).rejects.toThrow(/no room/);
    expect(storage.keys()).toEqual(['task-artifacts/r-1.png', 'task-artifacts/r-2.png']);
    // Another request may evict them (their URLs were returned long ago).
    await storage.put('task-artifacts/s-1.png', bytesOf(100), of('s'));
    expect(storage.keys()).toEqual(['task-artifacts/r-2.png', 'task-artifacts/s-1.png']);
  });

  it('refuses a maxBytes that can hold nothing, at creation', () => {
    for (const maxBytes of [0, -1, Number.NaN]) expect(() => memoryStorage({ publicBaseUrl: 'http://x', maxBytes })).toThrow(/maxBytes/);
    expect(() => memoryStorage({ publicBaseUrl: 'http://x', maxBytes: Number.POSITIVE_INFINITY })).not.toThrow();
  });

  it('treats a rewrite as the newest entry and accounts its size once', async () => {
    const storage = memoryStorage({ publicBaseUrl: 'http://x', maxBytes: 100 });
    await storage.put('a-1.png', bytesOf(40), PNG);
    await storage.put('b-1.png', bytesOf(40), PNG);
    await storage.put('a-1.png', bytesOf(40), PNG);
    await storage.put('c-1.png', bytesOf(20), PNG);
    expect(storage.keys()).toEqual(['b-1.png', 'a-1.png', 'c-1.png']);
  });

  it('deletes, and refuses unsafe keys', async () => {
    const storage = memoryStorage({ publicBaseUrl: 'http://x' });
    await storage.put('a-1.png', bytesOf(4), PNG);
    await storage.delete?.('a-1.png');
    expect(storage.keys()).toEqual([]);
    await expect(storage.put('../a.png', bytesOf(4), PNG)).rejects.toThrow();
  });
});

describe('memoryStorage abort', () => {
  it('rejects promptly when aborted while the body is stalled', async () => {
    const storage = memoryStorage({ publicBaseUrl: 'http://x' });
    const controller = new AbortController();
    async function* stalling(): AsyncGenerator<Uint8Array> {
      yield bytesOf(3);
      setTimeout(() => controller.abort(new Error('gone')), 10);
      await new Promise(() => undefined);
    }
    await expect(storage.put('k-1.png', stalling(), { ...PNG, signal: controller.signal })).rejects.toThrow('gone');
    expect(storage.keys()).toEqual([]);
  });
});
