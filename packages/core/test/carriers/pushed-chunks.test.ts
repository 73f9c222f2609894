import { Readable } from 'node:stream';
import { pushedChunks } from '../../src/carriers/google/pushed-chunks.js';

/** An answer's body can be destroyed (call aborted, timed out) before its reader gets to it. */
describe('pushedChunks', () => {
  test('yields the chunks of a body as they were pushed', async () => {
    const chunks: string[] = [];
    for await (const chunk of pushedChunks(Readable.from([Buffer.from('ab'), Buffer.from('cd')], { objectMode: false }))) chunks.push(chunk.toString());
    expect(chunks).toEqual(['ab', 'cd']);
  });

  test('a body destroyed with an error before it is read throws that error', async () => {
    const body = new Readable({ read() {} });
    body.on('error', () => undefined);
    body.destroy(new Error('upstream call aborted'));
    await new Promise((resolve) => setImmediate(resolve)); // its 'error' and 'close' have been sent
    await expect(pushedChunks(body).next()).rejects.toThrow('upstream call aborted');
  }, 2000);

  test('a body destroyed without an error before it is read throws too', async () => {
    const body = new Readable({ read() {} });
    body.destroy();
    await new Promise((resolve) => setImmediate(resolve));
    await expect(pushedChunks(body).next()).rejects.toThrow(/closed before it was read/);
  }, 2000);
});
