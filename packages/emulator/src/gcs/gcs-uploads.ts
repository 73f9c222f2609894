import type { IncomingMessage } from 'node:http';
import type { PlannedAnswer } from '../google-errors.js';
import { readBody } from '../http/read-body.js';
import type { RecordedRequest } from '../recorded-request.js';
import { gcsJson, gcsJsonError, objectResource } from './gcs-answers.js';
import { GcsRefusal, type GcsStore, type ObjectFields, type UploadSession } from './gcs-store.js';
import { boundaryOf, parseMultipart } from './multipart-related.js';

/** Largest request body kept; past it the upload is refused (the emulator holds objects in memory). */
export const MAX_UPLOAD_BYTES = 256 * 1024 * 1024;

/** Where the answer's links point, and what the route was called with. */
export interface UploadCall {
  store: GcsStore;
  req: IncomingMessage;
  record: RecordedRequest;
  query: URLSearchParams;
  /** `http://host:port` as the client addressed the emulator. */
  origin: string;
}

function refusalAnswer(error: unknown): PlannedAnswer {
  if (error instanceof GcsRefusal) return gcsJsonError(error.status, error.reason, error.message);
  throw error;
}

function fieldsOf(value: unknown): ObjectFields & { name?: string } {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const str = (k: string): string | undefined => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const metadata = typeof v.metadata === 'object' && v.metadata !== null ? (v.metadata as Record<string, unknown>) : undefined;
  const fields: ObjectFields & { name?: string } = {};
  for (const key of ['name', 'contentType', 'cacheControl', 'crc32c', 'md5Hash'] as const) {
    const value = str(key);
    if (value !== undefined) fields[key] = value;
  }
  if (metadata) fields.metadata = Object.fromEntries(Object.entries(metadata).map(([k, val]) => [k, String(val)]));
  return fields;
}

function parseJson(bytes: Buffer | undefined): unknown {
  if (!bytes || bytes.length === 0) return {};
  return JSON.parse(bytes.toString('utf8')) as unknown;
}

/** The checksums of an `X-Goog-Hash: crc32c=...,md5=...` header. */
function declaredHashes(header: string | string[] | undefined): { crc32c?: string; md5?: string } {
  const out: { crc32c?: string; md5?: string } = {};
  for (const item of (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',')) {
    const eq = item.indexOf('=');
    const kind = item.slice(0, eq).trim().toLowerCase();
    if (kind === 'crc32c' || kind === 'md5') out[kind] = item.slice(eq + 1).trim();
  }
  return out;
}

async function body(call: UploadCall): Promise<Buffer | PlannedAnswer> {
  const read = await readBody(call.req, MAX_UPLOAD_BYTES);
  return read.bytes ?? gcsJsonError(413, 'uploadTooLarge', `The emulator keeps uploads up to ${MAX_UPLOAD_BYTES} bytes.`);
}

/** `POST /upload/storage/v1/b/{bucket}/o`: starts a resumable upload, or stores a multipart or media upload. */
export async function handleInsert(call: UploadCall, bucket: string): Promise<PlannedAnswer> {
  const { store, req, query, record } = call;
  const uploadType = query.get('uploadType');
  const ifGenerationMatch = query.get('ifGenerationMatch') ?? undefined;
  const bytes = await body(call);
  if (!Buffer.isBuffer(bytes)) return bytes;
  try {
    if (uploadType === 'resumable') {
      let fields: ReturnType<typeof fieldsOf>;
      try {
        fields = fieldsOf(parseJson(bytes));
      } catch {
        return gcsJsonError(400, 'parseError', 'Parse Error');
      }
      record.body = fields;
      const contentType = req.headers['x-upload-content-type'];
      if (typeof contentType === 'string') fields.contentType = contentType;
      const name = query.get('name') ?? fields.name ?? '';
      const session = store.openSession(bucket, name, fields, ifGenerationMatch);
      const location = `${call.origin}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${session.id}`;
      return { status: 200, headers: { location, 'x-guploader-uploadid': session.id }, chunks: [] };
    }
    if (uploadType === 'multipart') {
      const boundary = boundaryOf(req.headers['content-type']);
      const parts = boundary === undefined ? undefined : parseMultipart(bytes, boundary);
      if (!parts || parts.length !== 2) return gcsJsonError(400, 'invalid', 'Multipart upload must have exactly two parts: the metadata and the media.');
      let fields: ReturnType<typeof fieldsOf>;
      try {
        fields = fieldsOf(parseJson(parts[0]!.body));
      } catch {
        return gcsJsonError(400, 'parseError', 'Parse Error');
      }
      record.body = fields;
      fields.contentType ??= parts[1]!.headers['content-type'];
      const object = store.insert(bucket, query.get('name') ?? fields.name ?? '', Buffer.from(parts[1]!.body), fields, ifGenerationMatch);
      return gcsJson(200, objectResource(object, call.origin));
    }
    if (uploadType === 'media') {
      const contentType = req.headers['content-type'];
      const object = store.insert(bucket, query.get('name') ?? '', bytes, contentType ? { contentType } : {}, ifGenerationMatch);
      return gcsJson(200, objectResource(object, call.origin));
    }
    return gcsJsonError(400, 'invalid', `Invalid upload type: ${uploadType ?? '(none)'}.`);
  } catch (error) {
    return refusalAnswer(error);
  }
}

const RANGE = /^bytes (\d+)-(\d+|\*)\/(\d+|\*)$/;
const STATUS_QUERY = /^bytes \*\/(\d+|\*)$/;

function incomplete(session: UploadSession): PlannedAnswer {
  // 308 "Resume Incomplete" names the bytes persisted so far (none: no Range header).
  return { status: 308, headers: session.received > 0 ? { range: `bytes=0-${session.received - 1}` } : {}, chunks: [] };
}

function finalize(call: UploadCall, session: UploadSession, declared: { crc32c?: string; md5?: string }): PlannedAnswer {
  const bytes = Buffer.concat(session.chunks, session.received);
  const object = call.store.insert(session.bucket, session.name, bytes, session.fields, session.ifGenerationMatch, declared);
  session.object = object;
  session.chunks = [];
  return gcsJson(200, objectResource(object, call.origin));
}

/**
 * `PUT` on a resumable session URI. `Content-Range: bytes a-b/total` appends a chunk; `bytes a-*\/total`
 * streams the rest of the object in this request; `bytes *\/total` asks for (or, with the total, ends at)
 * the persisted offset. The object is stored once `total` bytes are in, with `X-Goog-Hash` verified;
 * until then the answer is 308 with the persisted `Range`. Bytes of a request cut short are not kept.
 */
export async function handleResume(call: UploadCall, bucket: string, uploadId: string): Promise<PlannedAnswer> {
  const session = call.store.session(uploadId);
  const bytes = await body(call);
  if (!Buffer.isBuffer(bytes)) return bytes;
  if (!session || session.bucket !== bucket) return gcsJsonError(404, 'notFound', 'No such upload session.');
  if (session.object) return gcsJson(200, objectResource(session.object, call.origin));
  const range = String(call.req.headers['content-range'] ?? '');
  const declared = declaredHashes(call.req.headers['x-goog-hash']);
  try {
    const status = STATUS_QUERY.exec(range);
    if (status) {
      if (status[1] !== '*' && Number(status[1]) === session.received) return finalize(call, session, declared);
      return incomplete(session);
    }
    const parsed = RANGE.exec(range);
    if (!parsed) return gcsJsonError(400, 'invalid', `Invalid Content-Range: ${range}`);
    const first = Number(parsed[1]);
    const [last, total] = [parsed[2]!, parsed[3]!];
    if (first > session.received) return gcsJsonError(400, 'invalid', `Invalid request. According to the Content-Range header, the upload offset is ${first} byte(s), which exceeds already uploaded size of ${session.received} byte(s).`);
    if (last !== '*' && Number(last) - first + 1 !== bytes.length) return gcsJsonError(400, 'invalid', 'The Content-Range does not match the number of bytes sent.');
    // A resent range may overlap what is already persisted; only the new tail is appended.
    const fresh = bytes.subarray(session.received - first);
    if (fresh.length > 0) {
      session.chunks.push(fresh);
      session.received += fresh.length;
    }
    if (total !== '*' && session.received > Number(total)) return gcsJsonError(400, 'invalid', 'More bytes were sent than the declared object size.');
    const complete = total === '*' ? last === '*' : session.received === Number(total);
    return complete ? finalize(call, session, declared) : incomplete(session);
  } catch (error) {
    return refusalAnswer(error);
  }
}
