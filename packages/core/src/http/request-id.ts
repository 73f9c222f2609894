import { randomUUID } from 'node:crypto';

/** Honours a sane `x-request-id` from the caller (proxies set one) or makes a new one. */
export function requestIdOf(request: Request): string {
  const given = request.headers.get('x-request-id');
  return given && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
}
