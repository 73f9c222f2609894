import type { ImageFormat } from '../images/image-format.js';

/** A reference image downloaded from `image_input`, verified by its bytes. */
export interface ReferenceImage {
  /** Index in `image_input`, for error `param`s (`image_input[i]`). */
  index: number;
  /** The URL it came from (never sent upstream; kept for events only). */
  url: string;
  bytes: Buffer;
  /** Format detected from the bytes, never from headers. */
  format: ImageFormat;
  mimeType: string;
  width: number;
  height: number;
}
