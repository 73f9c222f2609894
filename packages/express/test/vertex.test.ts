import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { binary, emulatedVertex, pathOf, startHarness, type Harness } from './support/harness.js';

describe('Vertex AI carrier', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ carriers: (emu) => [emulatedVertex(emu)] });
  });
  afterAll(() => h.close());

  test('authenticates through the token endpoint with google-auth-library, then calls the Vertex path', async () => {
    const res = await h.http.post('/v1/images/generations').send({ model: 'nano-banana-pro', prompt: 'a banana', output_format: 'jpg' });
    expect(res.status).toBe(200);
    const kinds = h.emulator.requests.map((r) => r.kind);
    expect(kinds.indexOf('token')).toBeGreaterThanOrEqual(0);
    expect(kinds.indexOf('token')).toBeLessThan(kinds.indexOf('vertex'));
    const call = h.emulator.requests.find((r) => r.kind === 'vertex');
    expect(call?.path).toBe(`/v1/projects/${h.emulator.serviceAccount.project_id}/locations/global/publishers/google/models/gemini-3-pro-image-preview:generateContent`);
    expect(call?.headers.authorization).toMatch(/^Bearer /);
    // Vertex is asked for the output format directly, so no transcoding is needed.
    expect((call?.body as { generationConfig: { imageConfig: unknown } }).generationConfig.imageConfig).toMatchObject({
      imageOutputOptions: { mimeType: 'image/jpeg' },
    });
    const file = await h.http.get(pathOf(res.body.data[0].url)).buffer(true).parse(binary);
    expect((await sharp(file.body as Buffer).metadata()).format).toBe('jpeg');
    expect(h.events.some((e) => e.type === 'image.archived' && !e.transcoded)).toBe(true);
  });

  test('the token is cached across requests', async () => {
    await h.http.post('/v1/images/generations').send({ model: 'nano-banana-pro', prompt: 'another banana' });
    expect(h.emulator.requests.filter((r) => r.kind === 'token')).toHaveLength(1);
  });
});

describe('Vertex AI carrier: its token endpoint and credentials', () => {
  test('a token request that never gets an answer fails within tokenTimeoutMs; the next call asks again and goes through', async () => {
    let tokenRequests = 0;
    let target = '';
    // In front of the emulator's token endpoint: the first token request is never answered.
    const hanging: Server = createServer((req, res) => {
      tokenRequests += 1;
      if (tokenRequests === 1) return;
      const forward = httpRequest(target, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(forward);
    });
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const tokenUri = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/token`;
    const h = await startHarness({
      carriers: (emu) => [emulatedVertex(emu, 'vertex', { credentials: { ...emu.serviceAccount, token_uri: tokenUri }, tokenTimeoutMs: 300 })],
      limits: { deadlineMs: 20_000 },
    });
    target = h.emulator.tokenUri;
    try {
      const first = await h.http.post('/v1/images/generations').send({ model: 'nano-banana-pro', prompt: 'a banana' });
      expect(first.status).toBeGreaterThanOrEqual(502);
      h.relay.resetCarrierHealth();
      const second = await h.http.post('/v1/images/generations').send({ model: 'nano-banana-pro', prompt: 'a banana' });
      expect(second.status).toBe(200);
      expect(tokenRequests).toBe(2);
    } finally {
      hanging.closeAllConnections();
      await new Promise((resolve) => hanging.close(resolve));
      await h.close();
    }
  });

  test('a tokenTimeoutMs that cannot be a time limit is refused when the carrier is made', async () => {
    const h = await startHarness();
    try {
      for (const tokenTimeoutMs of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
        expect(() => emulatedVertex(h.emulator, 'v', { tokenTimeoutMs })).toThrow(/tokenTimeoutMs/);
      }
    } finally {
      await h.close();
    }
  });

  test('credentials that cannot sign (a malformed private key) are a misconfiguration, not an outage', async () => {
    const h = await startHarness({
      carriers: (emu) => [emulatedVertex(emu, 'vertex', { credentials: { ...emu.serviceAccount, private_key: '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n' } })],
    });
    try {
      const res = await h.http.post('/v1/images/generations').send({ model: 'nano-banana-pro', prompt: 'a banana' });
      expect(res.status).toBe(502);
      expect(res.body.error.code).toBe('upstream_misconfigured');
      expect(JSON.stringify(res.body)).not.toContain('PRIVATE KEY');
      expect(h.relay.carriers()).toMatchObject([{ id: 'vertex', misconfigured: true }]);
    } finally {
      await h.close();
    }
  });
});
