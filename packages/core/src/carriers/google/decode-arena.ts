/** Where one decoded value lies in a {@link DecodeArena}; `length` 0 means nothing was written. */
export interface ArenaSegment {
  readonly startBlock: number;
  readonly startOffset: number;
  readonly endBlock: number;
  readonly endOffset: number;
  readonly length: number;
}

/** First block size when the answer's length is unknown; blocks then double up to {@link MAX_BLOCK}. */
const FIRST_BLOCK = 1024 * 1024;
const MAX_BLOCK = 32 * 1024 * 1024;

const EMPTY: ArenaSegment = { startBlock: 0, startOffset: 0, endBlock: 0, endOffset: 0, length: 0 };

/**
 * Memory the images of one answer are base64-decoded into, one segment per image, in order.
 *
 * When the answer's length is known, one block big enough for all of it is reserved up front,
 * uninitialised: the kernel commits its pages only as bytes land in them, so the reserve costs
 * nothing until used and the final image ends up in one contiguous buffer, never copied. A segment
 * discarded while it is the last one (a thought image) is rewound, so the next image reuses its
 * pages. When the length is unknown, blocks double, and an image spanning blocks is joined once.
 */
export class DecodeArena {
  readonly #blocks: Buffer[] = [];
  /** Bytes written in each block. */
  readonly #fills: number[] = [];
  #nextSize: number;

  /** @param expectedBytes - Upper bound of all decoded bytes, when known (from Content-Length). */
  constructor(expectedBytes?: number) {
    this.#nextSize = expectedBytes !== undefined && expectedBytes > 0 ? Math.ceil(expectedBytes) : FIRST_BLOCK;
  }

  /** Starts decoding a new base64 value at the end of the arena. */
  begin(): Base64SegmentWriter {
    return new Base64SegmentWriter(this);
  }

  /**
   * Decodes base64 `text` (whole 4-character groups, or the last group of a value) after everything
   * written so far, and says where it landed.
   */
  appendBase64(text: string): { block: number; start: number; end: number } {
    const room = Math.ceil(text.length / 4) * 3;
    let index = this.#blocks.length - 1;
    let block = this.#blocks[index];
    if (block === undefined || block.length - this.#fills[index]! < room) {
      const size = Math.max(this.#nextSize, room);
      // Uninitialised and outside the shared pool: pages are committed only once written.
      block = Buffer.allocUnsafeSlow(size);
      this.#blocks.push(block);
      this.#fills.push(0);
      this.#nextSize = Math.min(MAX_BLOCK, size * 2);
      index += 1;
    }
    const start = this.#fills[index]!;
    const end = start + block.write(text, start, 'base64');
    this.#fills[index] = end;
    return { block: index, start, end };
  }

  /** Undoes the last append, which landed at (`block`, `start`). */
  truncate(block: number, start: number): void {
    this.#fills[block] = start;
  }

  /** Forgets `segment` if nothing was written after it, so the next value reuses its memory. */
  discard(segment: ArenaSegment): void {
    const last = this.#blocks.length - 1;
    if (segment.length === 0 || segment.endBlock !== last || segment.endOffset !== this.#fills[last]) return;
    this.#blocks.length = segment.startBlock + 1;
    this.#fills.length = segment.startBlock + 1;
    this.#fills[segment.startBlock] = segment.startOffset;
  }

  /** The bytes of a segment: a view when it lies in one block (always, when the length was known), else one joined copy. */
  bytes(segment: ArenaSegment): Buffer {
    if (segment.length === 0) return Buffer.alloc(0);
    if (segment.startBlock === segment.endBlock) {
      return this.#blocks[segment.startBlock]!.subarray(segment.startOffset, segment.endOffset);
    }
    const parts: Buffer[] = [];
    for (let b = segment.startBlock; b <= segment.endBlock; b += 1) {
      const from = b === segment.startBlock ? segment.startOffset : 0;
      const to = b === segment.endBlock ? segment.endOffset : this.#fills[b]!;
      parts.push(this.#blocks[b]!.subarray(from, to));
    }
    return Buffer.concat(parts, segment.length);
  }
}

/** Characters that are not base64 data (padding, line breaks): skipped, as `Buffer.from(s, 'base64')` does. */
const NOT_BASE64 = /[^A-Za-z0-9+/_-]/g;
const EQUALS = '='.charCodeAt(0);
/** Bytes decoded per string by `writeBytes` (a multiple of 4). */
const BYTES_PIECE = 64 * 1024;

/**
 * Decodes one base64 value, arriving in pieces of any length, into a {@link DecodeArena}.
 * Base64 decodes in groups of 4 characters, so a piece's last 1-3 characters wait for the next piece.
 */
export class Base64SegmentWriter {
  readonly #arena: DecodeArena;
  #segment: ArenaSegment = EMPTY;
  #carry = '';

  constructor(arena: DecodeArena) {
    this.#arena = arena;
  }

  /** Decodes a piece of the value. */
  write(piece: string): void {
    let text = this.#carry.length === 0 ? piece : this.#carry + piece;
    let whole = text.length - (text.length % 4);
    if (whole > 0) {
      const at = this.#arena.appendBase64(whole === text.length ? text : text.slice(0, whole));
      // A clean piece decodes to 3 bytes per 4 characters, less one per trailing '=' of padding.
      const padding = text.charCodeAt(whole - 1) === EQUALS ? (text.charCodeAt(whole - 2) === EQUALS ? 2 : 1) : 0;
      if (at.end - at.start === (whole / 4) * 3 - padding) {
        this.#record(at);
        this.#carry = whole === text.length ? '' : text.slice(whole);
        return;
      }
      // Not plain base64 (padding, line breaks shift the groups): undo, keep only data characters, decode again.
      this.#arena.truncate(at.block, at.start);
      text = text.replace(NOT_BASE64, '');
      whole = text.length - (text.length % 4);
      if (whole > 0) this.#record(this.#arena.appendBase64(text.slice(0, whole)));
    }
    this.#carry = text.slice(whole);
  }

  /**
   * Decodes `bytes[start, end)`, a piece of the value as raw ASCII bytes. Only flat strings of whole
   * 4-character groups reach the decoder: a sliced or concatenated string decodes about 6x slower.
   */
  writeBytes(bytes: Buffer, start: number, end: number): void {
    let from = start;
    if (this.#carry.length > 0) {
      // Complete the group the last piece left open, as a string of 4 characters.
      const take = Math.min(4 - this.#carry.length, end - from);
      this.write(bytes.toString('latin1', from, from + take));
      from += take;
      if (this.#carry.length > 0) {
        // Not plain base64 (the group did not close): the general path sorts it out.
        if (from < end) this.write(bytes.toString('latin1', from, end));
        return;
      }
    }
    const whole = from + (end - from - ((end - from) % 4));
    // Pieces of at most 64 KiB stay ordinary young-generation strings; a string of over ~1 MB would
    // be allocated outside the heap (malloc, page faults, and pressure towards a full GC) each time.
    for (let at = from; at < whole; at += BYTES_PIECE) this.write(bytes.toString('latin1', at, Math.min(whole, at + BYTES_PIECE)));
    if (whole < end) this.write(bytes.toString('latin1', whole, end));
  }

  /** Decodes what is left (a last group without padding) and says where the value lies. */
  end(): ArenaSegment {
    const rest = this.#carry.replace(NOT_BASE64, '');
    if (rest.length > 0) this.#record(this.#arena.appendBase64(rest));
    this.#carry = '';
    return this.#segment;
  }

  #record({ block, start, end }: { block: number; start: number; end: number }): void {
    if (end === start) return;
    const s = this.#segment;
    this.#segment =
      s.length === 0
        ? { startBlock: block, startOffset: start, endBlock: block, endOffset: end, length: end - start }
        : { startBlock: s.startBlock, startOffset: s.startOffset, endBlock: block, endOffset: end, length: s.length + end - start };
  }
}
