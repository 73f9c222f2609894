import { StringDecoder } from 'node:string_decoder';
import { jsonParser, type Token } from 'stream-json/parser.js';
import { bufferView } from '../../images/buffer-view.js';
import { cooperate } from '../../scheduling/turn-budget.js';
import { CarrierError } from '../carrier.js';
import { DecodeArena, type ArenaSegment } from './decode-arena.js';
import type { GenerateContentAnswer } from './read-response.js';

/** The answer is not JSON, or was cut short: the upstream connection misbehaved. */
export class AnswerSyntaxError extends Error {
  constructor(cause: unknown) {
    super('The upstream answer is not complete JSON.', { cause });
    this.name = 'AnswerSyntaxError';
  }
}

/** Options of {@link GenerateContentAnswerReader}. */
export interface AnswerReaderOptions {
  /** The answer's length in bytes when known (Content-Length): the decoded images are reserved one block. */
  expectedBytes?: number;
  /** Longest answer accepted, in bytes. Default 256 MiB (a 4K PNG answer is about 35 MB). */
  maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;
/** Longest kept value of the short strings read (mimeType, finishReason, blockReason). */
const SHORT_STRING = 256;
// stream-chain's protocol markers (global symbols): the tokenizer returns `none` or `many(tokens)`.
const NONE = Symbol.for('object-stream.none');
/** Characters handed to the tokenizer at a time (see `#feed`). */
const TOKENIZER_SLICE = 1024;
const BACKSLASH = 0x5c;

/**
 * Whether the tokenizer may hold back the end of `text` (part of an escape, a control character,
 * half of a surrogate pair), so that the next text must go through it too.
 */
function unsettledTail(text: string): boolean {
  for (let i = Math.max(0, text.length - 6); i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === BACKSLASH) return true;
  }
  const last = text.charCodeAt(text.length - 1);
  return last >= 0xd800 && last <= 0xdbff;
}

/** The smaller of two `indexOf` results, or `none` when both are -1. */
function firstOf(a: number, b: number, none: number): number {
  if (a < 0) return b < 0 ? none : b;
  return b < 0 ? a : Math.min(a, b);
}

/** What receives a string value's text as it arrives. */
interface StringSink {
  write(text: string): void;
  /**
   * Takes `bytes[start, end)`, raw text of the value with no quote or backslash in it, straight
   * from the answer's bytes (see `write` of the reader). Sinks without it get text.
   */
  writeBytes?(bytes: Buffer, start: number, end: number): void;
  end(): void;
}

const IGNORE: StringSink = { write: () => undefined, writeBytes: () => undefined, end: () => undefined };
const QUOTE = 0x22;

/** Where a container sits in the answer, for the parts of it that matter. */
type Role = 'root' | 'candidates' | 'candidate' | 'content' | 'parts' | 'part' | 'inlineData' | 'promptFeedback' | 'other';

interface Frame {
  role: Role;
  /** Object: the key of the value being read. */
  key: string | undefined;
  /** Array: index of the value being read (-1 before the first). */
  index: number;
}

/** A `parts[]` element of the first candidate. */
interface PartState {
  /** undefined until the part says; the flag may come before or after its inlineData. */
  thought: boolean | undefined;
  mimeType: string | undefined;
  image: ArenaSegment | undefined;
}

/**
 * Reads a generateContent answer pushed to it in pieces, without ever holding its JSON text or an
 * image's base64: stream-json tokenizes it, each `inlineData.data` is base64-decoded as it arrives
 * into a {@link DecodeArena}, thought images are dropped when their part closes (the `thought` flag
 * may follow `inlineData`), and the final image (the last non-thought one) is known at the end.
 *
 * Inside a string value, text up to the next quote or backslash is handed to the value directly:
 * the tokenizer would only cut it into 256-character chunks, which made reading a 4K answer 3x
 * slower than `JSON.parse`. Quotes, escapes and all structure still go through the tokenizer.
 */
export class GenerateContentAnswerReader {
  readonly #tokenize = jsonParser({ packKeys: true, streamKeys: false, packStrings: false, streamStrings: true, packNumbers: true, streamNumbers: false });
  readonly #text = new StringDecoder('utf8');
  readonly #arena: DecodeArena;
  readonly #maxBytes: number;
  readonly #stack: Frame[] = [];
  #bytes = 0;
  /** The string value being read, if any. */
  #string: StringSink | undefined;
  /** Whether the tokenizer holds nothing back (no partial escape), so text may bypass it. */
  #settled = true;
  /** Whether the UTF-8 decoder holds the start of a character, so the next bytes must go through it. */
  #decoderHolds = false;
  #part: PartState | undefined;
  #final: { image: ArenaSegment; mimeType: string | undefined } | undefined;
  #finishReason: string | undefined;
  #blockReason: string | undefined;

  constructor(options: AnswerReaderOptions = {}) {
    this.#maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    const expected = options.expectedBytes !== undefined && options.expectedBytes <= this.#maxBytes ? options.expectedBytes : undefined;
    // base64 is 4 characters per 3 bytes: the decoded images cannot exceed 3/4 of the answer.
    this.#arena = new DecodeArena(expected === undefined ? undefined : Math.ceil((expected * 3) / 4) + 3);
  }

  /** Reads the next piece of the answer. Throws {@link AnswerSyntaxError} on malformed JSON. */
  write(chunk: Uint8Array): void {
    this.#bytes += chunk.byteLength;
    if (this.#bytes > this.#maxBytes) {
      throw new CarrierError('unavailable', 'The upstream answer is larger than the relay accepts.');
    }
    const bytes = bufferView(chunk);
    let at = 0;
    // Inside a long value (an image's base64, or one that is skipped), its bytes up to the next
    // quote or backslash go to the value as they are: no UTF-8 decoding of the whole chunk into a
    // string first, and for a skipped value (a thought image) no string at all.
    const sink = this.#string;
    if (sink?.writeBytes !== undefined && this.#settled && !this.#decoderHolds) {
      const stop = firstOf(bytes.indexOf(QUOTE), bytes.indexOf(BACKSLASH), bytes.length);
      if (stop > 0) sink.writeBytes(bytes, 0, stop);
      at = stop;
    }
    if (at === bytes.length) return;
    const rest = at === 0 ? bytes : bytes.subarray(at);
    // UTF-8 decoding holds bytes back only when the text ends inside a multi-byte character.
    this.#decoderHolds = rest[rest.length - 1]! >= 0x80;
    this.#feed(this.#text.write(rest));
  }

  /** Ends the answer and returns what it says. Throws {@link AnswerSyntaxError} if it is incomplete. */
  end(): GenerateContentAnswer {
    this.#feed(this.#text.end());
    this.#consume(NONE);
    const answer: GenerateContentAnswer = {};
    if (this.#blockReason !== undefined) answer.blockReason = this.#blockReason;
    if (this.#finishReason !== undefined) answer.finishReason = this.#finishReason;
    if (this.#final !== undefined) {
      answer.image = { bytes: this.#arena.bytes(this.#final.image), ...(this.#final.mimeType ? { mimeType: this.#final.mimeType } : {}) };
    }
    return answer;
  }

  #feed(text: string): void {
    let at = 0;
    // Next quote and backslash at or after `at` (-1: none), found once per text, not once per string.
    let quote = -2;
    let backslash = -2;
    while (at < text.length) {
      if (this.#string !== undefined && this.#settled) {
        if (quote !== -1 && quote < at) quote = text.indexOf('"', at);
        if (backslash !== -1 && backslash < at) backslash = text.indexOf('\\', at);
        const stop = Math.min(quote < 0 ? text.length : quote, backslash < 0 ? text.length : backslash);
        if (stop > at) {
          this.#string.write(at === 0 && stop === text.length ? text : text.slice(at, stop));
          at = stop;
          continue;
        }
      }
      // Structure goes through the tokenizer in small slices, so a long string starting in this
      // text is noticed early and the rest of it bypasses the tokenizer.
      const slice = text.slice(at, at + TOKENIZER_SLICE);
      this.#consume(slice);
      this.#settled = !unsettledTail(slice);
      at += slice.length;
    }
  }

  #consume(input: string | typeof NONE): void {
    let result: unknown;
    try {
      // The tokenizer's type admits only text; `none` is its documented end-of-input marker.
      result = (this.#tokenize as (value: unknown) => unknown)(input);
    } catch (cause) {
      throw new AnswerSyntaxError(cause);
    }
    if (result === NONE) return;
    for (const token of (result as { values: Token[] }).values) this.#token(token);
  }

  #token(token: Token): void {
    switch (token.name) {
      case 'stringChunk':
        this.#string?.write(token.value);
        return;
      case 'keyValue': {
        const top = this.#stack.at(-1);
        if (top) top.key = token.value;
        return;
      }
      case 'startObject':
      case 'startArray':
        this.#open(token.name === 'startObject' ? 'object' : 'array');
        return;
      case 'endObject':
      case 'endArray':
        this.#close();
        return;
      case 'startString':
        this.#string = this.#stringSink();
        return;
      case 'endString':
        this.#string?.end();
        this.#string = undefined;
        return;
      case 'trueValue':
      case 'falseValue': {
        const slot = this.#slot();
        if (slot.role === 'part' && slot.key === 'thought' && this.#part) this.#part.thought = token.value;
        return;
      }
      default:
        this.#slot(); // numbers and null: only their array position matters
    }
  }

  /** The container a value starts in, with its key or (advanced) index. */
  #slot(): { role: Role | undefined; key: string | undefined; index: number } {
    const top = this.#stack.at(-1);
    if (top === undefined) return { role: undefined, key: undefined, index: 0 };
    if (top.key === undefined) top.index += 1;
    return { role: top.role, key: top.key, index: top.index };
  }

  #open(kind: 'object' | 'array'): void {
    const { role: parent, key, index } = this.#slot();
    let role: Role = 'other';
    if (kind === 'object') {
      if (parent === undefined) role = 'root';
      else if (parent === 'root' && key === 'promptFeedback') role = 'promptFeedback';
      else if (parent === 'candidates' && index === 0) role = 'candidate';
      else if (parent === 'candidate' && key === 'content') role = 'content';
      else if (parent === 'parts') role = 'part';
      else if (parent === 'part' && key === 'inlineData') role = 'inlineData';
    } else if (parent === 'root' && key === 'candidates') role = 'candidates';
    else if (parent === 'content' && key === 'parts') role = 'parts';
    if (role === 'part') this.#part = { thought: undefined, mimeType: undefined, image: undefined };
    this.#stack.push({ role, key: undefined, index: -1 });
  }

  #close(): void {
    const frame = this.#stack.pop();
    if (frame?.role !== 'part' || this.#part === undefined) return;
    const part = this.#part;
    this.#part = undefined;
    if (part.image === undefined) return;
    if (part.thought === true) {
      this.#arena.discard(part.image);
    } else if (part.image.length > 0) {
      this.#final = { image: part.image, mimeType: part.mimeType };
    }
  }

  #stringSink(): StringSink {
    const { role, key } = this.#slot();
    if (role === 'candidate' && key === 'finishReason') return this.#short((v) => (this.#finishReason = v));
    if (role === 'promptFeedback' && key === 'blockReason') return this.#short((v) => (this.#blockReason = v));
    const part = this.#part;
    if (role !== 'inlineData' || part === undefined) return IGNORE;
    if (key === 'mimeType') return this.#short((v) => (part.mimeType = v));
    if (key !== 'data' || part.thought === true) return IGNORE;
    if (part.image !== undefined) this.#arena.discard(part.image); // a second data value replaces the first
    const writer = this.#arena.begin();
    return {
      write: (text) => writer.write(text),
      writeBytes: (bytes, start, end) => writer.writeBytes(bytes, start, end),
      end: () => {
        part.image = writer.end();
      },
    };
  }

  /** Collects a short string value (kept up to {@link SHORT_STRING} characters). */
  #short(done: (value: string) => void): StringSink {
    let value = '';
    return {
      write: (text) => {
        if (value.length < SHORT_STRING) value += text.slice(0, SHORT_STRING - value.length);
      },
      end: () => done(value),
    };
  }
}

/**
 * Reads a whole generateContent answer from a byte stream (an undici response body).
 * Stream errors pass through; malformed JSON throws {@link AnswerSyntaxError}.
 */
export async function readGenerateContentAnswer(body: AsyncIterable<Uint8Array>, options: AnswerReaderOptions = {}): Promise<GenerateContentAnswer> {
  const reader = new GenerateContentAnswerReader(options);
  for await (const chunk of body) {
    // Hundreds of answers landing together are decoded a slice of each event-loop turn at a time.
    const turn = cooperate();
    if (turn) await turn;
    reader.write(chunk);
  }
  return reader.end();
}
