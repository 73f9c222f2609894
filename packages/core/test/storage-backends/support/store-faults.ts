import type { FaultProxy, ProxyFault, RequestMatch } from './fault-proxy.js';

/** An S3 error answer, as S3 words it (XML). */
export function s3Fault(status: 500 | 503): ProxyFault {
  const [code, message] = status === 503 ? ['SlowDown', 'Please reduce your request rate.'] : ['InternalError', 'We encountered an internal error. Please try again.'];
  return { type: 'status', status, contentType: 'application/xml', body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>` };
}

/** A Cloud Storage JSON API error answer. */
export function gcsFault(status: 500 | 503): ProxyFault {
  const message = status === 503 ? 'Service Unavailable' : 'Internal Error';
  return {
    type: 'status',
    status,
    contentType: 'application/json; charset=UTF-8',
    body: JSON.stringify({ error: { code: status, message, errors: [{ message, domain: 'global', reason: status === 503 ? 'backendError' : 'internalError' }] } }),
  };
}

/** Requests that upload bytes: S3 PutObject/UploadPart, GCS resumable-session PUTs with a body. */
export const uploadsBytes: RequestMatch = ({ method, url, headers }) =>
  method === 'PUT' && (url.searchParams.has('upload_id') ? !/^bytes \*\//.test(String(headers['content-range'] ?? '')) : true);

/** Polls `check` until it holds, failing after `timeoutMs` (generous: cleanup runs in the background). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Waits until the store has answered `count` object deletes (the cleanup a failed put runs in the
 * background), so that no request of a test outlives it.
 */
export function deletesAnswered(proxy: FaultProxy, count = 1): Promise<void> {
  return eventually(() => proxy.requests.filter((r) => r.method === 'DELETE' && !r.url.includes('uploadId=') && r.status > 0).length >= count);
}
