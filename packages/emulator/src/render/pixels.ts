/**
 * Synthetic picture generation: smooth gradients and soft shapes plus seeded noise.
 * The noise is what makes the output compress like a photo rather than like a flat
 * fill, so transfer sizes in tests and benchmarks are realistic.
 */

/** A fast seeded PRNG (mulberry32); Math.random would break determinism. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Circle {
  cx: number;
  cy: number;
  r: number;
  rgb: [number, number, number];
}

/**
 * Raw RGB pixels (3 bytes per pixel, row-major) for `seed`.
 * `noiseMask` is the per-channel noise amplitude minus one (a power of two minus one):
 * PNG wants little noise (deflate only sees raw bytes), JPEG more (it smooths it away).
 */
export function renderPixels(width: number, height: number, seed: Buffer, noiseMask: number): Buffer {
  const rand = mulberry32(seed.readUInt32LE(0));
  const colour = (): [number, number, number] => [
    Math.floor(rand() * 200) + 20,
    Math.floor(rand() * 200) + 20,
    Math.floor(rand() * 200) + 20,
  ];
  const [tl, tr, bl, br] = [colour(), colour(), colour(), colour()];
  const short = Math.min(width, height);
  const circles: Circle[] = [];
  const count = 3 + Math.floor(rand() * 4);
  for (let i = 0; i < count; i++) {
    circles.push({ cx: rand() * width, cy: rand() * height, r: (0.08 + rand() * 0.22) * short, rgb: colour() });
  }

  const out = Buffer.allocUnsafe(width * height * 3);
  // xorshift32 state for the per-pixel noise: one 32-bit draw feeds all three channels.
  let s = seed.readUInt32LE(4) | 1;
  let i = 0;
  for (let y = 0; y < height; y++) {
    const fy = y / height;
    const lr = tl[0] + (bl[0] - tl[0]) * fy;
    const lg = tl[1] + (bl[1] - tl[1]) * fy;
    const lb = tl[2] + (bl[2] - tl[2]) * fy;
    const dr = (tr[0] + (br[0] - tr[0]) * fy - lr) / width;
    const dg = (tr[1] + (br[1] - tr[1]) * fy - lg) / width;
    const db = (tr[2] + (br[2] - tr[2]) * fy - lb) / width;
    let r = lr;
    let g = lg;
    let b = lb;
    const rowStart = i;
    for (let x = 0; x < width; x++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      out[i++] = r + (s & noiseMask);
      out[i++] = g + ((s >>> 8) & noiseMask);
      out[i++] = b + ((s >>> 16) & noiseMask);
      r += dr;
      g += dg;
      b += db;
    }
    // Shapes are shaded but noise-free, like the smooth areas of a real picture.
    for (const c of circles) {
      const dy = y - c.cy;
      if (dy <= -c.r || dy >= c.r) continue;
      const half = Math.sqrt(c.r * c.r - dy * dy);
      const x0 = Math.max(0, Math.ceil(c.cx - half));
      const x1 = Math.min(width, Math.floor(c.cx + half));
      const shade = 0.75 + 0.25 * (dy / c.r);
      const cr = Math.min(255, c.rgb[0] * shade);
      const cg = Math.min(255, c.rgb[1] * shade);
      const cb = Math.min(255, c.rgb[2] * shade);
      for (let x = x0, j = rowStart + x0 * 3; x < x1; x++) {
        out[j++] = cr;
        out[j++] = cg;
        out[j++] = cb;
      }
    }
  }
  return out;
}
