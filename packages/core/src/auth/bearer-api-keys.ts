import { createHash, timingSafeEqual } from 'node:crypto';
import { RelayError } from '../contract/errors.js';
import type { Authorize } from './authorize.js';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * An {@link Authorize} for static Bearer API keys. `keys` maps each key to its principal (or is a
 * list, when the key's position is enough: principals `key-0`, `key-1`...). Keys are compared in
 * constant time (over fixed-length digests, so neither content nor length leaks through timing).
 *
 * @example createRelay({ ..., authorize: bearerApiKeys({ [process.env.ACME_KEY!]: 'acme' }) })
 */
export function bearerApiKeys(keys: Record<string, string> | string[]): Authorize {
  const entries = (Array.isArray(keys) ? keys.map((k, i) => [k, `key-${i}`] as const) : Object.entries(keys)).map(
    ([key, principal]) => ({ hash: digest(key), principal }),
  );
  if (entries.length === 0) throw new TypeError('bearerApiKeys: at least one key is required');
  return (request) => {
    const header = request.headers.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) {
      throw new RelayError(401, "Missing API key: send 'Authorization: Bearer <key>'.", { code: 'missing_api_key' });
    }
    const given = digest(match[1]);
    // Check every entry so the time taken does not depend on which key matched.
    let principal: string | undefined;
    for (const entry of entries) {
      if (timingSafeEqual(entry.hash, given)) principal ??= entry.principal;
    }
    if (principal === undefined) throw new RelayError(401, 'Incorrect API key provided.', { code: 'invalid_api_key' });
    return principal;
  };
}
