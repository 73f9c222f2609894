export { RelayError, toRelayError } from './contract/errors.js';
export type { OpenAIErrorBody, RelayErrorOptions, RelayErrorType } from './contract/errors.js';
export {
  ALL_ASPECT_RATIOS,
  ALL_CAPABILITIES,
  ALL_OUTPUT_FORMATS,
  ALL_RESOLUTIONS,
  MODEL_MAX_REFERENCES,
  VERIFIED_CAPABILITIES,
} from './contract/capabilities.js';
export type { AspectRatio, Capabilities, OutputFormat, Resolution } from './contract/capabilities.js';
export { OUTPUT_SIZES, outputSize } from './contract/output-sizes.js';
export { CarrierError } from './carriers/carrier.js';
export type { Carrier, CarrierCallContext, CarrierErrorKind, CarrierImage, CarrierRequest } from './carriers/carrier.js';
export type { ReferenceImage } from './references/reference-image.js';
export type { ReferenceOptions } from './references/reference-options.js';
export type { PutOptions, PutResult, Storage, StoredFile } from './storage/storage.js';
export { detectImageFormat, mimeOf } from './images/image-format.js';
export type { ImageFormat } from './images/image-format.js';
