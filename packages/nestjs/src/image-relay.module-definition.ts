import { ConfigurableModuleBuilder } from '@nestjs/common';
import { createImageRelayController } from './image-relay.controller.js';
import type { ImageRelayModuleExtras, ImageRelayModuleOptions } from './image-relay.options.js';

const DEFAULTS: Required<ImageRelayModuleExtras> = {
  isGlobal: false,
  path: '/v1/images/generations',
  artifactPrefix: 'task-artifacts',
  extraPaths: ['/v1/images/openapi.json', '/v1/images/edits'],
};

export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } = new ConfigurableModuleBuilder<ImageRelayModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras<ImageRelayModuleExtras>(DEFAULTS, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal ?? false,
    controllers: [
      createImageRelayController(extras.path ?? DEFAULTS.path, extras.artifactPrefix ?? DEFAULTS.artifactPrefix, extras.extraPaths ?? DEFAULTS.extraPaths),
    ],
  }))
  .build();
