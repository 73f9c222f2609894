import { mulberry32 } from '../../../emulator/src/render/pixels.js';

/** A deterministic random() in [0, 1): tests of weighted choice and jitter repeat exactly. The emulator's PRNG (mulberry32). */
export const seededRandom: (seed: number) => () => number = mulberry32;
