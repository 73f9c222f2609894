import { Module } from '@nestjs/common';
import { ConfigurableModuleClass } from './image-relay.module-definition.js';
import { IMAGE_RELAY } from './image-relay.options.js';
import { ImageRelayService } from './image-relay.service.js';

/**
 * Mounts the relay in a Nest app: `POST /v1/images/generations` (path configurable) and the artifact
 * GETs for local storages, plus an injectable {@link ImageRelayService}.
 *
 * @example
 * ImageRelayModule.forRoot({ carriers, storage })
 * ImageRelayModule.forRootAsync({ imports: [ConfigModule], inject: [ConfigService], useFactory: (config) => ({ carriers, storage }) })
 */
@Module({
  providers: [ImageRelayService, { provide: IMAGE_RELAY, useFactory: (service: ImageRelayService) => service.relay, inject: [ImageRelayService] }],
  exports: [ImageRelayService, IMAGE_RELAY],
})
export class ImageRelayModule extends ConfigurableModuleClass {}
