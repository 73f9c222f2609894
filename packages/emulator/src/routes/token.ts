import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorContext } from '../context.js';
import { InvalidGrantError } from '../credentials.js';
import { deliver } from '../http/deliver.js';
import { parseForm, readBody } from '../http/read-body.js';
import type { RecordedRequest } from '../recorded-request.js';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const TOKEN_BODY_LIMIT = 1024 * 1024;

/** `POST /token`: Google's OAuth 2.0 JWT-bearer grant, as google-auth-library uses it for service accounts. */
export async function handleToken(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse, record: RecordedRequest): Promise<void> {
  let body;
  try {
    body = await readBody(req, TOKEN_BODY_LIMIT);
  } catch {
    return; // client went away
  }
  const form = body.bytes ? parseForm(body.bytes, req.headers['content-type']) : {};
  record.body = form;
  if (form.grant_type !== JWT_BEARER) {
    const description = form.grant_type ? `Invalid grant_type: ${form.grant_type}` : 'Missing required parameter: grant_type';
    return oauthError(res, record, form.grant_type ? 'unsupported_grant_type' : 'invalid_request', description);
  }
  if (!form.assertion) return oauthError(res, record, 'invalid_request', 'Missing required parameter: assertion');
  try {
    const grant = ctx.authority.grant(form.assertion);
    deliver(res, record, { status: 200, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, chunks: [JSON.stringify(grant)] });
  } catch (error) {
    if (!(error instanceof InvalidGrantError)) throw error;
    oauthError(res, record, error.error, error.message);
  }
}

function oauthError(res: ServerResponse, record: RecordedRequest, error: string, description: string): void {
  deliver(res, record, {
    status: 400,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    chunks: [JSON.stringify({ error, error_description: description })],
  });
}
