// Browser end-to-end tests of the designer: serves the built site (build/web)
// on 127.0.0.1, drives Debian's Chromium headless through playwright-core,
// and checks what the page really draws. Screenshots go to build/e2e/.
//
//   node tests/e2e/run.mjs
//
// Exits 0 when every test passed, 1 otherwise; the last line is the tally.
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

import { decodePng } from './png.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const webDir = path.resolve(process.env.TAME_WEB_DIR ?? path.join(root, 'build/web'));
const outDir = path.join(root, 'build/e2e');
const chromiumPath = '/usr/bin/chromium';
const chromiumArgs = [
  '--no-sandbox',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const viewport = { width: 1200, height: 760 };
const paletteWidth = 260;  // designer-wasm/main_window.h: kPaletteWidth
const readyTimeoutMs = 30000;

const mimeTypes = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.json': 'application/json',
};

// A static file server for `dir` on 127.0.0.1, on a free port.
async function serve(dir) {
  const server = http.createServer(async (request, response) => {
    try {
      const { pathname } = new URL(request.url, 'http://127.0.0.1');
      const name = pathname === '/' ? '/index.html' : decodeURIComponent(pathname);
      const file = path.join(dir, path.normalize(name));
      if (request.method !== 'GET' || !file.startsWith(dir + path.sep)) throw new Error();
      const body = await fs.readFile(file);
      const type = mimeTypes[path.extname(file)] ?? 'application/octet-stream';
      response.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store' }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

// Opens a page that records every uncaught error, console error and request
// that would leave the test server; tests assert these stay empty.
async function openPage(browser, origin) {
  const page = await browser.newPage({ viewport });
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin + '/')) return route.continue();
    problems.push(`request outside the test server: ${url}`);
    return route.abort();
  });
  return { page, problems };
}

async function waitForDesigner(page) {
  await page.waitForFunction(() => window.tame && (window.tame.ready || window.tame.error),
                             null, { timeout: readyTimeoutMs });
  const error = await page.evaluate(() => window.tame.error);
  if (error) throw new Error(`the designer failed to start: ${error}`);
}

function rgbAt(image, x, y) {
  const i = 4 * (y * image.width + x);
  return (image.rgba[i] << 16) | (image.rgba[i + 1] << 8) | image.rgba[i + 2];
}

// Measures a screenshot of the whole page: how many pixels are pure black (the
// colour the frame is cleared to, so where the designer drew nothing), how
// many pixels of each colour in `colors` the palette panel holds, how many
// distinct colours it has, and the canvas area's most common colour and its
// share of the area.
function measureScreenshot(image, colors) {
  const wanted = colors.map((hex) => parseInt(hex.slice(1), 16));
  const swatchPixels = wanted.map(() => 0);
  const paletteColors = new Set();
  const canvasCounts = new Map();
  let blackPixels = 0;
  for (let y = 0; y < image.height; ++y) {
    for (let x = 0; x < image.width; ++x) {
      const rgb = rgbAt(image, x, y);
      if (rgb === 0) ++blackPixels;
      if (x < paletteWidth) {
        paletteColors.add(rgb);
        wanted.forEach((color, k) => { if (color === rgb) ++swatchPixels[k]; });
      } else {
        canvasCounts.set(rgb, (canvasCounts.get(rgb) ?? 0) + 1);
      }
    }
  }
  let [top, topCount] = [0, 0];
  for (const [rgb, count] of canvasCounts) if (count > topCount) [top, topCount] = [rgb, count];
  return {
    blackPixels,
    swatchPixels,
    paletteColorCount: paletteColors.size,
    canvasColorCount: canvasCounts.size,
    canvasTop: [top >> 16, (top >> 8) & 255, top & 255],
    canvasTopShare: topCount / ((image.width - paletteWidth) * image.height),
  };
}

// The share of pixels of `after` that differ from `before` moved by (dx, dy),
// over the part of `after` that the moved `before` covers.
function shiftMismatch(before, after, dx, dy) {
  let differ = 0;
  let total = 0;
  for (let y = Math.max(0, dy); y < after.height && y - dy < before.height; ++y) {
    for (let x = Math.max(0, dx); x < after.width && x - dx < before.width; ++x) {
      ++total;
      if (rgbAt(after, x, y) !== rgbAt(before, x - dx, y - dy)) ++differ;
    }
  }
  return differ / total;
}

// Resolves after the page has drawn `count` more animation frames.
function frames(page, count) {
  return page.evaluate((count) => new Promise((resolve) => {
    const next = (left) => (left === 0 ? resolve() : requestAnimationFrame(() => next(left - 1)));
    next(count);
  }), count);
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

const tests = [
  ['the first window shows the palette and the grid', async ({ page, problems }) => {
    await waitForDesigner(page);
    await frames(page, 2);

    const canvas = await page.evaluate(() => {
      const element = document.getElementById('canvas');
      const box = element.getBoundingClientRect();
      return { width: element.width, height: element.height, cssWidth: box.width,
               cssHeight: box.height, statusHidden: document.getElementById('status').hidden };
    });
    check(canvas.cssWidth === viewport.width && canvas.cssHeight === viewport.height,
          `the canvas should fill the ${viewport.width}x${viewport.height} window, ` +
          `it is ${canvas.cssWidth}x${canvas.cssHeight}`);
    check(canvas.width === viewport.width && canvas.height === viewport.height,
          `the drawing buffer should match the window, it is ${canvas.width}x${canvas.height}`);
    check(canvas.statusHidden, 'the loading message should be gone');

    const kinds = await page.evaluate(() => window.tame.palette());
    check(kinds.length > 0, 'the palette lists no step kinds');
    for (const kind of kinds) {
      check(/^[a-z][a-z0-9.]*$/.test(kind.uses) && kind.title && kind.category &&
            /^#[0-9a-f]{6}$/.test(kind.color), `malformed palette entry ${JSON.stringify(kind)}`);
    }

    await fs.mkdir(outDir, { recursive: true });
    const png = await page.screenshot({ path: path.join(outDir, 'first-window.png') });
    const image = decodePng(png);
    check(image.width === viewport.width && image.height === viewport.height,
          `screenshot is ${image.width}x${image.height}`);
    const shot = measureScreenshot(image, kinds.map((kind) => kind.color));
    check(shot.blackPixels === 0, `${shot.blackPixels} pixels are left undrawn (black)`);

    // Each kind's swatch is a filled square of its colour, at least 12x12
    // pixels, so most of its pixels carry the exact colour.
    kinds.forEach((kind, k) => {
      check(shot.swatchPixels[k] >= 100,
            `the palette shows ${shot.swatchPixels[k]} pixels of ${kind.uses}'s colour ` +
            `${kind.color}, expected a swatch`);
    });
    // Titles and names are anti-aliased text: many shades besides the swatches.
    check(shot.paletteColorCount > kinds.length + 20,
          `the palette has only ${shot.paletteColorCount} colours; no text drawn?`);

    // The canvas: a dark background covering most of it, crossed by grid
    // lines of other colours (one pixel every 32).
    const [r, g, b] = shot.canvasTop;
    check(0.2126 * r + 0.7152 * g + 0.0722 * b < 48,
          `the canvas background rgb(${r}, ${g}, ${b}) is not dark`);
    check(shot.canvasTopShare > 0.8 && shot.canvasTopShare < 0.99,
          `the canvas background covers ${(100 * shot.canvasTopShare).toFixed(1)}% ` +
          'of the canvas; expected grid lines over the rest');
    check(shot.canvasColorCount >= 3,
          `the canvas has ${shot.canvasColorCount} colours; expected background and two line shades`);

    check(problems.length === 0, problems.join('\n'));
  }],

  ['dragging the canvas moves the grid with the mouse', async ({ page, problems }) => {
    await waitForDesigner(page);
    await frames(page, 2);
    const clip = { x: paletteWidth, y: 0, width: viewport.width - paletteWidth,
                   height: viewport.height };
    const before = decodePng(await page.screenshot({ clip }));
    const start = { x: clip.x + 300, y: 300 };
    const shift = { x: 40, y: 24 };  // not a multiple of the grid step
    await page.mouse.move(start.x, start.y);
    await frames(page, 2);
    await page.mouse.down();
    await frames(page, 2);
    for (let step = 1; step <= 4; ++step) {
      await page.mouse.move(start.x + (shift.x * step) / 4, start.y + (shift.y * step) / 4);
      await frames(page, 2);
    }
    await page.mouse.up();
    await frames(page, 2);
    const after = decodePng(await page.screenshot({ clip }));

    const unmoved = shiftMismatch(before, after, 0, 0);
    const moved = shiftMismatch(before, after, shift.x, shift.y);
    check(unmoved > 0.02, `the canvas barely changed (${(100 * unmoved).toFixed(2)}% of pixels)`);
    check(moved === 0, `the grid did not move with the mouse by ${shift.x},${shift.y}: ` +
                       `${(100 * moved).toFixed(2)}% of pixels differ from the moved picture`);
    check(problems.length === 0, problems.join('\n'));
  }],

  ['the canvas follows the window when it is resized', async ({ page, problems }) => {
    await waitForDesigner(page);
    const size = { width: 900, height: 600 };
    await page.setViewportSize(size);
    await page.waitForFunction(({ width, height }) => {
      const element = document.getElementById('canvas');
      return element.width === width && element.height === height;
    }, size, { timeout: 5000 }).catch(async () => {
      const [width, height] = await page.evaluate(() => {
        const element = document.getElementById('canvas');
        return [element.width, element.height];
      });
      throw new Error(`after resizing to ${size.width}x${size.height} the drawing buffer ` +
                      `is ${width}x${height}`);
    });
    await frames(page, 2);
    const image = decodePng(await page.screenshot());
    const shot = measureScreenshot(image, []);
    check(image.width === size.width && image.height === size.height,
          `screenshot is ${image.width}x${image.height}`);
    check(shot.blackPixels === 0,
          `${shot.blackPixels} pixels are left undrawn (black) after the resize`);
    check(shot.canvasTopShare > 0.8,
          `the canvas background covers ${(100 * shot.canvasTopShare).toFixed(1)}% ` +
          'of the canvas after the resize');
    check(problems.length === 0, problems.join('\n'));
  }],
];

async function main() {
  await fs.access(path.join(webDir, 'designer.wasm')).catch(() => {
    throw new Error(`${webDir}/designer.wasm is missing; run make build first`);
  });
  const { server, origin } = await serve(webDir);
  let browser;
  let passed = 0;
  let failed = 0;
  try {
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
    for (const [name, test] of tests) {
      const { page, problems } = await openPage(browser, origin);
      try {
        await page.goto(`${origin}/index.html`);
        await test({ page, problems });
        ++passed;
        console.log(`ok: ${name}`);
      } catch (error) {
        ++failed;
        console.log(`FAILED: ${name}\n  ${String(error.message ?? error).replace(/\n/g, '\n  ')}`);
      } finally {
        await page.close();
      }
    }
  } finally {
    if (browser) await browser.close();
    server.closeAllConnections();
    server.close();
  }
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

main().then((code) => { process.exitCode = code; }, (error) => {
  console.error(`e2e: ${error.message ?? error}`);
  console.log('e2e: 0 passed, 1 failed');
  process.exitCode = 1;
});
