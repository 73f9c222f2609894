import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CredentialAuthority } from '../credentials.js';
import { deliver } from '../http/deliver.js';
import type { RecordedRequest } from '../recorded-request.js';
import { gcsJsonError, gcsXmlError } from './gcs-answers.js';
import { getBucket, objectCall, xmlRead, type ReadAnswer } from './gcs-reads.js';
import { isGcsJsonApiPath, matchGcsRoute } from './gcs-routes.js';
import type { GcsStore } from './gcs-store.js';
import { handleInsert, handleResume, type UploadCall } from './gcs-uploads.js';

/**
 * Answers one Cloud Storage request (JSON API uploads and object calls, XML API reads).
 * Credentials are optional, as `@google-cloud/storage` sends none to a non-Google endpoint; a bearer
 * token that is sent must be one the emulator's token endpoint issued.
 */
export async function handleGcs(store: GcsStore, authority: CredentialAuthority, req: IncomingMessage, res: ServerResponse, record: RecordedRequest, url: URL): Promise<void> {
  record.kind = 'gcs';
  const method = req.method ?? 'GET';
  const route = matchGcsRoute(method, url.pathname, url.searchParams);
  const origin = `http://${req.headers.host ?? '127.0.0.1'}`;
  const authorization = req.headers.authorization;
  if (authorization !== undefined && route.op !== 'xml') {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
    if (bearer === undefined || !authority.isValidBearer(bearer)) {
      req.resume();
      deliver(res, record, gcsJsonError(401, 'authError', 'Invalid Credentials'));
      return;
    }
  }
  const call: UploadCall = { store, req, record, query: url.searchParams, origin };
  let answer: ReadAnswer;
  switch (route.op) {
    case 'insert':
      answer = await handleInsert(call, route.bucket);
      break;
    case 'resume':
      answer = await handleResume(call, route.bucket, route.uploadId);
      break;
    case 'bucket':
      req.resume();
      answer = getBucket(store, route.bucket, origin);
      break;
    case 'object':
    case 'download':
      req.resume();
      answer = objectCall(store, method, route.bucket, route.object, url.searchParams, origin, route.op === 'download');
      break;
    case 'xml':
      req.resume();
      answer = xmlRead(store, authority, req, route.bucket, route.object, url);
      break;
    default:
      req.resume();
      answer = isGcsJsonApiPath(url.pathname)
        ? gcsJsonError(404, 'notFound', `The requested URL ${url.pathname} was not found on this server.`)
        : gcsXmlError(404, 'NoSuchKey', 'The specified key does not exist.');
  }
  if (answer.headOnly) {
    if (res.destroyed || res.headersSent) return;
    const length = answer.chunks.reduce((n, c) => n + (typeof c === 'string' ? Buffer.byteLength(c) : c.length), 0);
    record.status = answer.status;
    res.writeHead(answer.status, { ...answer.headers, 'content-length': String(length) });
    res.end();
    return;
  }
  deliver(res, record, answer);
}
