import { createPublicKey, type KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { CredentialAuthority } from '../credentials.js';
import type { PlannedAnswer } from '../google-errors.js';
import { gcsJson, gcsJsonError, gcsXmlError, mediaHeaders, objectResource } from './gcs-answers.js';
import type { GcsObject, GcsStore } from './gcs-store.js';
import { isSignedUrl, verifySignedUrl } from './signed-url.js';

/** An answer to a read; HEAD answers carry the body's length but not its bytes. */
export type ReadAnswer = PlannedAnswer & { headOnly?: boolean };

const noSuchObject = (bucket: string, name: string): PlannedAnswer => gcsJsonError(404, 'notFound', `No such object: ${bucket}/${name}`);

function media(object: GcsObject): PlannedAnswer {
  return { status: 200, headers: mediaHeaders(object), chunks: [object.bytes] };
}

/** `GET /storage/v1/b/{bucket}`: the bucket resource. */
export function getBucket(store: GcsStore, bucket: string, origin: string): PlannedAnswer {
  if (!store.hasBucket(bucket)) return gcsJsonError(404, 'notFound', 'The specified bucket does not exist.');
  return gcsJson(200, { kind: 'storage#bucket', id: bucket, selfLink: `${origin}/storage/v1/b/${bucket}`, name: bucket, location: 'US', storageClass: 'STANDARD' });
}

/** `GET|DELETE /storage/v1/b/{bucket}/o/{object}` and `GET /download/...`: metadata, bytes (`alt=media`) or removal. */
export function objectCall(store: GcsStore, method: string, bucket: string, name: string, query: URLSearchParams, origin: string, download: boolean): PlannedAnswer {
  if (!store.hasBucket(bucket)) return gcsJsonError(404, 'notFound', 'The specified bucket does not exist.');
  if (method === 'DELETE') return store.delete(bucket, name) ? { status: 204, headers: {}, chunks: [] } : noSuchObject(bucket, name);
  const object = store.object(bucket, name);
  if (!object) return noSuchObject(bucket, name);
  const generation = query.get('generation');
  if (generation !== null && generation !== object.generation) return noSuchObject(bucket, name);
  return download || query.get('alt') === 'media' ? media(object) : gcsJson(200, objectResource(object, origin));
}

/**
 * `GET|HEAD /{bucket}/{object}`, the XML API path that public and signed URLs use. Allowed with a valid
 * V4 signature, a bearer token the emulator issued, or anonymously on a public bucket; otherwise 403,
 * without telling whether the object exists.
 */
export function xmlRead(store: GcsStore, authority: CredentialAuthority, req: IncomingMessage, bucket: string, name: string, url: URL): ReadAnswer {
  const query = url.searchParams;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
  if (isSignedUrl(query)) {
    const rawPath = (req.url ?? '/').split('?')[0]!;
    const check = verifySignedUrl({ method: req.method ?? 'GET', rawPath, query, headers: req.headers, now: new Date() }, (email) => signerKey(authority, email));
    if (!check.ok) return gcsXmlError(check.status, check.code, check.message, check.details);
  } else if (!(bearer !== undefined && authority.isValidBearer(bearer)) && !store.isPublic(bucket)) {
    return gcsXmlError(
      403,
      'AccessDenied',
      'Access denied.',
      `Anonymous caller does not have storage.objects.get access to the Google Cloud Storage object. Permission 'storage.objects.get' denied on resource (or it may not exist).`,
    );
  }
  const object = store.object(bucket, name);
  if (!object) return gcsXmlError(404, 'NoSuchKey', 'The specified key does not exist.');
  return { ...media(object), headOnly: req.method === 'HEAD' };
}

const keys = new WeakMap<CredentialAuthority, KeyObject>();

/** The public key of the emulator's service account, the only signer it knows. */
function signerKey(authority: CredentialAuthority, email: string): KeyObject | undefined {
  if (email !== authority.serviceAccount.client_email) return undefined;
  let key = keys.get(authority);
  if (!key) {
    key = createPublicKey(authority.serviceAccount.private_key);
    keys.set(authority, key);
  }
  return key;
}
