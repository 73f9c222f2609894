import { randomBytes } from 'node:crypto';

/** The file extension of an archived image. */
export type ArtifactExt = 'png' | 'jpg';

/** Options of {@link artifactKey}. */
export interface ArtifactKeyOptions {
  /** When the artifact was made; its UTC day names the folder. Defaults to now. */
  date?: Date;
  /** 1-based position of the image in its request's `data[]`. */
  index: number;
  ext: ArtifactExt;
  /** Leading folder(s) of every key. Defaults to `task-artifacts`. */
  prefix?: string;
  /** The request's id from {@link newArtifactId}, shared by all its images. Defaults to a fresh one. */
  id?: string;
}

/** Default leading folder of artifact keys (also the URL path the relay serves them under). */
export const DEFAULT_ARTIFACT_PREFIX = 'task-artifacts';

/** Longest key {@link isSafeKey} accepts; well under common PATH_MAX and object-store limits. */
export const MAX_KEY_LENGTH = 1024;
/** Longest single segment; NAME_MAX on common filesystems. */
const MAX_SEGMENT_LENGTH = 255;
const SEGMENT = /^[A-Za-z0-9._-]+$/;

// Lowercase RFC 4648 base32: ids must not collide on case-insensitive filesystems (macOS, Windows).
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/**
 * A new artifact id: the UTC time as `yyyyMMddHHmmssSSS` followed by 128 random bits in lowercase
 * base32 (26 chars). The randomness makes URLs unguessable; the timestamp keeps listings ordered.
 */
export function newArtifactId(date: Date = new Date()): string {
  const stamp =
    pad(date.getUTCFullYear(), 4) +
    pad(date.getUTCMonth() + 1, 2) +
    pad(date.getUTCDate(), 2) +
    pad(date.getUTCHours(), 2) +
    pad(date.getUTCMinutes(), 2) +
    pad(date.getUTCSeconds(), 2) +
    pad(date.getUTCMilliseconds(), 3);
  return stamp + base32(randomBytes(16));
}

/**
 * The storage key of one generated image:
 * `<prefix>/YYYY/MM/DD/sync-image/<id>-<index>.<ext>` (UTC date).
 * Pass the same `id` (and `date`) for every image of one request so they differ only by `-1`, `-2`...
 * @throws RangeError for a non-positive or non-integer index, an invalid date, or an unsafe prefix/id.
 */
export function artifactKey(options: ArtifactKeyOptions): string {
  const date = options.date ?? new Date();
  const prefix = options.prefix ?? DEFAULT_ARTIFACT_PREFIX;
  if (Number.isNaN(date.getTime())) throw new RangeError('artifactKey: invalid date');
  if (!Number.isSafeInteger(options.index) || options.index < 1) {
    throw new RangeError('artifactKey: index must be a positive integer');
  }
  if (!isSafeKey(prefix)) throw new RangeError('artifactKey: unsafe prefix');
  const id = options.id ?? newArtifactId(date);
  if (!isSafeKey(id) || id.includes('/')) throw new RangeError('artifactKey: unsafe id');
  const day = `${pad(date.getUTCFullYear(), 4)}/${pad(date.getUTCMonth() + 1, 2)}/${pad(date.getUTCDate(), 2)}`;
  return `${prefix}/${day}/sync-image/${id}-${options.index}.${options.ext}`;
}

/**
 * Whether `key` is a relative, already-decoded path made only of `[A-Za-z0-9._-]` segments, safe to
 * map onto a filesystem or URL. Refuses empty, `.`-leading (so `.`, `..` and hidden files),
 * over-long keys and anything containing `\`, NUL, `%` or other characters.
 */
export function isSafeKey(key: string): boolean {
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) return false;
  for (const segment of key.split('/')) {
    // An empty segment also catches absolute (`/x`) and trailing-slash keys.
    if (segment.length === 0 || segment.length > MAX_SEGMENT_LENGTH) return false;
    if (segment.startsWith('.')) return false;
    if (!SEGMENT.test(segment)) return false;
  }
  return true;
}

/**
 * An artifact prefix as a key prefix: written as a URL folder (`/media/`) or as a key (`media`), it
 * is the same folder. Throws a TypeError for one that cannot be a folder, so that a bad setting fails
 * at startup rather than on every image, after its upstream call has been paid for.
 */
export function artifactPrefixOf(given: string | undefined): string {
  const prefix = (given ?? DEFAULT_ARTIFACT_PREFIX).replace(/^\/+|\/+$/g, '');
  if (!isSafeKey(prefix)) {
    throw new TypeError(`artifactPrefix ${JSON.stringify(given)} must be one or more folder names made of letters, digits, '.', '_' or '-'`);
  }
  return prefix;
}
