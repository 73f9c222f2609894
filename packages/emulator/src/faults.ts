/**
 * A misbehaviour the emulator can be told to show on a generateContent call,
 * either queued with `emulator.script()` or per request with the `x-emulator-fault` header.
 */
export type Fault =
  /**
   * Answer this HTTP status with Google's error body. `retryAfter` adds a `Retry-After` header;
   * `retryDelay` (e.g. `'47s'`) a `google.rpc.RetryInfo` detail, which is how Google itself says how
   * long to wait on a 429 (it sends no header); `reason` a `google.rpc.ErrorInfo` detail (e.g.
   * `API_KEY_INVALID`, `API_KEY_EXPIRED`).
   */
  | { type: 'status'; status: number; message?: string; retryAfter?: string; retryDelay?: string; reason?: string }
  /** Answer normally after an extra delay. */
  | { type: 'latency'; ms: number }
  /** Never answer (until the client goes away or the emulator closes). */
  | { type: 'hang' }
  /** Send headers and part of the body, then reset the connection. */
  | { type: 'reset' }
  /** Send headers and part of the body, then nothing more (until the client goes away or the emulator closes). */
  | { type: 'stall' }
  /**
   * Send the whole answer, but only `bytesPerSecond` of it per second, as an upstream far away does
   * (a 4K answer then takes seconds to arrive). The pieces go out every 20 ms.
   */
  | { type: 'slowBody'; bytesPerSecond: number }
  /** Send a 200 whose JSON is cut in the middle, then end the response normally. */
  | { type: 'truncated' }
  /** Send a whole 200 answer whose JSON is broken near its start (the rest still follows). */
  | { type: 'garbled' }
  /** A candidate with this finishReason and no image (SAFETY, IMAGE_SAFETY, NO_IMAGE, ...). */
  | { type: 'finishReason'; reason: string }
  /** No candidates; `promptFeedback.blockReason` set to this. */
  | { type: 'blockReason'; reason: string }
  /** finishReason STOP with text only. */
  | { type: 'noImage' }
  /** The final image declared with this (wrong) mimeType; bytes unchanged. */
  | { type: 'mislabel'; mimeType: string }
  /** The final image encoded in this format whatever the request asked. */
  | { type: 'format'; format: 'png' | 'jpeg' }
  /**
   * The final image's bytes are damaged, in valid JSON and base64: `cut` ends them halfway (a PNG or
   * JPEG without its end), `junk` replaces them with bytes that are no image at all.
   */
  | { type: 'badImage'; damage: 'cut' | 'junk' };

/** Which requests a scripted fault applies to; omitted fields match anything. */
export interface FaultMatch {
  apiKey?: string;
  project?: string;
  kind?: 'gemini' | 'vertex';
}

/** Options of `emulator.script()`. */
export interface ScriptOptions {
  /** How many requests each fault applies to (default 1). */
  times?: number;
  match?: FaultMatch;
}

/** What a generateContent request is matched against. */
export interface FaultTarget {
  kind: 'gemini' | 'vertex';
  apiKey?: string;
  project?: string;
}

interface QueuedFault {
  fault: Fault;
  remaining: number;
  match: FaultMatch | undefined;
}

/** Faults queued by `script()`, consumed in order by the requests they match. */
export class FaultQueue {
  private queue: QueuedFault[] = [];

  push(faults: Fault | Fault[], options: ScriptOptions = {}): void {
    const times = options.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new RangeError(`script(): times must be a positive integer, got ${times}`);
    for (const fault of Array.isArray(faults) ? faults : [faults]) {
      this.queue.push({ fault: validateFault(fault), remaining: times, match: options.match });
    }
  }

  /** Takes the first queued fault whose match fits `target`. */
  take(target: FaultTarget): Fault | undefined {
    const index = this.queue.findIndex((q) => matches(q.match, target));
    if (index < 0) return undefined;
    const entry = this.queue[index]!;
    entry.remaining -= 1;
    if (entry.remaining === 0) this.queue.splice(index, 1);
    return entry.fault;
  }

  get pending(): number {
    return this.queue.length;
  }

  clear(): void {
    this.queue = [];
  }
}

function matches(match: FaultMatch | undefined, target: FaultTarget): boolean {
  if (!match) return true;
  if (match.kind !== undefined && match.kind !== target.kind) return false;
  if (match.apiKey !== undefined && match.apiKey !== target.apiKey) return false;
  if (match.project !== undefined && match.project !== target.project) return false;
  return true;
}

/** Parses an `x-emulator-fault` header value. Throws a readable Error when it is not a valid Fault. */
export function parseFaultHeader(value: string): Fault {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new Error(`x-emulator-fault is not JSON: ${value}`);
  }
  return validateFault(parsed);
}

/** Checks a value is a well-formed Fault (scripts and headers come from untyped callers too). */
export function validateFault(value: unknown): Fault {
  const f = value as Record<string, unknown> | null;
  const bad = (why: string): never => {
    throw new Error(`invalid fault ${JSON.stringify(value)}: ${why}`);
  };
  if (typeof f !== 'object' || f === null) return bad('not an object');
  const str = (k: string): void => {
    if (typeof f[k] !== 'string' || f[k] === '') bad(`${k} must be a non-empty string`);
  };
  switch (f.type) {
    case 'status':
      if (!Number.isInteger(f.status) || (f.status as number) < 400 || (f.status as number) > 599) bad('status must be 400-599');
      if (f.message !== undefined && typeof f.message !== 'string') bad('message must be a string');
      if (f.retryAfter !== undefined && typeof f.retryAfter !== 'string') bad('retryAfter must be a string');
      if (f.retryDelay !== undefined && !(typeof f.retryDelay === 'string' && /^\d+(\.\d+)?s$/.test(f.retryDelay))) bad("retryDelay must be a duration such as '47s'");
      if (f.reason !== undefined) str('reason');
      break;
    case 'latency':
      if (typeof f.ms !== 'number' || !(f.ms >= 0)) bad('ms must be a number >= 0');
      break;
    case 'slowBody':
      if (typeof f.bytesPerSecond !== 'number' || !(f.bytesPerSecond >= 50) || !Number.isFinite(f.bytesPerSecond)) bad('bytesPerSecond must be a number >= 50');
      break;
    case 'finishReason':
    case 'blockReason':
      str('reason');
      break;
    case 'mislabel':
      str('mimeType');
      break;
    case 'format':
      if (f.format !== 'png' && f.format !== 'jpeg') bad("format must be 'png' or 'jpeg'");
      break;
    case 'badImage':
      if (f.damage !== 'cut' && f.damage !== 'junk') bad("damage must be 'cut' or 'junk'");
      break;
    case 'hang':
    case 'reset':
    case 'stall':
    case 'truncated':
    case 'garbled':
    case 'noImage':
      break;
    default:
      bad('unknown type');
  }
  return f as unknown as Fault;
}
