import { artifactKey, isSafeKey, MAX_KEY_LENGTH, newArtifactId } from '../../src/storage/artifact-key.js';

const KEY = /^task-artifacts\/\d{4}\/\d{2}\/\d{2}\/sync-image\/\d{17}[a-z2-7]{26}-[1-9]\d*\.(png|jpg)$/;

describe('artifactKey', () => {
  it('places the image under its UTC day with a timestamped, random id', () => {
    // 23:30 on the 31st in UTC-2 would be April 1st locally elsewhere: the UTC date must win.
    const date = new Date('2026-03-31T23:59:58.672Z');
    const key = artifactKey({ date, index: 1, ext: 'png' });
    expect(key).toMatch(KEY);
    expect(key.startsWith('task-artifacts/2026/03/31/sync-image/20260331235958672')).toBe(true);
    expect(key.endsWith('-1.png')).toBe(true);
  });

  it('shares one id across the images of a request, differing by index', () => {
    const date = new Date('2026-01-02T03:04:05.006Z');
    const id = newArtifactId(date);
    const keys = [1, 2, 3].map((index) => artifactKey({ date, id, index, ext: 'jpg' }));
    expect(keys).toEqual([1, 2, 3].map((i) => `task-artifacts/2026/01/02/sync-image/${id}-${i}.jpg`));
    expect(id.startsWith('20260102030405006')).toBe(true);
  });

  it('honours a custom prefix', () => {
    expect(artifactKey({ index: 2, ext: 'png', prefix: 'tenant-a/artifacts' })).toMatch(
      /^tenant-a\/artifacts\/\d{4}\/\d{2}\/\d{2}\/sync-image\/\w+-2\.png$/,
    );
  });

  it('generates unique, unguessable ids (even within one millisecond)', () => {
    const date = new Date();
    const ids = new Set(Array.from({ length: 10_000 }, () => newArtifactId(date)));
    expect(ids.size).toBe(10_000);
    for (const id of [...ids].slice(0, 50)) expect(id).toMatch(/^\d{17}[a-z2-7]{26}$/);
  });

  it('every generated key is safe', () => {
    for (let i = 1; i <= 20; i++) expect(isSafeKey(artifactKey({ index: i, ext: i % 2 ? 'png' : 'jpg' }))).toBe(true);
  });

  it('rejects bad indexes, dates, prefixes and ids', () => {
    expect(() => artifactKey({ index: 0, ext: 'png' })).toThrow(RangeError);
    expect(() => artifactKey({ index: 1.5, ext: 'png' })).toThrow(RangeError);
    expect(() => artifactKey({ index: 1, ext: 'png', date: new Date('nope') })).toThrow(RangeError);
    expect(() => artifactKey({ index: 1, ext: 'png', prefix: '../etc' })).toThrow(RangeError);
    expect(() => artifactKey({ index: 1, ext: 'png', prefix: '/abs' })).toThrow(RangeError);
    expect(() => artifactKey({ index: 1, ext: 'png', id: 'a/b' })).toThrow(RangeError);
  });
});

describe('isSafeKey', () => {
  it.each([
    'task-artifacts/2026/03/31/sync-image/20260331073825672515332JyP6hAcs-1.png',
    'a',
    'a/b.c_d-e',
  ])('accepts %s', (key) => expect(isSafeKey(key)).toBe(true));

  it.each([
    ['empty', ''],
    ['empty segment', 'a//b'],
    ['trailing slash', 'a/b/'],
    ['absolute', '/etc/passwd'],
    ['dot', 'a/./b'],
    ['dot-dot', 'a/../b'],
    ['leading dot-dot', '../b'],
    ['hidden file', 'a/.env'],
    ['backslash', 'a\\..\\b'],
    ['NUL', 'a/b\0.png'],
    ['percent', 'a/%2e%2e/b'],
    ['space', 'a/b c.png'],
    ['non-ascii', 'a/é.png'],
    ['windows drive', 'C:/x'],
    ['over-long key', `${'a/'.repeat(MAX_KEY_LENGTH / 2)}b`],
    ['over-long segment', 'x'.repeat(256)],
  ])('refuses %s', (_label, key) => expect(isSafeKey(key)).toBe(false));
});
