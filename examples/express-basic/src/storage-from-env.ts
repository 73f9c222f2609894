import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { localDiskStorage, type Storage } from '@banana-relay/core';

/** The storage the example archives to, and where that is (for the startup log). */
export interface ConfiguredStorage {
  storage: Storage;
  where: string;
}

function required(env: NodeJS.ProcessEnv, name: string, backend: string): string {
  const value = env[name];
  if (!value) throw new Error(`STORAGE=${backend} needs ${name}`);
  return value;
}

function signedTtl(env: NodeJS.ProcessEnv): { signedUrlTtlSeconds: number } | Record<string, never> {
  const raw = env.SIGNED_URL_TTL_SECONDS;
  if (!raw) return {};
  const seconds = Number(raw);
  if (!Number.isInteger(seconds)) throw new Error('SIGNED_URL_TTL_SECONDS must be a whole number of seconds');
  return { signedUrlTtlSeconds: seconds };
}

/**
 * Picks the storage from the environment (`STORAGE=local|gcs|s3`, default `local`):
 *
 * - `local`: files under `ARTIFACT_DIR` (default `.artifacts`), served by the app at `PUBLIC_BASE_URL`
 *   (default `origin`).
 * - `gcs`: `GCS_BUCKET`, optional `GCS_PREFIX` and `GCS_API_ENDPOINT`; credentials from
 *   `GOOGLE_APPLICATION_CREDENTIALS` or Application Default Credentials.
 * - `s3`: `S3_BUCKET`, `S3_REGION`, optional `S3_ENDPOINT`, `S3_FORCE_PATH_STYLE=true`, `S3_PREFIX`;
 *   credentials from the AWS SDK's default chain (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, profiles, roles).
 *
 * For `gcs` and `s3`, URLs are signed when `SIGNED_URL_TTL_SECONDS` is set (private bucket), else public:
 * `PUBLIC_BASE_URL` (a CDN), or the bucket's own address. The object-store SDKs are loaded only when chosen.
 */
export async function storageFromEnv(env: NodeJS.ProcessEnv, defaults: { origin: string }): Promise<ConfiguredStorage> {
  const backend = env.STORAGE ?? 'local';
  const publicBaseUrl = env.PUBLIC_BASE_URL ? { publicBaseUrl: env.PUBLIC_BASE_URL } : {};
  switch (backend) {
    case 'local': {
      const dir = resolve(env.ARTIFACT_DIR ?? '.artifacts');
      mkdirSync(dir, { recursive: true });
      return { storage: localDiskStorage({ dir, publicBaseUrl: env.PUBLIC_BASE_URL ?? defaults.origin }), where: dir };
    }
    case 'gcs': {
      const { gcsStorage } = await import('@banana-relay/core/gcs');
      const bucket = required(env, 'GCS_BUCKET', backend);
      const storage = gcsStorage({
        bucket,
        ...(env.GCS_PREFIX ? { prefix: env.GCS_PREFIX } : {}),
        ...(env.GCS_API_ENDPOINT ? { apiEndpoint: env.GCS_API_ENDPOINT } : {}),
        ...(env.GOOGLE_APPLICATION_CREDENTIALS ? { keyFile: env.GOOGLE_APPLICATION_CREDENTIALS } : {}),
        ...publicBaseUrl,
        ...signedTtl(env),
      });
      return { storage, where: `gs://${bucket}/${env.GCS_PREFIX ?? ''}` };
    }
    case 's3': {
      const { s3Storage } = await import('@banana-relay/core/s3');
      const bucket = required(env, 'S3_BUCKET', backend);
      const storage = s3Storage({
        bucket,
        region: required(env, 'S3_REGION', backend),
        ...(env.S3_ENDPOINT ? { endpoint: env.S3_ENDPOINT } : {}),
        ...(env.S3_FORCE_PATH_STYLE === 'true' ? { forcePathStyle: true } : {}),
        ...(env.S3_PREFIX ? { prefix: env.S3_PREFIX } : {}),
        ...publicBaseUrl,
        ...signedTtl(env),
      });
      return { storage, where: `s3://${bucket}/${env.S3_PREFIX ?? ''}` };
    }
    default:
      throw new Error(`STORAGE must be local, gcs or s3 (got ${JSON.stringify(backend)})`);
  }
}
