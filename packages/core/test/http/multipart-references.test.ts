import sharp from 'sharp';
import { RelayError } from '../../src/contract/errors.js';
import { webIncoming } from '../../src/http/incoming.js';
import { readMultipartReferences as readIncoming, type MultipartLimits } from '../../src/http/multipart-references.js';

const LIMITS: MultipartLimits = { maxReferences: 2, maxBytes: 100_000, maxTotalBytes: 150_000, maxPixels: 1_000_000, maxFieldBytes: 4096 };

const png = (width = 32, height = 32): Promise<Buffer> => sharp({ create: { width, height, channels: 3, background: '#fc0' } }).png().toBuffer();

/** A Blob of bytes (copied: a Buffer may sit on a shared pool). */
const blob = (parts: Buffer[], options?: BlobPropertyBag): Blob => new Blob(parts.map((p) => new Uint8Array(p)), options);

/** The reader, given a Web Request (as `relay.fetch` gets it). */
const readMultipartReferences = (request: Request, limits: MultipartLimits, signal?: AbortSignal): ReturnType<typeof readIncoming> =>
  readIncoming(webIncoming(request), limits, signal);

function formRequest(form: FormData): Request {
  return new Request('http://relay.local/v1/images/edits', { method: 'POST', body: form });
}

/** A request whose body streams `chunks` with no Content-Length. */
function streamed(contentType: string, chunks: Uint8Array[]): Request {
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks.shift();
      if (next) controller.enqueue(next);
      else controller.close();
    },
  });
  return new Request('http://relay.local/v1/images/edits', { method: 'POST', body, headers: { 'content-type': contentType }, duplex: 'half' } as RequestInit);
}

async function failure(promise: Promise<unknown>): Promise<{ status: number; code: string | null; param: string | null; message: string }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof RelayError) return { status: err.status, code: err.code, param: err.param, message: err.message };
    throw err;
  }
  throw new Error('expected a RelayError');
}

describe('readMultipartReferences', () => {
  test('fields become the body (n as a number) and files become verified references, in order', async () => {
    const form = new FormData();
    form.append('model', 'nano-banana-pro');
    form.append('prompt', 'blend');
    form.append('n', '2');
    form.append('image[]', blob([await png(40, 30)]), 'a.bin');
    form.append('image[]', blob([await sharp(await png(20, 10)).webp().toBuffer()], { type: 'image/png' }), 'b.png');
    const { fields, images } = await readMultipartReferences(formRequest(form), LIMITS);
    expect(fields).toEqual({ model: 'nano-banana-pro', prompt: 'blend', n: 2 });
    expect(images.map((i) => [i.index, i.format, i.mimeType, i.width, i.height, i.url])).toEqual([
      [0, 'png', 'image/png', 40, 30, 'upload:image[0]'],
      [1, 'webp', 'image/webp', 20, 10, 'upload:image[1]'],
    ]);
  });

  test('the total of the images is capped (references.maxTotalBytes)', async () => {
    const noisy = await sharp({ create: { width: 170, height: 170, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 60 } } })
      .png()
      .toBuffer();
    expect(noisy.length).toBeGreaterThan(LIMITS.maxTotalBytes / 2);
    expect(noisy.length).toBeLessThan(LIMITS.maxBytes);
    const form = new FormData();
    form.append('image[]', blob([noisy]), 'a.png');
    form.append('image[]', blob([noisy]), 'b.png');
    expect(await failure(readMultipartReferences(formRequest(form), LIMITS))).toMatchObject({ status: 400, code: 'image_too_large', param: 'image[1]' });
  });

  test('a body that is not multipart, or has no boundary → 400', async () => {
    const json = new Request('http://relay.local/x', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(await failure(readMultipartReferences(json, LIMITS))).toMatchObject({ status: 400, code: 'invalid_content_type' });
    const noBoundary = streamed('multipart/form-data', [new TextEncoder().encode('--x\r\n')]);
    expect(await failure(readMultipartReferences(noBoundary, LIMITS))).toMatchObject({ status: 400, code: 'invalid_multipart' });
  });

  test('a body cut off in the middle of a file → 400, no hang', async () => {
    const head = '--B\r\nContent-Disposition: form-data; name="image[]"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n';
    const bytes = await png();
    const request = streamed('multipart/form-data; boundary=B', [new TextEncoder().encode(head), bytes.subarray(0, 20)]);
    expect(await failure(readMultipartReferences(request, LIMITS))).toMatchObject({ status: 400, code: 'invalid_multipart' });
  });

  test('a body larger than the limits, without Content-Length, is refused while streaming (413)', async () => {
    const head = '--B\r\nContent-Disposition: form-data; name="prompt"\r\n\r\n';
    const chunk = new Uint8Array(64 * 1024).fill(120);
    const chunks = [new TextEncoder().encode(head), ...Array.from({ length: 8 }, () => chunk)];
    const request = streamed('multipart/form-data; boundary=B', chunks);
    expect(await failure(readMultipartReferences(request, LIMITS))).toMatchObject({ status: 413, code: 'request_too_large' });
  });

  test.each([
    ['image_input[]', 'https://example.com/a.png', 'image_input[]', 'unsupported_parameter'],
    ['image', 'https://example.com/a.png', 'image', 'invalid_value'],
    ['metadata[a]', 'x', 'metadata[a]', 'unknown_parameter'],
  ])('the text field %s → 400', async (name, value, param, code) => {
    const form = new FormData();
    form.append(name, value);
    form.append('image', blob([await png()]), 'a.png');
    expect(await failure(readMultipartReferences(formRequest(form), LIMITS))).toMatchObject({ status: 400, param, code });
  });

  test('text fields are UTF-8: other bytes → 400 naming the field (never sent on as U+FFFD); UTF-8 text passes whole', async () => {
    const image = await png();
    const body = (prompt: Buffer): Uint8Array => {
      const head = Buffer.from('--b\r\ncontent-disposition: form-data; name="model"\r\n\r\nnano-banana-pro\r\n--b\r\ncontent-disposition: form-data; name="prompt"\r\n\r\n');
      const file = Buffer.from('\r\n--b\r\ncontent-disposition: form-data; name="image"; filename="a.png"\r\ncontent-type: image/png\r\n\r\n');
      return new Uint8Array(Buffer.concat([head, prompt, file, image, Buffer.from('\r\n--b--\r\n')]));
    };
    const latin1 = streamed('multipart/form-data; boundary=b', [body(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0xff]))]);
    expect(await failure(readMultipartReferences(latin1, LIMITS))).toMatchObject({ status: 400, param: 'prompt', code: 'invalid_value', message: expect.stringContaining('UTF-8') });
    const utf8 = await readMultipartReferences(streamed('multipart/form-data; boundary=b', [body(Buffer.from('café 🍌', 'utf8'))]), LIMITS);
    expect(utf8.fields.prompt).toBe('café 🍌');
    // A part that names its charset (as .NET's HttpClient does) is read in it.
    const labelled = new FormData();
    labelled.append('prompt', new Blob(['日本のバナナ, café'], { type: 'text/plain; charset=utf-8' }));
    labelled.append('image', blob([image]), 'a.png');
    const raw = Buffer.from(await new Response(labelled).arrayBuffer()).toString('latin1');
    // FormData sends a Blob as a file part: turn it into a text part with its own Content-Type.
    const asField = raw.replace(/name="prompt"; filename="blob"/, 'name="prompt"');
    const boundary = /^--(\S+)/.exec(raw)![1]!;
    const fields = await readMultipartReferences(streamed(`multipart/form-data; boundary=${boundary}`, [new Uint8Array(Buffer.from(asField, 'latin1'))]), LIMITS);
    expect(fields.fields.prompt).toBe('日本のバナナ, café');
    // A charset the relay does not read: 400 naming the field, not a crash.
    const sjis = asField.replace('text/plain; charset=utf-8', 'text/plain; charset=shift_jis');
    expect(await failure(readMultipartReferences(streamed(`multipart/form-data; boundary=${boundary}`, [new Uint8Array(Buffer.from(sjis, 'latin1'))]), LIMITS))).toMatchObject({
      status: 400,
      param: 'prompt',
      message: expect.stringContaining('charset'),
    });
  });

  test("a field named like an Object member (constructor, toString, __proto__) is read as any other field, not as 'sent twice'", async () => {
    for (const name of ['constructor', 'toString', '__proto__']) {
      const form = new FormData();
      form.append('prompt', 'a');
      form.append(name, 'x');
      form.append('image', blob([await png()]), 'a.png');
      // The request schema then refuses it as an unknown field, naming it.
      const { fields } = await readMultipartReferences(formRequest(form), LIMITS);
      expect(Object.hasOwn(fields, name) && fields[name]).toBe('x');
    }
  });

  test('a field sent twice → 400', async () => {
    const form = new FormData();
    form.append('prompt', 'a');
    form.append('prompt', 'b');
    form.append('image', blob([await png()]), 'a.png');
    expect(await failure(readMultipartReferences(formRequest(form), LIMITS))).toMatchObject({ status: 400, param: 'prompt', code: 'invalid_value' });
  });
});
