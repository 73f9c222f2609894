import type { Carrier, RelayEvent } from '@banana-relay/core';
import type { Emulator, RecordedRequest } from '@banana-relay/emulator';
import { emulatedGemini, type Harness } from '../support/harness.js';

export const ROUTE = '/v1/images/generations';
export const body = { model: 'nano-banana-pro', prompt: 'a banana', resolution: '1K', aspect_ratio: '1:1' };

/** The API key of the emulated Gemini carrier `id`: faults are scripted per carrier with `match: { apiKey }`. */
export const keyOf = (id: string): string => `key-${id}`;

/** A Gemini API carrier on the emulator with its own API key. */
export function carrier(emulator: Emulator, id: string, extra: Parameters<typeof emulatedGemini>[2] = {}): Carrier {
  return emulatedGemini(emulator, id, { apiKey: keyOf(id), ...extra });
}

/** The generateContent calls the emulator received for carrier `id`. */
export function callsOf(h: Harness, id: string): RecordedRequest[] {
  return h.emulator.requests.filter((r) => r.kind === 'gemini' && r.apiKey === keyOf(id));
}

/** Which carrier each generateContent call went to, in arrival order. */
export function callOrder(h: Harness): string[] {
  return h.emulator.requests.filter((r) => r.kind === 'gemini').map((r) => (r.apiKey ?? '').replace(/^key-/, ''));
}

/** Events of one type for one request. */
export function eventsOf<T extends RelayEvent['type']>(h: Harness, type: T, requestId?: string): Array<Extract<RelayEvent, { type: T }>> {
  return h.events.filter(
    (e): e is Extract<RelayEvent, { type: T }> => e.type === type && (requestId === undefined || ('requestId' in e && e.requestId === requestId)),
  );
}

/** The most exchanges open at once among `records`, from the emulator's arrival and close times. */
export function maxOverlap(records: readonly RecordedRequest[]): number {
  const edges = records.flatMap((r) => [
    { at: r.receivedAt, delta: 1 },
    { at: r.closedAt ?? Infinity, delta: -1 },
  ]);
  // At equal times a close comes before an arrival: the slot was given back, then taken.
  edges.sort((x, y) => x.at - y.at || x.delta - y.delta);
  let open = 0;
  let most = 0;
  for (const edge of edges) {
    open += edge.delta;
    most = Math.max(most, open);
  }
  return most;
}

/** Polls `check` until it holds, or fails after `ms`. */
export async function until(check: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Resets what one test leaves behind: the emulator's script and log, the events, and carrier health. */
export function resetAll(h: Harness): void {
  h.emulator.reset();
  h.relay.resetCarrierHealth();
  h.events.length = 0;
}
