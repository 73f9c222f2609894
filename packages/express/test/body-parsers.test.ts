import { createRelay, geminiCarrier, memoryStorage } from '@banana-relay/core';
import { startEmulator, type Emulator } from '@banana-relay/emulator';
import { imagesRouter } from '@banana-relay/express';
import express, { type RequestHandler } from 'express';
import request from 'supertest';
import { testImage } from './support/image-host.js';

/** What Express 4's `express.json()` (body-parser 1) does to a request it does not parse: `req.body = {}`. */
const express4Json: RequestHandler = (req, _res, next) => {
  (req as { body?: unknown }).body ??= {};
  next();
};

describe('mounted after a body parser', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.close());

  const relayApp = (parser: RequestHandler) => {
    const relay = createRelay({
      carriers: [geminiCarrier({ id: 'g', apiKey: 'k', baseUrl: emulator.url })],
      storage: memoryStorage({ publicBaseUrl: 'http://127.0.0.1' }),
      capabilities: { textToImage: true },
      edits: { enabled: true },
    });
    const app = express();
    app.use(parser);
    app.use(imagesRouter(relay));
    return { app, relay };
  };

  test("express.json() that parsed the body: the parsed body is used", async () => {
    const { app, relay } = relayApp(express.json());
    const res = await request(app).post('/v1/images/generations').send({ model: 'nano-banana-pro', prompt: 'a banana' });
    expect(res.status).toBe(200);
    await relay.close();
  });

  test("a parser that read nothing but set req.body = {} (Express 4): uploads and JSON bodies are still read by the relay", async () => {
    const { app, relay } = relayApp(express4Json);
    const upload = await request(app)
      .post('/v1/images/edits')
      .field('model', 'nano-banana-pro')
      .field('prompt', 'edit it')
      .attach('image', await testImage('png', 64, 64), 'a.png');
    expect([upload.status, upload.body.error?.code]).toEqual([200, undefined]);
    const json = await request(app).post('/v1/images/generations').send({ model: 'nano-banana-pro', prompt: 'a banana' });
    expect([json.status, json.body.error?.code]).toEqual([200, undefined]);
    // The body is the request's own: its headers still describe it (a compressed body is refused as such).
    const gzip = await request(app)
      .post('/v1/images/generations')
      .set('content-type', 'application/json')
      .set('content-encoding', 'gzip')
      .send(JSON.stringify({ model: 'nano-banana-pro', prompt: 'a banana' }));
    expect([gzip.status, gzip.body.error?.code]).toEqual([400, 'invalid_content_type']);
    await relay.close();
  });
});
