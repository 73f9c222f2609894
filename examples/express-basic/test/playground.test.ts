import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startExample, type ExampleServer } from './support/example-server.js';

/** Debian's chromium (installed by .ci/run); CHROMIUM_PATH overrides. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && process.env.REQUIRE_CHROMIUM) throw new Error(`REQUIRE_CHROMIUM is set but ${CHROMIUM} does not exist`);
if (!available) console.warn(`playground.test.ts skipped: no Chromium at ${CHROMIUM} (install Debian's chromium package, or set CHROMIUM_PATH)`);

const describeWithChromium = available ? describe : describe.skip;

describeWithChromium('the playground page in headless Chromium', () => {
  let example: ExampleServer;
  let profile: string;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    example = await startExample();
    profile = await mkdtemp(join(tmpdir(), 'banana-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        // Loopback only: no name ever resolves, and only 127.0.0.1 is reachable.
        '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
    // A second guard at the page level: anything not for the example app is refused.
    await context.route('**/*', (route) => (route.request().url().startsWith(`${example.origin}/`) ? route.continue() : route.abort()));
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await example?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  test('fill the form, submit against the emulator, and see the image at the requested pixel size', async () => {
    await page.goto(`${example.origin}/`);
    await page.waitForSelector('body[data-ready="true"]');

    // The choices are the enabled capabilities, read from the OpenAPI document.
    expect(await page.locator('#resolution option').allTextContents()).toEqual(['1K', '4K']);
    expect(await page.locator('#aspect_ratio option').allTextContents()).toEqual(['follow the input', '1:1', '21:9']);

    await page.fill('#prompt', 'Turn this product image into an ultra-wide hero KV');
    await page.click('#samples button:has-text("image36.webp")');
    expect(await page.inputValue('#references')).toBe(`${example.origin}/samples/image36.webp`);
    await page.selectOption('#resolution', '1K');
    await page.selectOption('#aspect_ratio', '21:9');
    await page.selectOption('#output_format', 'jpg');
    await page.click('#submit');

    const result = page.locator('#results li.result').first();
    await result.locator('figcaption:has-text("px")').waitFor({ timeout: 60_000 });
    expect(await result.getAttribute('data-status')).toBe('200');
    const size = await result.locator('img').evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight, img.src]);
    expect(size.slice(0, 2)).toEqual([1584, 672]);
    expect(String(size[2])).toMatch(new RegExp(`^${example.origin}/task-artifacts/.+\\.jpg$`));
    // The request's timing and the answer's size are shown.
    expect(await result.locator('.meta').textContent()).toMatch(/^200 in \d+ ms · 1584x672 jpg · request [\w-]+$/);

    // The upstream got the reference and the settings.
    const call = example.emulator.requests.filter((r) => r.kind === 'vertex' || r.kind === 'gemini').at(-1);
    expect((call?.body as { generationConfig: { imageConfig: unknown } }).generationConfig.imageConfig).toMatchObject({ imageSize: '1K', aspectRatio: '21:9' });
  });

  test('an error answer is shown with its status and message', async () => {
    await page.goto(`${example.origin}/`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.fill('#prompt', 'a banana');
    await page.fill('#references', `${example.origin}/samples/missing.png`);
    await page.click('#submit');
    const result = page.locator('#results li.result.error').first();
    await result.waitFor();
    expect(await result.getAttribute('data-status')).toBe('400');
    expect(await result.locator('.meta').textContent()).toContain('image_download_failed');
  });

  test("the carriers' state is shown, from /healthz (relay.carriers())", async () => {
    await page.goto(`${example.origin}/`);
    await page.waitForSelector('#carriers tbody tr');
    const rows = await page.locator('#carriers tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent).slice(0, 3)));
    expect(rows).toEqual([
      ['vertex-emulated', 'healthy', 'yes'],
      ['gemini-emulated', 'healthy', 'yes'],
    ]);
  });
});
