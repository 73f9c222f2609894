import { createRelay, geminiCarrier, memoryStorage } from '@banana-relay/core';
import { startEmulator, type Emulator } from '@banana-relay/emulator';
import { imagesRouter } from '@banana-relay/express';
import express from 'express';
import { rateLimit } from 'express-rate-limit';
import request from 'supertest';

describe('express-rate-limit in front of the router', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.close());

  test('composes: requests over the limit get 429 and never reach the upstream', async () => {
    const relay = createRelay({
      carriers: [geminiCarrier({ id: 'g', apiKey: 'k', baseUrl: emulator.url })],
      storage: memoryStorage({ publicBaseUrl: 'http://127.0.0.1' }),
      capabilities: { textToImage: true },
    });
    const app = express();
    app.use(
      '/v1/images',
      rateLimit({
        windowMs: 60_000,
        limit: 1,
        standardHeaders: 'draft-8',
        legacyHeaders: false,
        // Same error shape as the relay's own answers.
        message: { error: { message: 'Too many requests.', type: 'rate_limit_error', param: null, code: 'rate_limited' } },
      }),
    );
    app.use(express.json({ limit: '1mb' }));
    app.use(imagesRouter(relay));
    const body = { model: 'nano-banana-pro', prompt: 'a banana' };
    expect((await request(app).post('/v1/images/generations').send(body)).status).toBe(200);
    const limited = await request(app).post('/v1/images/generations').send(body);
    expect(limited.status).toBe(429);
    expect(limited.body.error.type).toBe('rate_limit_error');
    expect(emulator.requests.filter((r) => r.kind === 'gemini')).toHaveLength(1);
    await relay.close();
  });
});
