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
export type { Carrier, CarrierCallContext, CarrierErrorKind, CarrierErrorOptions, CarrierImage, CarrierRequest } from './carriers/carrier.js';
export { routingSettingsOf } from './carriers/carrier.js';
export type { CarrierRoutingSettings } from './carriers/carrier.js';
export type { ReferenceImage } from './references/reference-image.js';
export type { ReferenceOptions } from './references/reference-options.js';
export type { PutOptions, PutResult, Storage, StoredFile } from './storage/storage.js';
export { detectImageFormat, mimeOf } from './images/image-format.js';
export type { ImageFormat } from './images/image-format.js';
export { createRelay } from './relay/create-relay.js';
export type { CloseOptions, Relay } from './relay/create-relay.js';
export type { RelayLimits, RelayOptions } from './relay/relay-options.js';
export type { ImagesResponse } from './relay/images-response.js';
export type { GenerateOptions } from './relay/generate-images.js';
export type { FetchHandler, FetchOptions } from './http/fetch-handler.js';
export { geminiCarrier } from './carriers/gemini-carrier.js';
export type { GeminiCarrierOptions } from './carriers/gemini-carrier.js';
export { vertexCarrier } from './carriers/vertex-carrier.js';
export type { VertexCarrierOptions } from './carriers/vertex-carrier.js';
export { DEFAULT_GOOGLE_MODEL } from './carriers/google/google-carrier.js';
export type { CarrierBaseOptions } from './carriers/google/google-carrier.js';
export { DEFAULT_ROUTING_POLICY } from './routing/carrier-router.js';
export type { RoutingPolicy } from './routing/carrier-router.js';
export type { BackoffOptions, CircuitOptions, PinningOptions, RoutingOptions } from './routing/routing-options.js';
export type { CarrierState } from './routing/carrier-state.js';
export type { HealthStatus } from './routing/carrier-health.js';
export { relayCarrier } from './carriers/relay-carrier.js';
export type { RelayCarrierOptions } from './carriers/relay-carrier.js';
export { localDiskStorage } from './storage/local-disk-storage.js';
export { memoryStorage } from './storage/memory-storage.js';
export { artifactKey, artifactPrefixOf, newArtifactId, DEFAULT_ARTIFACT_PREFIX } from './storage/artifact-key.js';
export type { ArtifactExt, ArtifactKeyOptions } from './storage/artifact-key.js';
export type {
  CarrierAttemptEvent,
  CarrierFallbackEvent,
  CarrierHealthEvent,
  ImageArchivedEvent,
  RelayEvent,
  RelayEventListener,
  RequestAcceptedEvent,
  RequestFinishedEvent,
} from './events/relay-events.js';
export { MODEL_NAME } from './contract/request-schema.js';
export type { ContractSettings, GenerationRequest } from './contract/request-schema.js';
export { createReferenceFetcher } from './references/reference-fetcher.js';
export type { ReferenceFetcher, FetchReferencesContext } from './references/reference-fetcher.js';
export { fitInline } from './references/fit-inline.js';
export type { ReferenceLookup, ResolvedAddress } from './references/reference-options.js';
export { isSafeKey } from './storage/artifact-key.js';
export type { LocalDiskStorageOptions } from './storage/local-disk-storage.js';
export type { MemoryStorage, MemoryStorageOptions } from './storage/memory-storage.js';
export { nodeHandler, serveNode } from './http/node-handler.js';
export type { NodeHandler, NodeHandlerOptions, NodeHandlerTarget } from './http/node-handler.js';
export { toWebRequest, sendWebResponse, clientGoneSignal } from './http/node-bridge.js';
export type { NodeRequestLike } from './http/node-incoming.js';
export type { Authorize } from './auth/authorize.js';
export { bearerApiKeys } from './auth/bearer-api-keys.js';
export type { ImagesResponseImage } from './relay/images-response.js';
export { RESPONSE_FORMATS, enabledSizes } from './contract/request-schema.js';
export type { OutputSizeChoice, ResponseFormat } from './contract/request-schema.js';
export { DEFAULT_EDITS_PATH } from './http/edits-route.js';
export type { EditsOptions } from './http/edits-route.js';
export { DEFAULT_OPENAPI_PATH, openApiDocument } from './http/openapi.js';
export type { OpenApiDocument, OpenApiOptions, OpenApiSettings } from './http/openapi.js';
