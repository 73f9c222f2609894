import { Router } from 'express';
import sharp from 'sharp';

/** Sample reference images the demo serves itself, so the contract's examples run offline. */
export const SAMPLE_NAMES = ['image36.webp', 'ref-1.png', 'ref-2.png', 'product.jpg'] as const;

async function render(name: string, hue: number): Promise<Buffer> {
  const width = 960;
  const height = 640;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="hsl(${hue},70%,60%)"/><stop offset="1" stop-color="hsl(${(hue + 120) % 360},70%,35%)"/>
    </linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/>
    <circle cx="${width / 2}" cy="${height / 2}" r="180" fill="hsl(${(hue + 240) % 360},80%,70%)"/>
  </svg>`;
  const image = sharp(Buffer.from(svg));
  if (name.endsWith('.webp')) return image.webp().toBuffer();
  if (name.endsWith('.jpg')) return image.jpeg().toBuffer();
  return image.png().toBuffer();
}

/** An Express router serving the sample images under the path it is mounted at. */
export async function sampleReferencesRouter(): Promise<Router> {
  const files = new Map<string, { bytes: Buffer; type: string }>();
  await Promise.all(
    SAMPLE_NAMES.map(async (name, i) => {
      const type = name.endsWith('.webp') ? 'image/webp' : name.endsWith('.jpg') ? 'image/jpeg' : 'image/png';
      files.set(name, { bytes: await render(name, i * 70), type });
    }),
  );
  const router = Router();
  router.get('/:name', (req, res) => {
    const file = files.get(req.params.name);
    if (!file) {
      res.status(404).end();
      return;
    }
    res.type(file.type).send(file.bytes);
  });
  return router;
}
