export { ImageRelayModule } from './image-relay.module.js';
export { ImageRelayService } from './image-relay.service.js';
export { OpenAIExceptionFilter } from './openai-exception.filter.js';
export { MODULE_OPTIONS_TOKEN as IMAGE_RELAY_OPTIONS } from './image-relay.module-definition.js';
export type { ImageRelayModuleExtras, ImageRelayModuleOptions } from './image-relay.options.js';
export { IMAGE_RELAY } from './image-relay.options.js';
