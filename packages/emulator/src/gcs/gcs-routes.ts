import type { GcsStore } from './gcs-store.js';

/** What a Cloud Storage request addresses. */
export type GcsRoute =
  /** `POST /upload/storage/v1/b/{bucket}/o?uploadType=resumable|multipart|media` */
  | { op: 'insert'; bucket: string }
  /** `PUT /upload/storage/v1/b/{bucket}/o?upload_id=...`: bytes of a resumable upload, or its status query. */
  | { op: 'resume'; bucket: string; uploadId: string }
  /** `GET /storage/v1/b/{bucket}` */
  | { op: 'bucket'; bucket: string }
  /** `GET|DELETE /storage/v1/b/{bucket}/o/{object}` (`?alt=media` for the bytes) */
  | { op: 'object'; bucket: string; object: string }
  /** `GET /download/storage/v1/b/{bucket}/o/{object}?alt=media` */
  | { op: 'download'; bucket: string; object: string }
  /** `GET|HEAD /{bucket}/{object}`: the XML API path of public and signed URLs. */
  | { op: 'xml'; bucket: string; object: string }
  | { op: 'unknown' };

const JSON_API_PREFIXES = ['/storage/v1/', '/upload/storage/v1/', '/download/storage/v1/'];
const UPLOAD = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/;
const BUCKET = /^\/storage\/v1\/b\/([^/]+)$/;
const OBJECT = /^\/(download\/)?storage\/v1\/b\/([^/]+)\/o\/(.+)$/;
const XML = /^\/([^/]+)\/(.+)$/;

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Whether a path belongs to the Cloud Storage JSON API (uploads, metadata, media). */
export function isGcsJsonApiPath(path: string): boolean {
  return JSON_API_PREFIXES.some((prefix) => path.startsWith(prefix));
}

/** Whether a request is an XML API object read (`GET|HEAD /{bucket}/{object}`) on a bucket the emulator holds. */
export function isGcsXmlRequest(store: GcsStore, method: string | undefined, path: string): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  const bucket = XML.exec(path)?.[1];
  return bucket !== undefined && store.hasBucket(decode(bucket) ?? '');
}

/** Maps a method, path and query to a Cloud Storage route. */
export function matchGcsRoute(method: string, path: string, query: URLSearchParams): GcsRoute {
  const upload = UPLOAD.exec(path);
  if (upload) {
    const bucket = decode(upload[1]!);
    if (bucket === undefined) return { op: 'unknown' };
    if (method === 'POST') return { op: 'insert', bucket };
    const uploadId = query.get('upload_id');
    if (method === 'PUT' && uploadId) return { op: 'resume', bucket, uploadId };
    return { op: 'unknown' };
  }
  const bucket = BUCKET.exec(path);
  if (bucket && method === 'GET') return decode(bucket[1]!) === undefined ? { op: 'unknown' } : { op: 'bucket', bucket: decode(bucket[1]!)! };
  const object = OBJECT.exec(path);
  if (object) {
    const [b, o] = [decode(object[2]!), decode(object[3]!)];
    if (b === undefined || o === undefined) return { op: 'unknown' };
    if (object[1]) return method === 'GET' ? { op: 'download', bucket: b, object: o } : { op: 'unknown' };
    return method === 'GET' || method === 'DELETE' ? { op: 'object', bucket: b, object: o } : { op: 'unknown' };
  }
  const xml = XML.exec(path);
  if (xml && (method === 'GET' || method === 'HEAD')) {
    const [b, o] = [decode(xml[1]!), decode(xml[2]!)];
    if (b !== undefined && o !== undefined) return { op: 'xml', bucket: b, object: o };
  }
  return { op: 'unknown' };
}
