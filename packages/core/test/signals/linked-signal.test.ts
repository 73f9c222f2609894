import { setTimeout as sleep } from 'node:timers/promises';
import { linkedSignal } from '../../src/signals/linked-signal.js';

describe('linkedSignal', () => {
  test('aborts with the reason of the linked signal that aborts, and is not a timeout', () => {
    const a = new AbortController();
    const b = new AbortController();
    const link = linkedSignal([a.signal, undefined, b.signal], 60_000);
    expect(link.signal.aborted).toBe(false);
    b.abort(new Error('client left'));
    expect(link.signal.aborted).toBe(true);
    expect((link.signal.reason as Error).message).toBe('client left');
    expect(link.timedOut).toBe(false);
    link.dispose();
  });

  test('aborts with a TimeoutError after its time limit, and says it timed out', async () => {
    const link = linkedSignal([new AbortController().signal], 20);
    await sleep(60);
    expect(link.signal.aborted).toBe(true);
    expect((link.signal.reason as DOMException).name).toBe('TimeoutError');
    expect(link.timedOut).toBe(true);
  });

  test('starts aborted when a linked signal already is', () => {
    const a = new AbortController();
    a.abort('gone');
    const link = linkedSignal([a.signal], 10);
    expect(link.signal.aborted).toBe(true);
    expect(link.signal.reason).toBe('gone');
  });

  test('once disposed, neither the time limit nor the linked signals abort it', async () => {
    const a = new AbortController();
    const link = linkedSignal([a.signal], 20);
    link.dispose();
    a.abort();
    await sleep(60);
    expect(link.signal.aborted).toBe(false);
    expect(link.timedOut).toBe(false);
  });
});
