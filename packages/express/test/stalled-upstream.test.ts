import { emulatedGemini, startHarness, type Harness } from './support/harness.js';

const body = { model: 'nano-banana-pro', prompt: 'a banana' };

/**
 * Answers are decoded a few at a time, process-wide (to keep event-loop turns short). An upstream
 * that stalls mid-answer must not keep its turn: here more answers stall than there are decoding
 * slots, and a healthy request still completes.
 */
describe('upstream answers that stall mid-body', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ carriers: (emu) => [emulatedGemini(emu, 'gemini', { timeoutMs: 60_000 })] });
  });
  afterAll(() => h.close());

  test('do not hold up the answers of other requests', async () => {
    const stalled = 6;
    h.emulator.script({ type: 'stall' }, { times: stalled });
    const controller = new AbortController();
    const hanging = Array.from({ length: stalled }, () =>
      fetch(`${h.origin}/v1/images/generations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: controller.signal,
      }).catch(() => undefined),
    );
    // Every stalled answer has sent its headers and half its body.
    for (let i = 0; i < 200 && h.emulator.requests.filter((r) => r.kind === 'gemini' && r.status === 200).length < stalled; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(h.emulator.requests.filter((r) => r.kind === 'gemini' && r.status === 200)).toHaveLength(stalled);

    const res = await h.http.post('/v1/images/generations').send(body);
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(1);

    controller.abort();
    await Promise.all(hanging);
  });
});
