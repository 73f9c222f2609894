import { ImageRelayModule } from '@banana-relay/nestjs';
import { Module } from '@nestjs/common';
import { relayOptionsFromEnv } from './relay-options-from-env.js';

/** Token of the environment, so tests can give their own. */
export const ENV = Symbol('env');

@Module({ providers: [{ provide: ENV, useValue: process.env }], exports: [ENV] })
export class EnvModule {}

/** The host app: the relay mounted with config resolved at startup. */
@Module({
  imports: [
    ImageRelayModule.forRootAsync({
      imports: [EnvModule],
      inject: [ENV],
      useFactory: (env: NodeJS.ProcessEnv) => relayOptionsFromEnv(env),
      isGlobal: true,
    }),
  ],
})
export class AppModule {}
