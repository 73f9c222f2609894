import { CarrierError } from '../carriers/carrier.js';
import { bufferView } from './buffer-view.js';
import { reachesItsEnd } from './image-end.js';
import { detectImageFormat, type ImageFormat } from './image-format.js';

/**
 * What a carrier's image really is (its declared MIME type is not trusted), once it is known to be an
 * image and whole: its signature and its end are looked at, nothing is decoded. Otherwise throws a
 * retryable `no_image` CarrierError, so the router asks the next carrier: an image cut short must
 * never be archived.
 */
export async function inspectImage(image: Uint8Array): Promise<ImageFormat> {
  const bytes = bufferView(image);
  const format = await detectImageFormat(bytes);
  if (format === undefined) throw new CarrierError('no_image', 'The model answered with data that is not an image.');
  if (!reachesItsEnd(bytes, format)) throw new CarrierError('no_image', `The model answered with a ${format} image cut short.`);
  return format;
}
