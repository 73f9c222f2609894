import 'reflect-metadata';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '@banana-relay/emulator';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AppModule, ENV } from '../src/app.module.js';

describe('NestJS example: config from the environment via forRootAsync', () => {
  let emulator: Emulator;
  let app: INestApplication;
  let dir: string;
  beforeAll(async () => {
    emulator = await startEmulator();
    dir = await mkdtemp(join(tmpdir(), 'relay-nest-example-'));
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
      .overrideProvider(ENV)
      .useValue({ EMULATOR_URL: emulator.url, ARTIFACT_DIR: dir, PUBLIC_BASE_URL: 'http://127.0.0.1' })
      .compile();
    // As main.ts creates it: the relay reads its own body.
    app = moduleRef.createNestApplication({ logger: false, bodyParser: false });
    await app.init();
  });
  afterAll(async () => {
    await app.close();
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('POST /v1/images/generations answers from the emulator', async () => {
    const res = await request(app.getHttpServer()).post('/v1/images/generations').send({ model: 'nano-banana-pro', prompt: 'a banana' });
    expect(res.status).toBe(200);
    expect(res.body.data[0].url).toMatch(/^http:\/\/127\.0\.0\.1\/task-artifacts\/.+-1\.png$/);
  });
});
