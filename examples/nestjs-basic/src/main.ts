/** Runs the Nest example; without Google credentials it starts the emulator first. */
import 'reflect-metadata';
import { startEmulator } from '@banana-relay/emulator';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

if (!process.env.GEMINI_API_KEY && !process.env.GOOGLE_CLOUD_PROJECT && !process.env.EMULATOR_URL) {
  process.env.EMULATOR_URL = (await startEmulator()).url;
}
const app = await NestFactory.create(AppModule);
app.enableShutdownHooks();
await app.listen(Number(process.env.PORT ?? 3002));
console.log(`Nest example on ${await app.getUrl()}`);
