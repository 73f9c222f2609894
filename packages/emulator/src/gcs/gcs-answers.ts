import type { PlannedAnswer } from '../google-errors.js';
import type { GcsObject } from './gcs-store.js';

/** A Cloud Storage JSON API error: `{"error":{"code","message","errors":[{"message","domain","reason"}]}}`. */
export function gcsJsonError(status: number, reason: string, message: string): PlannedAnswer {
  const body = JSON.stringify({ error: { code: status, message, errors: [{ message, domain: 'global', reason }] } });
  return { status, headers: { 'content-type': 'application/json; charset=UTF-8' }, chunks: [body] };
}

const escapeXml = (text: string): string => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** A Cloud Storage XML API error: `<Error><Code>..</Code><Message>..</Message>[<Details>..</Details>]</Error>`. */
export function gcsXmlError(status: number, code: string, message: string, details?: string): PlannedAnswer {
  const body =
    `<?xml version='1.0' encoding='UTF-8'?><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message>` +
    `${details === undefined ? '' : `<Details>${escapeXml(details)}</Details>`}</Error>`;
  return { status, headers: { 'content-type': 'application/xml; charset=UTF-8' }, chunks: [body] };
}

/** A JSON answer. */
export function gcsJson(status: number, value: unknown, headers: Record<string, string> = {}): PlannedAnswer {
  return { status, headers: { 'content-type': 'application/json; charset=UTF-8', ...headers }, chunks: [JSON.stringify(value)] };
}

/** The JSON API resource of an object (`storage#object`), with links on `origin`. */
export function objectResource(object: GcsObject, origin: string): Record<string, unknown> {
  const encoded = encodeURIComponent(object.name);
  const time = object.created.toISOString();
  return {
    kind: 'storage#object',
    id: `${object.bucket}/${object.name}/${object.generation}`,
    selfLink: `${origin}/storage/v1/b/${object.bucket}/o/${encoded}`,
    mediaLink: `${origin}/download/storage/v1/b/${object.bucket}/o/${encoded}?generation=${object.generation}&alt=media`,
    name: object.name,
    bucket: object.bucket,
    generation: object.generation,
    metageneration: '1',
    contentType: object.contentType,
    storageClass: 'STANDARD',
    size: String(object.bytes.length),
    md5Hash: object.md5Hash,
    crc32c: object.crc32c,
    etag: etagOf(object),
    timeCreated: time,
    updated: time,
    timeStorageClassUpdated: time,
    ...(object.cacheControl === undefined ? {} : { cacheControl: object.cacheControl }),
    ...(Object.keys(object.metadata).length === 0 ? {} : { metadata: object.metadata }),
  };
}

/** An object's entity tag (its generation, as GCS derives it). */
export function etagOf(object: GcsObject): string {
  return Buffer.from(`gen-${object.generation}`).toString('base64');
}

/** The headers GCS sends with an object's bytes (media download or XML API GET). */
export function mediaHeaders(object: GcsObject): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': object.contentType,
    etag: `"${Buffer.from(object.md5Hash, 'base64').toString('hex')}"`,
    'last-modified': object.created.toUTCString(),
    'x-goog-generation': object.generation,
    'x-goog-metageneration': '1',
    'x-goog-stored-content-length': String(object.bytes.length),
    'x-goog-stored-content-encoding': 'identity',
    'x-goog-storage-class': 'STANDARD',
    'x-goog-hash': `crc32c=${object.crc32c},md5=${object.md5Hash}`,
  };
  if (object.cacheControl !== undefined) headers['cache-control'] = object.cacheControl;
  for (const [key, value] of Object.entries(object.metadata)) headers[`x-goog-meta-${key.toLowerCase()}`] = value;
  return headers;
}
