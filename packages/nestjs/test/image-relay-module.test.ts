import 'reflect-metadata';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { geminiCarrier, localDiskStorage, RelayError, type RelayEvent } from '@banana-relay/core';
import { startEmulator, type Emulator } from '@banana-relay/emulator';
import { ImageRelayModule, ImageRelayService } from '@banana-relay/nestjs';
import {
  Catch,
  Controller,
  Get,
  Injectable,
  Module,
  type ArgumentsHost,
  type CanActivate,
  type ExceptionFilter,
  type ExecutionContext,
  type INestApplication,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { rateLimit } from 'express-rate-limit';
import type { Response } from 'express';
import sharp from 'sharp';
import request from 'supertest';

const body = { model: 'nano-banana-pro', prompt: 'a banana' };

/** A host guard: every route needs `x-host-auth`. */
@Injectable()
class HostAuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return context.switchToHttp().getRequest<{ headers: Record<string, string> }>().headers['x-host-auth'] === 'yes';
  }
}

/** A host's own catch-all filter with its own error shape. */
@Catch()
class HostFilter implements ExceptionFilter {
  catch(_exception: unknown, host: ArgumentsHost): void {
    host.switchToHttp().getResponse<Response>().status(418).json({ host: 'filter' });
  }
}

@Controller('host')
class HostController {
  constructor(private readonly images: ImageRelayService) {}
  @Get('generate')
  async generate(): Promise<unknown> {
    return this.images.generate(body, { principal: 'host-code' });
  }
}

describe('ImageRelayModule', () => {
  let emulator: Emulator;
  let dir: string;
  let app: INestApplication | undefined;
  const events: RelayEvent[] = [];

  beforeAll(async () => {
    emulator = await startEmulator();
    dir = await mkdtemp(join(tmpdir(), 'relay-nest-'));
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    events.length = 0;
    emulator.reset();
  });
  afterAll(async () => {
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  });

  const relayOptions = () => ({
    carriers: [geminiCarrier({ id: 'g', apiKey: 'k', baseUrl: emulator.url })],
    storage: localDiskStorage({ dir, publicBaseUrl: 'http://127.0.0.1' }),
    limits: { maxBodyBytes: 2048 },
    capabilities: { textToImage: true },
    onEvent: (e: RelayEvent) => events.push(e),
  });

  async function boot(moduleImports: unknown[], setup?: (app: INestApplication) => void, providers: unknown[] = [], bodyParser = true, forceCloseConnections = false): Promise<INestApplication> {
    @Module({ imports: moduleImports as never[], controllers: [HostController], providers: providers as never[] })
    class AppModule {}
    const ref = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = ref.createNestApplication({ logger: false, bodyParser, forceCloseConnections });
    setup?.(app);
    await app.init();
    return app;
  }

  test('forRoot mounts the route and serves the artifact', async () => {
    const nest = await boot([ImageRelayModule.forRoot(relayOptions())]);
    const res = await request(nest.getHttpServer()).post('/v1/images/generations').send(body);
    expect(res.status).toBe(200);
    const path = new URL(res.body.data[0].url).pathname;
    const file = await request(nest.getHttpServer()).get(path);
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe('image/png');
    const head = await request(nest.getHttpServer()).head(path);
    expect(head.status).toBe(200);
    const traversal = await request(nest.getHttpServer()).get('/task-artifacts/..%2F..%2Fetc%2Fpasswd');
    expect(traversal.status).toBe(404);
  });

  test('shutdownGraceMs: on app.close(), a request still running after the grace period gets 503 relay_shutting_down', async () => {
    const nest = await boot([ImageRelayModule.forRoot({ ...relayOptions(), shutdownGraceMs: 200 })]);
    emulator.script({ type: 'hang' });
    const inFlight = request(nest.getHttpServer()).post('/v1/images/generations').send(body).then((res) => res);
    while (emulator.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
    const started = Date.now();
    await nest.close();
    app = undefined;
    const res = await inFlight;
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({ code: 'relay_shutting_down' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test('with forceCloseConnections, an answer given during the shutdown reaches its client whole (a 4K b64_json)', async () => {
    const nest = await boot([ImageRelayModule.forRoot({ ...relayOptions(), limits: {}, shutdownGraceMs: 20_000 })], undefined, [], true, true);
    emulator.script({ type: 'latency', ms: 300 });
    const inFlight = request(nest.getHttpServer())
      .post('/v1/images/generations')
      .send({ ...body, resolution: '4K', response_format: 'b64_json' })
      .then(
        (res) => ({ status: res.status, bytes: Buffer.from(res.body.data?.[0]?.b64_json ?? '', 'base64').length }),
        (err: Error) => ({ status: 0, bytes: 0, error: err.message }),
      );
    while (emulator.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
    await nest.close();
    app = undefined;
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.bytes).toBeGreaterThan(10 * 1024 * 1024);
  });

  test('a shutdownGraceMs that is not a number >= 0 (a string from the environment) is refused at startup', async () => {
    await expect(boot([ImageRelayModule.forRoot({ ...relayOptions(), shutdownGraceMs: '25000' as unknown as number })])).rejects.toThrow(/shutdownGraceMs/);
    app = undefined;
  });

  test('forRootAsync with inject and a custom path; the service works without HTTP', async () => {
    const CONFIG = Symbol('config');
    @Module({ providers: [{ provide: CONFIG, useValue: { key: 'k' } }], exports: [CONFIG] })
    class ConfigModule {}
    const nest = await boot([
      ImageRelayModule.forRootAsync({
        imports: [ConfigModule],
        inject: [CONFIG],
        useFactory: (config: { key: string }) => ({ ...relayOptions(), carriers: [geminiCarrier({ id: 'g', apiKey: config.key, baseUrl: emulator.url })] }),
        path: '/api/images',
      }),
    ]);
    const moved = await request(nest.getHttpServer()).post('/api/images').send(body);
    expect(moved.status).toBe(200);
    const old = await request(nest.getHttpServer()).post('/v1/images/generations').send(body);
    expect(old.status).toBe(404);
    const openapi = await request(nest.getHttpServer()).get('/v1/images/openapi.json');
    expect(openapi.status).toBe(200);
    expect(Object.keys(openapi.body.paths)).toContain('/api/images');
    const viaService = await request(nest.getHttpServer()).get('/host/generate');
    expect(viaService.status).toBe(200);
    expect(viaService.body.data).toHaveLength(1);
    expect(events.some((e) => e.type === 'request.finished' && e.principal === 'host-code')).toBe(true);
  });

  test("a host's global guard protects the route, and its rejection leaves in the OpenAI shape", async () => {
    const nest = await boot([ImageRelayModule.forRoot(relayOptions())], undefined, [{ provide: APP_GUARD, useClass: HostAuthGuard }]);
    const blocked = await request(nest.getHttpServer()).post('/v1/images/generations').send(body);
    expect(blocked.status).toBe(403);
    expect(Object.keys(blocked.body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(emulator.requests.length).toBe(0);
    const allowed = await request(nest.getHttpServer()).post('/v1/images/generations').set('x-host-auth', 'yes').send(body);
    expect(allowed.status).toBe(200);
  });

  test("errors keep the OpenAI shape under a host's global exception filter", async () => {
    const nest = await boot([ImageRelayModule.forRoot(relayOptions())], (a) => a.useGlobalFilters(new HostFilter()), [
      { provide: APP_GUARD, useClass: HostAuthGuard },
    ]);
    // The host's filter still owns the host's routes...
    expect((await request(nest.getHttpServer()).get('/host/generate')).body).toEqual({ host: 'filter' });
    // ...but a guard's rejection on the relay's route leaves in the OpenAI shape.
    const blocked = await request(nest.getHttpServer()).post('/v1/images/generations').send(body);
    expect(blocked.status).toBe(403);
    expect(blocked.body.error).toMatchObject({ type: 'permission_error', code: 'forbidden' });
    const invalid = await request(nest.getHttpServer()).post('/v1/images/generations').set('x-host-auth', 'yes').send({ ...body, resolution: '8K' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error).toMatchObject({ param: 'resolution', code: 'invalid_value' });
    const tooLarge = await request(nest.getHttpServer()).post('/v1/images/generations').set('x-host-auth', 'yes').send({ ...body, prompt: 'x'.repeat(4000) });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.error.code).toBe('request_too_large');
  });

  test('express-rate-limit in front composes: over the limit → 429 before any upstream call', async () => {
    const nest = await boot([ImageRelayModule.forRoot(relayOptions())], (a) =>
      a.use('/v1/images', rateLimit({ windowMs: 60_000, limit: 2, standardHeaders: 'draft-8', legacyHeaders: false, message: { error: { message: 'Too many requests.', type: 'rate_limit_error', param: null, code: 'rate_limited' } } })),
    );
    const server = nest.getHttpServer();
    expect((await request(server).post('/v1/images/generations').send(body)).status).toBe(200);
    expect((await request(server).post('/v1/images/generations').send(body)).status).toBe(200);
    const third = await request(server).post('/v1/images/generations').send(body);
    expect(third.status).toBe(429);
    expect(third.body.error.type).toBe('rate_limit_error');
    expect(emulator.requests.filter((r) => r.kind === 'gemini')).toHaveLength(2);
  });

  test('the optional uploads route works through the module when the relay enables it', async () => {
    const nest = await boot([ImageRelayModule.forRoot({ ...relayOptions(), limits: {}, edits: { enabled: true } })]);
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#c33' } }).png().toBuffer();
    const res = await request(nest.getHttpServer())
      .post('/v1/images/edits')
      .field('model', 'nano-banana-pro')
      .field('prompt', 'make it blue')
      .attach('image[]', png, { filename: 'ref.png', contentType: 'image/png' });
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(1);
  });

  test("with Nest's body parser off (as the README says), body errors are the relay's, in the OpenAI shape, under a host filter", async () => {
    const options = { ...relayOptions(), limits: {} }; // the relay's default 1 MiB limit
    const nest = await boot([ImageRelayModule.forRoot(options)], (a) => a.useGlobalFilters(new HostFilter()), [], false);
    const server = nest.getHttpServer();
    // Over Nest's own 100 KB default, under the relay's limit: the relay reads it (and answers its 400 for the prompt).
    const mid = await request(server).post('/v1/images/generations').send({ ...body, prompt: 'x'.repeat(200_000) });
    expect(mid.status).toBe(400);
    expect(mid.body.error).toMatchObject({ param: 'prompt', code: 'string_above_max_length' });
    const tooLarge = await request(server).post('/v1/images/generations').send({ ...body, prompt: 'x'.repeat(2 * 1024 * 1024) });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.error.code).toBe('request_too_large');
    const malformed = await request(server).post('/v1/images/generations').set('content-type', 'application/json').send('{"model": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('invalid_json');
    expect((await request(server).post('/v1/images/generations').send(body)).status).toBe(200);
  });

  test("under a global prefix: the route, the OpenAPI document, the uploads route and the artifact URLs (publicBaseUrl with the prefix)", async () => {
    const options = { ...relayOptions(), limits: {}, edits: { enabled: true }, storage: localDiskStorage({ dir, publicBaseUrl: 'http://127.0.0.1/api' }) };
    const nest = await boot([ImageRelayModule.forRoot(options)], (a) => a.setGlobalPrefix('api'));
    const server = nest.getHttpServer();
    const res = await request(server).post('/api/v1/images/generations').send(body);
    expect(res.status).toBe(200);
    expect((await request(server).get(new URL(res.body.data[0].url as string).pathname)).status).toBe(200);
    const openapi = await request(server).get('/api/v1/images/openapi.json');
    expect(openapi.status).toBe(200);
    // Paths relative to the prefix, as under an Express mount (the `servers` option names it).
    expect(Object.keys(openapi.body.paths)).toEqual(['/v1/images/generations', '/v1/images/edits']);
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#3c3' } }).png().toBuffer();
    const edit = await request(server).post('/api/v1/images/edits').field('model', 'nano-banana-pro').field('prompt', 'blue').attach('image[]', png, { filename: 'a.png', contentType: 'image/png' });
    expect(edit.status).toBe(200);
  });

  test('the artifact folder is set once, in the module (a URL folder spelling works); a different one in the relay options is refused at startup', async () => {
    const nest = await boot([ImageRelayModule.forRootAsync({ useFactory: () => relayOptions(), artifactPrefix: '/media/' })]);
    const res = await request(nest.getHttpServer()).post('/v1/images/generations').send(body);
    expect(res.status).toBe(200);
    const path = new URL(res.body.data[0].url as string).pathname;
    expect(path).toMatch(/^\/media\/\d{4}\//);
    expect((await request(nest.getHttpServer()).get(path)).status).toBe(200);
    await app?.close();
    app = undefined;
    await expect(boot([ImageRelayModule.forRootAsync({ useFactory: () => ({ ...relayOptions(), artifactPrefix: 'elsewhere' }), artifactPrefix: 'media' })])).rejects.toThrow(
      /artifactPrefix 'elsewhere' differs from the module's 'media'/,
    );
  });

  test('RelayError thrown by the service surfaces to host code as is', async () => {
    const nest = await boot([ImageRelayModule.forRoot(relayOptions())]);
    const service = nest.get(ImageRelayService);
    await expect(service.generate({ model: 'other', prompt: 'x' })).rejects.toBeInstanceOf(RelayError);
  });
});
