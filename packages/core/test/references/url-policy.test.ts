import { ReferenceFailure } from '../../src/references/reference-errors.js';
import { normalizeAllowHost, normalizeDenyHost, resolveReferenceOptions } from '../../src/references/resolve-options.js';
import { checkRedirect, parseReferenceUrl, type UrlPolicy } from '../../src/references/url-policy.js';

function policy(overrides: Partial<Parameters<typeof resolveReferenceOptions>[0]> = {}): UrlPolicy {
  return resolveReferenceOptions(overrides);
}

function codeOf(raw: unknown, p: UrlPolicy = policy()): string {
  try {
    parseReferenceUrl(raw, p);
    return 'ok';
  } catch (err) {
    if (err instanceof ReferenceFailure) return err.code;
    throw err;
  }
}

describe('parseReferenceUrl', () => {
  test('accepts public http(s) URLs and normalizes them', () => {
    const checked = parseReferenceUrl('  HTTPS://Images.Example.COM./a b.png?x=1#frag ', policy());
    expect(checked.kind).toBe('http');
    if (checked.kind !== 'http') return;
    expect(checked.url.hostname).toBe('images.example.com.');
    expect(checked.url.href).toBe('https://images.example.com./a%20b.png?x=1#frag');
    expect(checked.allowListed).toBe(false);
    expect(codeOf('http://bücher.example/x.png')).toBe('ok');
    expect(codeOf('http://8.8.8.8/x.png')).toBe('ok');
    expect(codeOf('http://[2606:4700:4700::1111]/x.png')).toBe('ok');
  });

  test.each([
    ['file:///etc/passwd', 'invalid_image_url'],
    ['ftp://example.com/a.png', 'invalid_image_url'],
    ['ws://example.com/a.png', 'invalid_image_url'],
    ['javascript:alert(1)', 'invalid_image_url'],
    ['data:image/png;base64,AAAA', 'invalid_image_url'],
    ['DATA:image/png;base64,AAAA', 'invalid_image_url'],
    ['http://u:p@example.com/a.png', 'invalid_image_url'],
    ['http://u@example.com/a.png', 'invalid_image_url'],
    ['not a url', 'invalid_image_url'],
    ['', 'invalid_image_url'],
    [42, 'invalid_image_url'],
    [`http://example.com/${'a'.repeat(9000)}`, 'invalid_image_url'],
    ['http://127.1/', 'image_url_forbidden'],
    ['http://0x7f.1/', 'image_url_forbidden'],
    ['http://[::ffff:127.0.0.1]/', 'image_url_forbidden'],
    ['http://localhost/', 'image_url_forbidden'],
    ['http://a.b.localhost./', 'image_url_forbidden'],
  ])('%s → %s', (raw, code) => {
    expect(codeOf(raw)).toBe(code);
  });

  test('says raw base64 is not accepted', () => {
    try {
      parseReferenceUrl('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', policy());
      throw new Error('accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(ReferenceFailure);
      expect((err as ReferenceFailure).detail).toMatch(/raw base64/);
    }
  });

  test('httpsOnly refuses http', () => {
    const p = policy({ httpsOnly: true });
    expect(codeOf('http://example.com/a.png', p)).toBe('invalid_image_url');
    expect(codeOf('https://example.com/a.png', p)).toBe('ok');
  });

  test('denyHosts: exact names and .domain suffixes, in any spelling', () => {
    const p = policy({ denyHosts: ['evil.example', '.internal.example', 'BÜCHER.example'] });
    expect(codeOf('https://evil.example/a.png', p)).toBe('image_url_forbidden');
    expect(codeOf('https://EVIL.example./a.png', p)).toBe('image_url_forbidden');
    expect(codeOf('https://sub.evil.example/a.png', p)).toBe('ok');
    expect(codeOf('https://internal.example/a.png', p)).toBe('image_url_forbidden');
    expect(codeOf('https://a.b.internal.example/a.png', p)).toBe('image_url_forbidden');
    expect(codeOf('https://notinternal.example/a.png', p)).toBe('ok');
    expect(codeOf('https://bücher.example/a.png', p)).toBe('image_url_forbidden');
  });

  test('allowHosts: exact host:port only, and denyHosts still wins', () => {
    const p = policy({ allowHosts: ['127.0.0.1:4010', 'LOCALHOST:4011', '[::1]:4012'] });
    expect(codeOf('http://127.0.0.1:4010/a.png', p)).toBe('ok');
    expect(codeOf('http://127.1:4010/a.png', p)).toBe('ok');
    expect(codeOf('http://127.0.0.1:4011/a.png', p)).toBe('image_url_forbidden');
    expect(codeOf('http://127.0.0.1/a.png', p)).toBe('image_url_forbidden');
    expect(codeOf('http://localhost:4011/a.png', p)).toBe('ok');
    expect(codeOf('http://localhost.:4011/a.png', p)).toBe('image_url_forbidden');
    expect(codeOf('http://localhost:4010/a.png', p)).toBe('image_url_forbidden');
    expect(codeOf('http://[::1]:4012/a.png', p)).toBe('ok');
    expect(codeOf('http://[::ffff:127.0.0.1]:4010/a.png', p)).toBe('image_url_forbidden');
    const denied = policy({ allowHosts: ['localhost:4011'], denyHosts: ['localhost'] });
    expect(codeOf('http://localhost:4011/a.png', denied)).toBe('image_url_forbidden');
  });

  test('data: URLs when allowed: base64 only', () => {
    const p = policy({ allowDataUrls: true });
    const checked = parseReferenceUrl('data:image/png;base64,iVBORw0K GgoAAAANS=', p);
    expect(checked).toEqual({ kind: 'data', base64: 'iVBORw0KGgoAAAANS=', mediaType: 'image/png' });
    expect(codeOf('data:image/png,%89PNG', p)).toBe('invalid_image_url');
    expect(codeOf('data:image/png;base64,<script>', p)).toBe('invalid_image_url');
  });
});

describe('checkRedirect', () => {
  const base = new URL('https://img.example/a/b.png');
  test('resolves relative locations and re-checks them', () => {
    expect(checkRedirect('../c.png', base, policy()).url.href).toBe('https://img.example/c.png');
    expect(checkRedirect('//cdn.example/x.png', base, policy()).url.href).toBe('https://cdn.example/x.png');
  });
  test.each(['http://127.0.0.1/', 'file:///etc/passwd', 'data:image/png;base64,AAAA', 'http://u:p@cdn.example/', 'http://[::1]/', 'gopher://x/'])(
    '%s → image_url_forbidden',
    (location) => {
      expect(() => checkRedirect(location, base, policy())).toThrow(expect.objectContaining({ code: 'image_url_forbidden' }));
    },
  );
  test('a downgrade to http is refused under httpsOnly', () => {
    expect(() => checkRedirect('http://cdn.example/x.png', base, policy({ httpsOnly: true }))).toThrow(
      expect.objectContaining({ code: 'image_url_forbidden' }),
    );
  });
});

describe('options', () => {
  test('allowHosts entries need host:port', () => {
    expect(normalizeAllowHost('Example.COM:8080')).toBe('example.com:8080');
    expect(normalizeAllowHost('[0:0::1]:80')).toBe('[::1]:80');
    expect(() => normalizeAllowHost('example.com')).toThrow(TypeError);
    expect(() => normalizeAllowHost('example.com:0')).toThrow(TypeError);
    expect(() => normalizeAllowHost('u@example.com:80')).toThrow(TypeError);
    expect(() => normalizeAllowHost('example.com:80/x')).toThrow(TypeError);
  });
  test('denyHosts entries are normalized', () => {
    expect(normalizeDenyHost('.Example.COM.')).toBe('.example.com');
    expect(normalizeDenyHost('bücher.de')).toBe('xn--bcher-kva.de');
  });
  test('bad numbers are configuration errors', () => {
    expect(() => resolveReferenceOptions({ maxBytes: 0 })).toThrow(TypeError);
    expect(() => resolveReferenceOptions({ concurrency: Number.NaN })).toThrow(TypeError);
    expect(resolveReferenceOptions({}).maxBytes).toBe(30 * 1024 * 1024);
  });
});
