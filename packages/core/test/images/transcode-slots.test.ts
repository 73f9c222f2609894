import sharp from 'sharp';
import { createRelay, memoryStorage, type Carrier } from '../../src/index.js';

describe('re-encoding shares the thread pool', () => {
  test('a burst of transcodes holds at most 2 of libuv\'s 4 threads; every request still gets its JPEG', async () => {
    // Noise makes a PNG slow to decode and a JPEG slow to encode: the transcodes overlap.
    const png = await sharp({ create: { width: 1536, height: 1536, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
      .png({ compressionLevel: 1 })
      .toBuffer();
    const carrier: Carrier = { id: 'png', official: true, generate: async () => ({ bytes: png }) };
    const relay = createRelay({ carriers: [carrier], storage: memoryStorage({ publicBaseUrl: 'http://127.0.0.1' }), capabilities: { textToImage: true } });
    let most = 0;
    const watch = setInterval(() => (most = Math.max(most, sharp.counters().process)), 1);
    try {
      const answers = await Promise.all(
        Array.from({ length: 4 }, () => relay.generate({ model: 'nano-banana-pro', prompt: 'noise', n: 2, output_format: 'jpg', response_format: 'b64_json' })),
      );
      for (const answer of answers) {
        for (const image of answer.data) expect((await sharp(Buffer.from(image.b64_json!, 'base64')).metadata()).format).toBe('jpeg');
      }
    } finally {
      clearInterval(watch);
      await relay.close();
    }
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(2);
  });
});
