import { createRequire } from 'node:module';
import { generateKeyPairSync } from 'node:crypto';
import { startEmulator, type Emulator } from '@banana-relay/emulator';
import { dimensions, imageBase64, imagesOf, post, signJwt, textRequest, tokenResponse, vertexUrl } from './helpers.js';

// google-auth-library is a dependency of core, not of the emulator: load it from there.
const requireFromCore = createRequire(new URL('../../core/package.json', import.meta.url));
const { JWT } = requireFromCore('google-auth-library') as {
  JWT: new (options: { email: string; key: string; keyId: string; scopes: string[] }) => {
    transporter: { interceptors: { request: { add(i: { resolved: (c: { url: unknown }) => Promise<unknown> }): void } } };
    getAccessToken(): Promise<{ token?: string | null }>;
    request<T>(options: { url: string; method: string; data: unknown }): Promise<{ status: number; data: T }>;
  };
};
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/** A service-account client that talks to the emulator's token endpoint (the library hardcodes Google's). */
function jwtClient(emu: Emulator) {
  const sa = emu.serviceAccount;
  const client = new JWT({ email: sa.client_email, key: sa.private_key, keyId: sa.private_key_id, scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
  client.transporter.interceptors.request.add({
    resolved: async (config) => {
      if (String(config.url) === GOOGLE_TOKEN_URL) config.url = new URL(sa.token_uri);
      return config;
    },
  });
  return client;
}

describe('Vertex AI generateContent and the token endpoint', () => {
  let emu: Emulator;
  let token: string;
  const auth = () => ({ authorization: `Bearer ${token}` });
  beforeAll(async () => {
    emu = await startEmulator({ projects: ['proj-a', 'proj-b'], tokenTtlSeconds: 1800 });
    token = (await jwtClient(emu).getAccessToken()).token!;
  });
  afterAll(() => emu.close());
  afterEach(() => emu.reset());

  test('the service account looks like a Google key file', () => {
    const sa = emu.serviceAccount;
    expect(sa).toMatchObject({ type: 'service_account', project_id: 'proj-a', token_uri: `${emu.url}/token` });
    expect(emu.tokenUri).toBe(`${emu.url}/token`);
    expect(sa.private_key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(sa.client_email).toMatch(/@proj-a\.iam\.gserviceaccount\.com$/);
  });

  test('google-auth-library gets a token with the JWT-bearer grant, then calls the Vertex route', async () => {
    const client = jwtClient(emu);
    const res = await client.request<{ candidates: unknown[]; modelVersion: string }>({
      url: vertexUrl(emu, 'proj-a', 'us-central1'),
      method: 'POST',
      data: textRequest('a lighthouse', { imageSize: '1K', aspectRatio: '16:9' }),
    });
    expect(res.status).toBe(200);
    expect(await dimensions(imagesOf(res.data).final!.bytes)).toMatchObject({ width: 1376, height: 768, format: 'png' });

    const [tokenCall, call] = emu.requests;
    expect(tokenCall).toMatchObject({ kind: 'token', method: 'POST', path: '/token', status: 200 });
    expect((tokenCall!.body as Record<string, string>).grant_type).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
    expect(call).toMatchObject({ kind: 'vertex', project: 'proj-a', location: 'us-central1', model: 'gemini-3-pro-image-preview', status: 200 });
    expect(call!.headers.authorization).toMatch(/^Bearer ya29\./);
  });

  test('the token answer carries expires_in = tokenTtlSeconds', async () => {
    const res = await tokenResponse(emu);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ access_token: expect.stringMatching(/^ya29\./), expires_in: 1800, token_type: 'Bearer' });
  });

  test.each([
    ['a foreign key', {}, 'foreign', 'Invalid JWT Signature.'],
    ['another issuer', { iss: 'someone@else.iam.gserviceaccount.com' }, 'own', 'account not found'],
    ['another audience', { aud: 'https://example.com/token' }, 'own', 'audience'],
    ['an expired assertion', { iat: 1_000_000, exp: 1_003_600 }, 'own', 'short-lived'],
  ])('%s → 400 invalid_grant', async (_name, override, signer, description) => {
    const sa = emu.serviceAccount;
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: sa.client_email, aud: sa.token_uri, scope: 'cloud-platform', iat: now, exp: now + 3600, ...override };
    const foreign = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const assertion = signJwt(claims, signer === 'own' ? sa.private_key : foreign());
    const res = await fetch(emu.tokenUri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; error_description: string };
    expect(body.error).toBe('invalid_grant');
    expect(body.error_description).toContain(description);
  });

  test('a missing, unknown or expired bearer token → 401 UNAUTHENTICATED', async () => {
    const none = await post(vertexUrl(emu, 'proj-a'), textRequest('x'));
    expect(none.status).toBe(401);
    expect(none.json.error.status).toBe('UNAUTHENTICATED');
    const unknown = await post(vertexUrl(emu, 'proj-a'), textRequest('x'), { authorization: 'Bearer ya29.made-up' });
    expect(unknown.status).toBe(401);

    const shortLived = await startEmulator({ tokenTtlSeconds: 1 });
    try {
      const shortToken = (await jwtClient(shortLived).getAccessToken()).token!;
      await new Promise((r) => setTimeout(r, 1100));
      const expired = await post(vertexUrl(shortLived), textRequest('x'), { authorization: `Bearer ${shortToken}` });
      expect(expired.status).toBe(401);
    } finally {
      await shortLived.close();
    }
  });

  test('an unknown project → 403 PERMISSION_DENIED', async () => {
    const res = await post(vertexUrl(emu, 'proj-z'), textRequest('x'), auth());
    expect(res.status).toBe(403);
    expect(res.json.error.message).toContain("Permission 'aiplatform.endpoints.predict' denied");
  });

  test('imageOutputOptions image/jpeg → JPEG bytes, declared image/jpeg', async () => {
    const res = await post(vertexUrl(emu, 'proj-b'), textRequest('a jpeg', { imageSize: '1K', aspectRatio: '3:2', imageOutputOptions: { mimeType: 'image/jpeg' } }), auth());
    expect(res.status).toBe(200);
    const { final, thoughts } = imagesOf(res.json);
    expect(final!.mimeType).toBe('image/jpeg');
    expect(final!.bytes.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect(await dimensions(final!.bytes)).toEqual({ width: 1264, height: 848, format: 'jpeg' });
    expect(thoughts).toHaveLength(2);
    expect(typeof res.json.createTime).toBe('string');
  });

  test('an unsupported output mimeType → 400', async () => {
    const res = await post(vertexUrl(emu, 'proj-a'), textRequest('x', { imageOutputOptions: { mimeType: 'image/webp' } }), auth());
    expect(res.status).toBe(400);
  });

  test('an inline image over 7 MB → 400; at 7 MB it passes the size check', async () => {
    const png = Buffer.from(await imageBase64(64, 64), 'base64');
    // A real PNG padded past the limit: the size check must not depend on the content.
    const over = Buffer.concat([png, Buffer.alloc(7 * 1024 * 1024 + 1 - png.length)]).toString('base64');
    const res = await post(
      vertexUrl(emu, 'proj-a'),
      { contents: [{ parts: [{ text: 'x' }, { inlineData: { mimeType: 'image/png', data: over } }] }], generationConfig: { imageConfig: { aspectRatio: '1:1' } } },
      auth(),
    );
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain('7 MB');

    const atLimit = Buffer.concat([png, Buffer.alloc(7 * 1024 * 1024 - png.length)]).toString('base64');
    const ok = await post(
      vertexUrl(emu, 'proj-a'),
      { contents: [{ parts: [{ text: 'x' }, { inlineData: { mimeType: 'image/png', data: atLimit } }] }] },
      auth(),
    );
    expect(ok.status).toBe(200);
  });

  test('Vertex takes bodies over 20 MB (its limit is per image)', async () => {
    const img = Buffer.concat([Buffer.from(await imageBase64(64, 64), 'base64'), Buffer.alloc(6 * 1024 * 1024)]).toString('base64');
    const parts = [{ text: 'x' }, ...Array.from({ length: 3 }, () => ({ inlineData: { mimeType: 'image/png', data: img } }))];
    const res = await post(vertexUrl(emu, 'proj-a'), { contents: [{ parts }] }, auth());
    expect(res.status).toBe(200);
  });
});
