// Opens one local HTML page in Debian's headless Chromium and reports, as one JSON
// line on stdout, what a person opening it would run into: console messages, page
// errors (uncaught exceptions), requests (a self-contained page makes none beyond
// itself) and failed ones, the size of every <svg>, the headings; then saves a
// screenshot and counts the colours in it (a blank page has one).
//
//   node check_page.mjs PAGE.html SHOT.png [--selector CSS | --height PX] [--width PX]
//
// --selector screenshots that element only, --height the top of the page only (both
// for the docs); default: the full page.
// Exit code 0 when the page is clean (no error or warning in the console, no page
// error, no request other than the page, no failed request), 1 when not, 2 when
// the browser could not be driven.
//
// Only file:// is ever loaded: every other request is aborted inside the browser
// before it leaves it, and the context is offline. The browser runs with a profile
// directory of our own (<SHOT>.profile) so the caller can check that no process
// using it survives; it is closed on every path out, a hard timer included.
import { chromium } from 'playwright-core';
import { pathToFileURL } from 'node:url';
import fs from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const [pagePath, shotPath] = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--')));
if (!pagePath || !shotPath) {
  console.error('usage: node check_page.mjs PAGE.html SHOT.png [--selector CSS | --height PX] [--width PX]');
  process.exit(2);
}

const report = {
  page: pagePath, screenshot: shotPath, browser: '', console: [], page_errors: [], requests: [],
  failed_requests: [], svgs: [], headings: [], lang: '', title: '', colors: 0, width: 0, height: 0,
};
const profile = shotPath + '.profile';
let context = null;

async function finish(code, error) {
  if (error) report.error = String(error && error.stack ? error.stack : error);
  try {
    if (context) await context.close();
  } catch (e) {
    report.close_error = String(e);
  }
  fs.rmSync(profile, { recursive: true, force: true });
  process.stdout.write(JSON.stringify(report) + '\n');
  process.exit(code);
}

const hardStop = setTimeout(() => finish(2, 'timed out after 90 s'), 90_000);

// The colours of a PNG, counted by drawing it on a canvas in a blank page.
async function countColors(png) {
  const blank = await context.newPage();
  const n = await blank.evaluate(async (b64) => {
    const img = new Image();
    img.src = 'data:image/png;base64,' + b64;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let i = 0; i < d.length && seen.size < 10000; i += 4) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    return { colors: seen.size, width: img.width, height: img.height };
  }, png.toString('base64'));
  await blank.close();
  return n;
}

try {
  const url = pathToFileURL(path.resolve(pagePath)).href;
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.MDRILL_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
    viewport: { width: Number(opt('--width', '1200')), height: 900 },
    offline: true,
    timeout: 60_000,
  });
  report.browser = context.browser() ? context.browser().version() : 'chromium';
  await context.route('**/*', (route) =>
    route.request().url().startsWith('file:') ? route.continue() : route.abort('blockedbyclient'));
  const page = context.pages()[0] || (await context.newPage());
  page.on('console', (m) => report.console.push({ type: m.type(), text: m.text() }));
  page.on('pageerror', (e) => report.page_errors.push(String(e)));
  page.on('request', (r) => { if (r.url() !== url) report.requests.push(r.url()); });
  page.on('requestfailed', (r) => report.failed_requests.push(r.url() + ' ' + (r.failure() ? r.failure().errorText : '')));
  await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
  // Late errors (a timer, an animation frame) get a moment to show.
  await page.waitForTimeout(300);
  report.title = await page.title();
  report.lang = await page.evaluate(() => document.documentElement.lang);
  report.svgs = await page.$$eval('svg', (els) => els.map((e) => {
    const r = e.getBoundingClientRect();
    return { w: Math.round(r.width), h: Math.round(r.height), shapes: e.querySelectorAll('path,rect,line,circle').length };
  }));
  report.headings = await page.$$eval('h1,h2,h3', (els) => els.map((e) => e.textContent.trim()));
  const selector = opt('--selector', '');
  const height = Number(opt('--height', '0'));
  if (selector) {
    // The element with a margin of page around it, so the picture does not start at its edge.
    const box = await page.locator(selector).first().boundingBox();
    const x = Math.max(0, box.x - 20), y = Math.max(0, box.y - 16);
    await page.screenshot({ path: shotPath, fullPage: true, clip: { x, y, width: box.width + 40, height: box.height + 32 } });
  }
  else if (height > 0) await page.screenshot({ path: shotPath, clip: { x: 0, y: 0, width: page.viewportSize().width, height } });
  else await page.screenshot({ path: shotPath, fullPage: true });
  Object.assign(report, await countColors(fs.readFileSync(shotPath)));
  clearTimeout(hardStop);
  const noisy = report.console.filter((m) => m.type === 'error' || m.type === 'warning');
  const clean = noisy.length === 0 && report.page_errors.length === 0 && report.requests.length === 0 &&
    report.failed_requests.length === 0;
  await finish(clean ? 0 : 1);
} catch (e) {
  clearTimeout(hardStop);
  await finish(2, e);
}
