import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bearerApiKeys, createRelay, localDiskStorage, relayCarrier, type Relay } from '@banana-relay/core';
import { startEmulator, type Emulator } from '@banana-relay/emulator';
import { imagesRouter } from '@banana-relay/express';
import express from 'express';
import sharp from 'sharp';
import { binary, emulatedGemini, filesUnder, pathOf, startHarness, type Harness } from '../support/harness.js';
import { startImageHost, type ImageHost } from '../support/image-host.js';
import { body, callOrder, eventsOf, ROUTE } from './support.js';

const TP_KEY = 'sk-thirdparty-0123456789abcdef';
/** A key in no well-known shape, which the third party refuses by quoting it back with its own address. */
const ECHOED_KEY = 'rk_live_SECRETRELAY_55aa';
const ITS_ADDRESS = 'gw-7.internal.example:8443';

/** A second instance of this relay on loopback, standing in for a third-party relay. */
interface ThirdParty {
  origin: string;
  hostPort: string;
  emulator: Emulator;
  relay: Relay;
  /** What reached its route: the Authorization header and the JSON body. */
  seen: Array<{ authorization: string | undefined; body: Record<string, unknown> }>;
  storageDir: string;
  close(): Promise<void>;
}

async function startThirdParty(refs: ImageHost): Promise<ThirdParty> {
  const emulator = await startEmulator();
  const storageDir = await mkdtemp(join(tmpdir(), 'banana-relay-thirdparty-'));
  const app = express();
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  const relay = createRelay({
    carriers: [emulatedGemini(emulator, 'inner', { apiKey: 'key-inner' })],
    storage: localDiskStorage({ dir: storageDir, publicBaseUrl: origin }),
    references: { allowHosts: [refs.hostPort] },
    authorize: bearerApiKeys({ [TP_KEY]: 'outer-relay' }),
    capabilities: { textToImage: true },
  });
  const seen: ThirdParty['seen'] = [];
  app.use((req, res, next) => {
    if (req.headers.authorization !== `Bearer ${ECHOED_KEY}`) return next();
    res.status(400).json({
      error: { message: `API key not valid: '${ECHOED_KEY}' (${req.headers.authorization}), seen by ${ITS_ADDRESS} from 10.20.30.40`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' },
    });
  });
  app.use(express.json({ limit: '1mb' }));
  app.use((req, _res, next) => {
    if (req.method === 'POST') seen.push({ authorization: req.headers.authorization, body: req.body as Record<string, unknown> });
    next();
  });
  app.use(imagesRouter(relay));
  return {
    origin,
    hostPort: `127.0.0.1:${port}`,
    emulator,
    relay,
    seen,
    storageDir,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await relay.close();
      await emulator.close();
      await rm(storageDir, { recursive: true, force: true });
    },
  };
}

describe('relayCarrier: a third-party relay speaking this same contract', () => {
  let refs: ImageHost;
  let tp: ThirdParty;
  let h: Harness;
  beforeAll(async () => {
    refs = await startImageHost();
    tp = await startThirdParty(refs);
    h = await startHarness({
      references: { allowHosts: [refs.hostPort], allowDataUrls: true },
      carriers: (emu) => [
        relayCarrier({ id: 'tp', baseUrl: tp.origin, apiKey: TP_KEY, textToImage: true, download: { allowHosts: [tp.hostPort] } }),
        relayCarrier({ id: 'tp-b64', baseUrl: tp.origin, apiKey: TP_KEY, textToImage: true, responseFormat: 'b64_json', priority: 5 }),
        // Its artifact URLs are on loopback, which the SSRF-safe download refuses unless allowed.
        relayCarrier({ id: 'tp-strict', baseUrl: tp.origin, apiKey: TP_KEY, textToImage: true, priority: 5 }),
        relayCarrier({ id: 'tp-badkey', baseUrl: tp.origin, apiKey: 'sk-wrong-key-000000000000', textToImage: true, priority: 5 }),
        relayCarrier({ id: 'tp-echo', baseUrl: tp.origin, apiKey: ECHOED_KEY, textToImage: true, priority: 5 }),
        emulatedGemini(emu, 'gemini', { apiKey: 'key-gemini', priority: 1 }),
      ],
    });
  });
  afterAll(async () => {
    await h.close();
    await tp.close();
    await refs.close();
  });
  afterEach(() => {
    h.emulator.reset();
    tp.emulator.reset();
    tp.seen.length = 0;
    tp.relay.resetCarrierHealth();
    h.relay.resetCarrierHealth();
    h.events.length = 0;
  });

  test('text only: the third party generates, its image is downloaded and archived in our own storage', async () => {
    const res = await h.http.post(ROUTE).send(body);
    expect(res.status).toBe(200);
    const url: string = res.body.data[0].url;
    expect(url.startsWith(`${h.origin}/`)).toBe(true);
    const file = await h.http.get(pathOf(url)).buffer(true).parse(binary);
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe('image/png');
    expect((await sharp(file.body as Buffer).metadata()).width).toBe(1024);

    expect(tp.seen).toEqual([
      {
        authorization: `Bearer ${TP_KEY}`,
        body: { model: 'nano-banana-pro', prompt: 'a banana', resolution: '1K', aspect_ratio: '1:1', output_format: 'png', n: 1 },
      },
    ]);
    expect(tp.emulator.requests.filter((r) => r.kind === 'gemini')).toHaveLength(1);
    expect(h.emulator.requests).toHaveLength(0);
    expect(eventsOf(h, 'image.archived')).toMatchObject([{ carrierId: 'tp', format: 'png', width: 1024, height: 1024 }]);
    expect(await filesUnder(h.storageDir)).toHaveLength(1);
  });

  test('a relay carrier not said to take prompts alone (textToImage, off by default) never gets one', async () => {
    const g = await startHarness({
      carriers: (emu) => [
        relayCarrier({ id: 'tp-edits-only', baseUrl: tp.origin, apiKey: TP_KEY, download: { allowHosts: [tp.hostPort] } }),
        emulatedGemini(emu, 'gemini', { apiKey: 'key-gemini', priority: 1 }),
      ],
      references: { allowHosts: [refs.hostPort] },
    });
    try {
      for (let i = 0; i < 4; i += 1) expect((await g.http.post(ROUTE).send(body)).status).toBe(200);
      expect(tp.seen).toHaveLength(0);
      expect(g.emulator.requests.filter((r) => r.kind === 'gemini')).toHaveLength(4);
      // With a reference, it is a candidate as before (priority 0 beats gemini's 1).
      expect((await g.http.post(ROUTE).send({ ...body, image_input: refs.url('/ref.png') })).status).toBe(200);
      expect(tp.seen).toHaveLength(1);
    } finally {
      await g.close();
    }
  });

  test('one reference: the original image_input URL is sent, and the third party fetches it itself', async () => {
    const ref = refs.url('/ref.png');
    const hits = refs.hits.get('/ref.png') ?? 0;
    const res = await h.http.post(ROUTE).send({ ...body, image_input: [ref], output_format: 'jpg' });
    expect(res.status).toBe(200);
    expect(tp.seen[0]!.body).toMatchObject({ image_input: [ref], output_format: 'jpg' });
    expect(refs.hits.get('/ref.png')).toBe(hits + 2); // validated here, used there
    expect(res.body.data[0].url).toMatch(/\.jpg$/);
  });

  test('two references never go to it (not official): the official carrier takes them', async () => {
    const res = await h.http.post(ROUTE).send({ ...body, image_input: [refs.url('/ref-1.png'), refs.url('/ref-2.png')] });
    expect(res.status).toBe(200);
    expect(tp.seen).toHaveLength(0);
    expect(callOrder(h)).toEqual(['gemini']);
  });

  test('a data: reference cannot be passed on as a URL: the carrier declines it and the request goes elsewhere', async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#fa0' } }).png().toBuffer();
    const res = await h.http.post(ROUTE).send({ ...body, image_input: [`data:image/png;base64,${png.toString('base64')}`] });
    expect(res.status).toBe(200);
    expect(tp.seen).toHaveLength(0);
    expect(callOrder(h)).toEqual(['gemini']);
  });

  test('its 429 (with Retry-After) fails over to the next carrier and keeps it out until then', async () => {
    tp.emulator.script({ type: 'status', status: 429, retryAfter: '30' });
    const res = await h.http.post(ROUTE).send(body);
    expect(res.status).toBe(200);
    expect(eventsOf(h, 'carrier.attempt').map((e) => [e.carrierId, e.status ?? 200])).toEqual([
      ['tp', 429],
      ['gemini', 200],
    ]);
    expect(h.relay.carriers().find((c) => c.id === 'tp')).toMatchObject({ status: 'rate_limited' });
    expect((await h.http.post(ROUTE).send(body)).status).toBe(200);
    expect(tp.seen).toHaveLength(1);
  });

  test('its content-policy refusal is a refusal here too: 400, no failover', async () => {
    tp.emulator.script({ type: 'finishReason', reason: 'IMAGE_SAFETY' });
    const res = await h.http.post(ROUTE).send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('content_policy_violation');
    expect(h.emulator.requests).toHaveLength(0);
  });

  test('b64_json answers are decoded without a download', async () => {
    const answer = await h.relay.generate(body, { pinnedCarrier: 'tp-b64' });
    expect(answer.data).toHaveLength(1);
    expect(tp.seen[0]!.body).toMatchObject({ response_format: 'b64_json' });
    expect(eventsOf(h, 'image.archived')).toMatchObject([{ carrierId: 'tp-b64', format: 'png' }]);
  });

  test('an artifact URL the SSRF policy refuses is not fetched: the call fails (retryable) and nothing is archived from it', async () => {
    await expect(h.relay.generate(body, { pinnedCarrier: 'tp-strict' })).rejects.toMatchObject({ status: 502, code: 'upstream_error' });
    expect(tp.seen).toHaveLength(1);
    expect(eventsOf(h, 'carrier.attempt')).toMatchObject([{ carrierId: 'tp-strict', ok: false, error: 'unavailable', retryable: true }]);
    expect(eventsOf(h, 'image.archived')).toHaveLength(0);
  });

  test('a wrong key (401 from the third party) marks the carrier misconfigured; the message shows neither key nor address', async () => {
    const err = await h.relay.generate(body, { pinnedCarrier: 'tp-badkey' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 502, code: 'upstream_misconfigured' });
    expect(h.relay.carriers().find((c) => c.id === 'tp-badkey')).toMatchObject({ misconfigured: true, status: 'misconfigured' });
    const text = JSON.stringify((err as { toJSON(): unknown }).toJSON());
    expect(text).not.toContain('sk-wrong');
    expect(text).not.toContain(tp.hostPort);
  });

  test("a 400 that quotes the carrier's own key back (in a shape no pattern knows): the caller sees neither the key nor the addresses", async () => {
    const err = await h.relay.generate(body, { pinnedCarrier: 'tp-echo' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, code: 'upstream_rejected' });
    const text = JSON.stringify((err as { toJSON(): unknown }).toJSON());
    expect(text).toContain('API key not valid');
    for (const secret of [ECHOED_KEY, 'SECRETRELAY', ITS_ADDRESS, '10.20.30.40', tp.hostPort]) expect(text).not.toContain(secret);
  });
});
