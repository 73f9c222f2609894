import { randomUUID } from 'node:crypto';
import type { HeaderLookup } from './incoming.js';

/** Honours a sane `x-request-id` from the caller (proxies set one) or makes a new one. */
export function requestIdOf(headers: HeaderLookup): string {
  const given = headers.get('x-request-id');
  return given && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
}
