import { artifactPrefixOf, DEFAULT_ARTIFACT_PREFIX } from '@banana-relay/core';
import { ConfigurableModuleBuilder } from '@nestjs/common';
import { createImageRelayController } from './image-relay.controller.js';
import { IMAGE_RELAY_ARTIFACT_PREFIX, type ImageRelayModuleExtras, type ImageRelayModuleOptions } from './image-relay.options.js';

const DEFAULTS: Required<ImageRelayModuleExtras> = {
  isGlobal: false,
  path: '/v1/images/generations',
  artifactPrefix: DEFAULT_ARTIFACT_PREFIX,
  extraPaths: ['/v1/images/openapi.json', '/v1/images/edits'],
};

export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } = new ConfigurableModuleBuilder<ImageRelayModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras<ImageRelayModuleExtras>(DEFAULTS, (definition, extras) => {
    // Written as a URL folder ('/media/') or as a key prefix ('media'): the same folder; checked at startup.
    const artifactPrefix = artifactPrefixOf(extras.artifactPrefix);
    return {
      ...definition,
      global: extras.isGlobal ?? false,
      controllers: [createImageRelayController(extras.path ?? DEFAULTS.path, artifactPrefix, extras.extraPaths ?? DEFAULTS.extraPaths)],
      // The relay writes artifacts under the folder the controller serves (see ImageRelayService).
      providers: [...(definition.providers ?? []), { provide: IMAGE_RELAY_ARTIFACT_PREFIX, useValue: artifactPrefix }],
    };
  })
  .build();
