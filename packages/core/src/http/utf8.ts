// `fatal`: bytes that are not UTF-8 throw instead of becoming U+FFFD; a leading byte-order mark is dropped.
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The UTF-8 text of `bytes`, or undefined when they are not UTF-8 (never a silent U+FFFD). */
export function strictUtf8(bytes: Uint8Array): string | undefined {
  try {
    return UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}
