import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '@banana-relay/emulator';
import { onlyLoopback, type LoopbackGuard } from '../../../packages/core/test/storage-backends/support/loopback-only.js';
import { startS3Server, type S3Server } from '../../../packages/core/test/storage-backends/support/s3-server.js';
import { storageFromEnv } from '../src/storage-from-env.js';

const ORIGIN = 'http://localhost:3000';
const KEY = 'task-artifacts/2026/03/30/sync-image/envtest-1.png';
const BODY = Buffer.from('not really a png');
const put = { contentType: 'image/png', metadata: { requestId: 'r', carrierId: 'c' } };

let guard: LoopbackGuard;
let dir: string;
beforeAll(async () => {
  guard = onlyLoopback();
  dir = await mkdtemp(join(tmpdir(), 'banana-relay-env-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  guard.restore();
  expect(guard.refused).toEqual([]);
});

describe('storageFromEnv', () => {
  test('default: local disk under ARTIFACT_DIR, served at the app origin', async () => {
    const { storage, where } = await storageFromEnv({ ARTIFACT_DIR: dir }, { origin: ORIGIN });
    const result = await storage.put(KEY, BODY, put);
    expect(where).toBe(dir);
    expect(result.url).toBe(`${ORIGIN}/${KEY}`);
    expect(await readFile(join(dir, ...KEY.split('/')))).toEqual(BODY);
  });

  test('STORAGE=s3 with an endpoint and path style (MinIO-like), public URLs', async () => {
    const s3: S3Server = await startS3Server(['env-bucket']);
    // The AWS SDK reads its credentials from the process environment.
    const credentials = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_EC2_METADATA_DISABLED: 'true' };
    const saved = Object.fromEntries(Object.keys(credentials).map((name) => [name, process.env[name]]));
    Object.assign(process.env, credentials);
    try {
      const env = { STORAGE: 's3', S3_BUCKET: 'env-bucket', S3_REGION: 'us-east-1', S3_ENDPOINT: s3.endpoint, S3_FORCE_PATH_STYLE: 'true' };
      const { storage, where } = await storageFromEnv(env, { origin: ORIGIN });
      const result = await storage.put(KEY, BODY, put);
      expect(where).toBe('s3://env-bucket/');
      expect(result.url).toBe(`${s3.endpoint}/env-bucket/${KEY}`);
      expect(Buffer.from(await (await fetch(result.url)).arrayBuffer())).toEqual(BODY);
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      await s3.close();
    }
  });

  test('STORAGE=gcs with a key file and SIGNED_URL_TTL_SECONDS answers signed URLs', async () => {
    const emu: Emulator = await startEmulator();
    try {
      emu.gcs.createBucket('env-bucket');
      const keyFile = join(dir, 'key.json');
      await writeFile(keyFile, JSON.stringify(emu.serviceAccount));
      const env = { STORAGE: 'gcs', GCS_BUCKET: 'env-bucket', GCS_API_ENDPOINT: emu.url, GOOGLE_APPLICATION_CREDENTIALS: keyFile, SIGNED_URL_TTL_SECONDS: '600', GCS_PREFIX: 'demo' };
      const { storage, where } = await storageFromEnv(env, { origin: ORIGIN });
      const result = await storage.put(KEY, BODY, put);
      expect(where).toBe('gs://env-bucket/demo');
      expect(new URL(result.url).searchParams.get('X-Goog-Expires')).toBe('600');
      const res = await fetch(result.url);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer())).toEqual(BODY);
      expect(emu.gcs.objectNames('env-bucket')).toEqual([`demo/${KEY}`]);
    } finally {
      await emu.close();
    }
  });

  test('a missing bucket or an unknown backend is a clear startup error', async () => {
    await expect(storageFromEnv({ STORAGE: 'gcs' }, { origin: ORIGIN })).rejects.toThrow('STORAGE=gcs needs GCS_BUCKET');
    await expect(storageFromEnv({ STORAGE: 's3', S3_BUCKET: 'b' }, { origin: ORIGIN })).rejects.toThrow('STORAGE=s3 needs S3_REGION');
    await expect(storageFromEnv({ STORAGE: 'ftp' }, { origin: ORIGIN })).rejects.toThrow('STORAGE must be local, gcs or s3');
    await expect(storageFromEnv({ STORAGE: 'gcs', GCS_BUCKET: 'b', SIGNED_URL_TTL_SECONDS: 'soon' }, { origin: ORIGIN })).rejects.toThrow('SIGNED_URL_TTL_SECONDS');
  });
});
