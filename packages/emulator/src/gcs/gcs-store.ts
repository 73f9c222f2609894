import { createHash, randomBytes } from 'node:crypto';
import { Crc32c } from './crc32c.js';

/** An object held by the GCS emulator. */
export interface GcsObject {
  bucket: string;
  name: string;
  bytes: Buffer;
  contentType: string;
  cacheControl?: string;
  /** Custom metadata (`x-goog-meta-*`). */
  metadata: Record<string, string>;
  /** Microsecond timestamp, as GCS numbers generations. */
  generation: string;
  /** Base64 of the big-endian CRC-32C. */
  crc32c: string;
  /** Base64 of the MD5 digest. */
  md5Hash: string;
  created: Date;
}

/** The writable fields of an object resource, as a client sends them. */
export interface ObjectFields {
  contentType?: string;
  cacheControl?: string;
  metadata?: Record<string, string>;
  /** Checksums the client declared in the resource; the emulator verifies them. */
  crc32c?: string;
  md5Hash?: string;
}

/** A resumable upload session. */
export interface UploadSession {
  id: string;
  bucket: string;
  name: string;
  fields: ObjectFields;
  ifGenerationMatch?: string;
  /** Bytes persisted so far. */
  chunks: Buffer[];
  received: number;
  /** Set once the upload completed. */
  object?: GcsObject;
}

/** Why an insert was refused, as GCS words it. */
export class GcsRefusal extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** The Cloud Storage side of the emulator, for tests to set up and inspect. */
export interface GcsEmulator {
  /** Creates an empty bucket. A public bucket serves its objects to anonymous GETs; a private one only through signed URLs or tokens. */
  createBucket(name: string, options?: { public?: boolean }): void;
  /** An object's bytes and metadata, or undefined when it does not exist. */
  object(bucket: string, name: string): GcsObject | undefined;
  /** Names of the objects in a bucket, sorted. */
  objectNames(bucket: string): string[];
}

interface Bucket {
  public: boolean;
  objects: Map<string, GcsObject>;
}

/** Buckets, objects and upload sessions of one emulator (in memory). */
export class GcsStore implements GcsEmulator {
  private readonly buckets = new Map<string, Bucket>();
  private readonly sessions = new Map<string, UploadSession>();
  private lastGeneration = 0;

  createBucket(name: string, options: { public?: boolean } = {}): void {
    if (!/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/.test(name)) throw new RangeError(`createBucket(): invalid bucket name ${JSON.stringify(name)}`);
    if (!this.buckets.has(name)) this.buckets.set(name, { public: options.public ?? false, objects: new Map() });
  }

  hasBucket(name: string): boolean {
    return this.buckets.has(name);
  }

  isPublic(bucket: string): boolean {
    return this.buckets.get(bucket)?.public ?? false;
  }

  object(bucket: string, name: string): GcsObject | undefined {
    return this.buckets.get(bucket)?.objects.get(name);
  }

  objectNames(bucket: string): string[] {
    return [...(this.buckets.get(bucket)?.objects.keys() ?? [])].sort();
  }

  /** Removes an object; false when there was none. */
  delete(bucket: string, name: string): boolean {
    return this.buckets.get(bucket)?.objects.delete(name) ?? false;
  }

  /** Checks that an insert may happen (bucket exists, generation precondition holds), before any byte is read. */
  checkInsert(bucket: string, name: string, ifGenerationMatch: string | undefined): void {
    const target = this.buckets.get(bucket);
    if (!target) throw new GcsRefusal(404, 'notFound', 'The specified bucket does not exist.');
    if (name === '' || Buffer.byteLength(name) > 1024) throw new GcsRefusal(400, 'invalid', 'The object name is invalid.');
    if (ifGenerationMatch !== undefined) {
      const current = target.objects.get(name)?.generation ?? '0';
      if (current !== ifGenerationMatch) throw new GcsRefusal(412, 'conditionNotMet', 'At least one of the pre-conditions you specified did not hold.');
    }
  }

  /**
   * Stores an object once its bytes are complete. `declared` are the checksums the client sent
   * (resource fields or `X-Goog-Hash`); a mismatch refuses the upload and stores nothing.
   */
  insert(bucket: string, name: string, bytes: Buffer, fields: ObjectFields, ifGenerationMatch: string | undefined, declared: { crc32c?: string; md5?: string } = {}): GcsObject {
    this.checkInsert(bucket, name, ifGenerationMatch);
    const crc32c = new Crc32c().update(bytes).base64();
    const md5Hash = createHash('md5').update(bytes).digest('base64');
    for (const [kind, expected, actual] of [
      ['CRC32C', declared.crc32c ?? fields.crc32c, crc32c],
      ['MD5', declared.md5 ?? fields.md5Hash, md5Hash],
    ] as const) {
      if (expected !== undefined && expected !== actual) {
        throw new GcsRefusal(400, 'invalid', `Provided ${kind} "${expected}" doesn't match calculated ${kind} "${actual}".`);
      }
    }
    // Generations are microsecond timestamps, strictly increasing.
    this.lastGeneration = Math.max(this.lastGeneration + 1, Date.now() * 1000);
    const object: GcsObject = {
      bucket,
      name,
      bytes,
      contentType: fields.contentType ?? 'application/octet-stream',
      ...(fields.cacheControl === undefined ? {} : { cacheControl: fields.cacheControl }),
      metadata: { ...fields.metadata },
      generation: String(this.lastGeneration),
      crc32c,
      md5Hash,
      created: new Date(),
    };
    this.buckets.get(bucket)!.objects.set(name, object);
    return object;
  }

  openSession(bucket: string, name: string, fields: ObjectFields, ifGenerationMatch: string | undefined): UploadSession {
    this.checkInsert(bucket, name, ifGenerationMatch);
    const session: UploadSession = {
      id: randomBytes(24).toString('base64url'),
      bucket,
      name,
      fields,
      ...(ifGenerationMatch === undefined ? {} : { ifGenerationMatch }),
      chunks: [],
      received: 0,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  session(id: string): UploadSession | undefined {
    return this.sessions.get(id);
  }
}
