import sharp from 'sharp';
import { RelayError } from '../../src/contract/errors.js';
import { fitInline } from '../../src/references/fit-inline.js';
import type { ImageFormat } from '../../src/images/image-format.js';
import type { ReferenceImage } from '../../src/references/reference-image.js';
import { makePng } from './test-images.js';

const MB = 1_000_000;

function ref(bytes: Buffer, width: number, height: number, format: ImageFormat = 'png'): ReferenceImage {
  return { index: 3, url: 'https://img.example/x', bytes, format, mimeType: `image/${format}`, width, height };
}

describe('fitInline', () => {
  test('returns the same reference when it already fits', async () => {
    const r = ref(await makePng(10, 10), 10, 10);
    expect(await fitInline(r, r.bytes.length)).toBe(r);
  });

  test('brings a ~12 MB photo under 7 MB as JPEG, keeping its aspect ratio', async () => {
    const png = await makePng(2400, 1600, { compressionLevel: 0 });
    expect(png.length).toBeGreaterThan(11 * MB);
    const out = await fitInline(ref(png, 2400, 1600), 7 * MB);
    expect(out.bytes.length).toBeLessThanOrEqual(7 * MB);
    expect(out.format).toBe('jpeg');
    expect(out.mimeType).toBe('image/jpeg');
    expect(out.index).toBe(3);
    const meta = await sharp(out.bytes).metadata();
    expect([meta.width, meta.height]).toEqual([out.width, out.height]);
    expect(out.width / out.height).toBeCloseTo(1.5, 2);
  }, 30_000);

  test('shrinks until it fits, keeping alpha as WEBP; deterministic', async () => {
    const png = await makePng(900, 300, { alpha: true });
    const cap = 200_000;
    const a = await fitInline(ref(png, 900, 300), cap);
    const b = await fitInline(ref(png, 900, 300), cap);
    expect(a.bytes.length).toBeLessThanOrEqual(cap);
    expect(a.width).toBeLessThan(900);
    expect(a.format).toBe('webp');
    expect((await sharp(a.bytes).metadata()).hasAlpha).toBe(true);
    expect(Math.abs(a.width / a.height - 3)).toBeLessThan(0.05);
    expect(a.bytes.equals(b.bytes)).toBe(true);
  });

  test('applies EXIF orientation before re-encoding', async () => {
    const rotated = await sharp({ create: { width: 400, height: 100, channels: 3, background: '#808080' } })
      .png({ compressionLevel: 0 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const out = await fitInline(ref(rotated, 400, 100), Math.floor(rotated.length / 2));
    expect([out.width, out.height]).toEqual([100, 400]);
  });

  test('an image that cannot be decoded is refused as image_too_large, not a crash', async () => {
    const junk = Buffer.concat([Buffer.from('....ftypheic'), Buffer.alloc(2000)]);
    await expect(fitInline(ref(junk, 10, 10, 'heic'), 100)).rejects.toMatchObject({
      status: 400,
      code: 'image_too_large',
      param: 'image_input[3]',
    });
  });

  test('a PNG damaged inside (its header and end intact) is refused as corrupt, not as too large', async () => {
    const png = await makePng(600, 400, { compressionLevel: 0 });
    const damaged = Buffer.from(png);
    damaged.fill(0x5a, 200, png.length - 200);
    await expect(fitInline(ref(damaged, 600, 400), 100_000)).rejects.toMatchObject({
      status: 400,
      code: 'unsupported_image_type',
      param: 'image_input[3]',
      message: expect.stringMatching(/corrupt or truncated/),
    });
  });

  test('an image with alpha wider than WEBP allows (16383 px) is brought under that width first, not refused', async () => {
    const png = await makePng(17_000, 120, { alpha: true });
    expect(png.length).toBeGreaterThan(7 * MB);
    const out = await fitInline(ref(png, 17_000, 120), 7 * MB);
    expect(out.format).toBe('webp');
    expect(out.width).toBeLessThanOrEqual(16_383);
    expect(out.bytes.length).toBeLessThanOrEqual(7 * MB);
    expect((await sharp(out.bytes).metadata()).hasAlpha).toBe(true);
  }, 30_000);

  test('cancelled while it waits for a slot: rejects with the cancellation, never blames the image', async () => {
    const png = await makePng(600, 400, { compressionLevel: 0 });
    const gone = new AbortController();
    gone.abort(new DOMException('The request was cancelled.', 'AbortError'));
    await expect(fitInline(ref(png, 600, 400), 100_000, gone.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });

  test('an impossible cap is a 400 image_too_large naming the index', async () => {
    const png = await makePng(300, 300);
    await expect(fitInline(ref(png, 300, 300), 50)).rejects.toEqual(expect.any(RelayError));
    await expect(fitInline(ref(png, 300, 300), 50)).rejects.toMatchObject({ status: 400, code: 'image_too_large', param: 'image_input[3]' });
  });
});
