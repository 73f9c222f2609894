/** Runs the Nest example; without Google credentials it starts the emulator first. */
import 'reflect-metadata';
import { startEmulator } from '@banana-relay/emulator';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

if (!process.env.GEMINI_API_KEY && !process.env.GOOGLE_CLOUD_PROJECT && !process.env.EMULATOR_URL) {
  process.env.EMULATOR_URL = (await startEmulator()).url;
}
// The relay reads its own body (its size limit, its OpenAI-shaped errors): Nest's JSON parser is off.
// Routes of the app that want parsed bodies can mount one for themselves (see the README).
const app = await NestFactory.create(AppModule, { bodyParser: false });
app.enableShutdownHooks();
await app.listen(Number(process.env.PORT ?? 3002));
console.log(`Nest example on ${await app.getUrl()}`);
