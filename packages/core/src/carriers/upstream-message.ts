/** Longest upstream message passed on to the caller. */
const MAX_LENGTH = 500;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * An upstream's error message made fit to show the caller (a 400 explains what was wrong with the
 * request), or undefined when there is none. Removed: the credentials this call sent (`secrets`,
 * the values of its auth headers: an upstream may echo a key it refused, and a key of any shape
 * must not reach a caller), anything shaped like a Google key, OAuth token or bearer credential,
 * URLs, IP addresses and `host:port` pairs (the upstream's internal addresses), and project ids.
 */
export function upstreamMessage(message: unknown, secrets: readonly string[] = []): string | undefined {
  if (typeof message !== 'string' || message === '') return undefined;
  let text = message;
  for (const secret of secrets.flatMap((s) => [s, s.replace(/^Bearer\s+/i, '')])) {
    // Too short to be a credential: replacing it would garble ordinary words.
    if (secret.length < 8) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) text = text.replace(new RegExp(escapeRegExp(form), 'g'), '[key]');
  }
  return text
    .replace(/https?:\/\/\S+/g, '[url]')
    .replace(/Bearer\s+\S+/gi, 'Bearer [key]')
    .replace(/\b(?:AIza|sk-|sk_)[0-9A-Za-z._-]{8,}/g, '[key]')
    .replace(/\bya29\.[0-9A-Za-z._-]+/g, '[token]')
    .replace(/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?\b/g, '[address]')
    // A host name has a letter (so "2.39:1", a film ratio, is left alone).
    .replace(/\b(?:localhost|(?=[a-z0-9.-]*[a-z])[a-z0-9-]+(?:\.[a-z0-9-]+)+):\d{1,5}\b/gi, '[address]')
    .replace(/projects\/[^/\s]+/g, 'projects/[project]')
    .slice(0, MAX_LENGTH);
}
