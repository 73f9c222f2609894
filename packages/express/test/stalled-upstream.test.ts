import sharp from 'sharp';
import { emulatedGemini, startHarness, type Harness } from './support/harness.js';

const body = { model: 'nano-banana-pro', prompt: 'a banana' };

/** A generation sent with fetch, so that it can be left hanging and aborted. */
function post(h: Harness, signal: AbortSignal): Promise<Response> {
  return fetch(`${h.origin}/v1/images/generations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
}

/** Waits (up to 5 s) until `count` upstream answers have sent their headers; returns how many have. */
async function answersSending(h: Harness, count: number): Promise<number> {
  const sending = (): number => h.emulator.requests.filter((r) => r.kind === 'gemini' && r.status === 200).length;
  for (let i = 0; i < 200 && sending() < count; i++) await new Promise((resolve) => setTimeout(resolve, 25));
  return sending();
}

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
    const hanging = Array.from({ length: stalled }, () => post(h, controller.signal).catch(() => undefined));
    // Every stalled answer has sent its headers and half its body.
    expect(await answersSending(h, stalled)).toBe(stalled);

    const res = await h.http.post('/v1/images/generations').send(body);
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(1);

    controller.abort();
    await Promise.all(hanging);
  });
});

/**
 * An upstream far away sends its answer at network speed: its chunks come one every 20 ms here, far
 * from a stall. Such an answer must not keep a decoding slot while it waits for its next chunk.
 */
describe('upstream answers that arrive slowly', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ carriers: (emu) => [emulatedGemini(emu, 'gemini', { timeoutMs: 60_000 })] });
  });
  afterAll(() => h.close());

  test('do not hold up the answers of other requests', async () => {
    const slow = 5;
    // About 25 s per answer: none of them can finish while this test runs.
    h.emulator.script({ type: 'slowBody', bytesPerSecond: 40_000 }, { times: slow });
    const controller = new AbortController();
    let slowAnswered = 0;
    const slowCalls = Array.from({ length: slow }, () =>
      post(h, controller.signal)
        .then(async (res) => {
          await res.arrayBuffer();
          slowAnswered += 1;
        })
        .catch(() => undefined),
    );
    // Every slow answer has sent its headers and is trickling its body.
    expect(await answersSending(h, slow)).toBe(slow);

    // (A bound far above a healthy answer's time, so that a request held up fails here, not by the test's timeout.)
    const res = await h.http.post('/v1/images/generations').send(body).timeout(15_000);
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(1);
    expect(slowAnswered).toBe(0);

    controller.abort();
    await Promise.all(slowCalls);
  });

  test('are decoded whole, however many times they wait for the network', async () => {
    h.emulator.script({ type: 'slowBody', bytesPerSecond: 4_000_000 });
    const res = await h.http.post('/v1/images/generations').send(body);
    expect(res.status).toBe(200);
    const image = await fetch(res.body.data[0].url as string);
    const meta = await sharp(Buffer.from(await image.arrayBuffer())).metadata();
    expect(meta).toMatchObject({ format: 'png', width: 1024, height: 1024 });
    expect(h.emulator.requests.at(-1)).toMatchObject({ kind: 'gemini', status: 200 });
  });
});
