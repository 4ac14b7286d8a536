// Browser end-to-end tests of the designer: serves the built site (build/web)
// on 127.0.0.1, drives Debian's Chromium headless through playwright-core
// with real mouse and keyboard input, and checks what the page draws and
// the files it saves against the `tame` CLI. Screenshots go to build/e2e/.
//
//   node tests/e2e/run.mjs [--single-file] [name filter]
//
// --single-file runs the tests against build/web/tame-designer.html opened
// from file:// (no server at all); tests that need a server (their function
// takes `origin`, `mount` or `allow`) are listed as skipped there.
// TAME_WEB_DIR and TAME_BIN point it at another build. Exits 0 when every
// test passed, 1 otherwise; the last line is the tally.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { chromium } from 'playwright-core';

import { decodePng } from './png.mjs';
import { serve } from './serve.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const webDir = path.resolve(process.env.TAME_WEB_DIR ?? path.join(root, 'build/web'));
const tameBin = path.resolve(process.env.TAME_BIN ?? path.join(root, 'build/bin/tame'));
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
const viewport = { width: 1280, height: 800 };
const paletteWidth = 240;    // designer-wasm/theme.h: kPaletteWidth
const inspectorWidth = 340;  // designer-wasm/theme.h: kInspectorWidth
const readyTimeoutMs = 30000;

// ---- Helpers -------------------------------------------------------------------

function check(condition, message) {
  if (!condition) throw new Error(message);
}

function checkEqual(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}:\n    got      ${a}\n    expected ${e}`);
}

// Resolves after the page has drawn `count` more animation frames.
function frames(page, count) {
  return page.evaluate((count) => new Promise((resolve) => {
    const next = (left) => (left === 0 ? resolve() : requestAnimationFrame(() => next(left - 1)));
    next(count);
  }), count);
}

async function waitForDesigner(page) {
  await page.waitForFunction(() => window.tame && (window.tame.ready || window.tame.error),
                             null, { timeout: readyTimeoutMs });
  const error = await page.evaluate(() => window.tame.error);
  if (error) throw new Error(`the designer failed to start: ${error}`);
  await frames(page, 2);
}

const api = (page, name, ...args) =>
  page.evaluate(({ name, args }) => window.tame[name](...args), { name, args });

// Where the designer drew widget `name`, waiting a few frames for it.
async function widget(page, name) {
  for (let tries = 0; tries < 10; ++tries) {
    const rect = await api(page, 'widgetRect', name);
    if (rect) return rect;
    await frames(page, 1);
  }
  throw new Error(`the designer drew no widget "${name}"`);
}

const center = (rect) => ({ x: rect.x + rect.w / 2, y: rect.y + rect.h / 2 });

async function click(page, point, options = {}) {
  await page.mouse.move(point.x, point.y);
  await frames(page, 2);
  await page.mouse.down(options);
  await frames(page, 2);
  await page.mouse.up(options);
  await frames(page, 3);
}

// Two clicks, each press and release seen by a frame of its own.
async function doubleClick(page, point) {
  await page.mouse.move(point.x, point.y);
  await frames(page, 2);
  for (let k = 0; k < 2; ++k) {
    await page.mouse.down();
    await frames(page, 1);
    await page.mouse.up();
    await frames(page, 1);
  }
  await frames(page, 2);
}

// A press, a move in steps with frames between (ImGui sees every step), and
// a release: what a hand does.
async function drag(page, from, to, { button = 'left', steps = 6 } = {}) {
  await page.mouse.move(from.x, from.y);
  await frames(page, 2);
  await page.mouse.down({ button });
  await frames(page, 2);
  for (let step = 1; step <= steps; ++step) {
    await page.mouse.move(from.x + ((to.x - from.x) * step) / steps,
                          from.y + ((to.y - from.y) * step) / steps);
    await frames(page, 1);
  }
  await frames(page, 1);
  await page.mouse.up({ button });
  await frames(page, 3);
}

async function press(page, keys) {
  await page.keyboard.press(keys);
  await frames(page, 3);
}

async function exportJson(page) {
  return JSON.parse(await api(page, 'exportJson'));
}

function rgbAt(image, x, y) {
  const i = 4 * (y * image.width + x);
  return (image.rgba[i] << 16) | (image.rgba[i + 1] << 8) | image.rgba[i + 2];
}

// Pixels of each colour in `colors` ("#rrggbb") inside `box` of `image`.
function countColors(image, box, colors) {
  const wanted = colors.map((hex) => parseInt(hex.slice(1), 16));
  const counts = wanted.map(() => 0);
  for (let y = box.y; y < box.y + box.h; ++y) {
    for (let x = box.x; x < box.x + box.w; ++x) {
      const rgb = rgbAt(image, x, y);
      wanted.forEach((color, k) => { if (color === rgb) ++counts[k]; });
    }
  }
  return counts;
}

function blackPixels(image) {
  let black = 0;
  for (let y = 0; y < image.height; ++y) {
    for (let x = 0; x < image.width; ++x) if (rgbAt(image, x, y) === 0) ++black;
  }
  return black;
}

// The share of pixels of `after` that differ from `before` moved by (dx, dy).
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

async function screenshot(page, name, options = {}) {
  await fs.mkdir(outDir, { recursive: true });
  return decodePng(await page.screenshot({ path: path.join(outDir, name), ...options }));
}

// Runs the CLI; returns { status, stdout, stderr }.
function tame(args, cwd) {
  const result = spawnSync(tameBin, args, { cwd, encoding: 'utf8' });
  if (result.error) throw new Error(`could not run ${tameBin}: ${result.error.message}`);
  return result;
}

async function tempDir() {
  return fs.mkdtemp(path.join(os.tmpdir(), 'tame-e2e-'));
}

// Opens `name` with `contents` through the page's file picker.
async function pickFile(page, name, contents) {
  await page.setInputFiles('#file-input', {
    name, mimeType: 'application/json', buffer: Buffer.from(contents),
  });
  await frames(page, 3);
}

const example = (name) => fs.readFile(path.join(root, 'examples', name), 'utf8');

// Runs the CLI for its exact output bytes: { status, stdout (a Buffer), stderr }.
function tameBytes(args, cwd) {
  const result = spawnSync(tameBin, args, { cwd });
  if (result.error) throw new Error(`could not run ${tameBin}: ${result.error.message}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.toString() };
}

// Whether the designer drew widget `name` wholly inside the window.
async function onScreen(page, name) {
  const rect = await widget(page, name);
  return rect.w > 0 && rect.h > 0 && rect.x >= 0 && rect.y >= 0 &&
         rect.x + rect.w <= viewport.width && rect.y + rect.h <= viewport.height;
}

// examples/local-ml.json run for real by `tame run` in a workspace of its
// own, once for the tests that need a run: { workspace, runsDir, runId,
// report (its text) }.
let localRun = null;
function runLocalMl() {
  localRun ??= (async () => {
    const workspace = await tempDir();
    const run = tame(['run', path.join(root, 'examples/local-ml.json')], workspace);
    check(run.status === 0, `tame run examples/local-ml.json exited ${run.status}:\n` +
                            `${run.stderr}${run.stdout}`);
    const runsDir = path.join(workspace, '.tame/runs');
    const runs = (await fs.readdir(runsDir)).filter((name) => !name.startsWith('.'));
    check(runs.length === 1, `expected one run in ${runsDir}, found ${runs.join(', ')}`);
    const report = await fs.readFile(path.join(runsDir, runs[0], 'report.json'), 'utf8');
    return { workspace, runsDir, runId: runs[0], report };
  })();
  return localRun;
}

// Opens `text` as pipeline `name` and waits until it is the autosave a
// reload restores.
async function openAndAutosave(page, name, text) {
  await pickFile(page, name, text);
  const work = await api(page, 'exportJson');
  await page.waitForFunction((work) => window.tame.autosaves > 0 &&
    window.tame.exportJson() === work && localStorage.getItem('tame.autosave'), work);
  await frames(page, 40);
}

// ---- Tests -----------------------------------------------------------------------

const tests = [];
const test = (name, fn) => tests.push([name, fn]);

test('the designer starts with the palette and an empty canvas', async ({ page }) => {
  const canvas = await page.evaluate(() => {
    const element = document.getElementById('canvas');
    const box = element.getBoundingClientRect();
    return { width: element.width, height: element.height, cssWidth: box.width,
             cssHeight: box.height, statusHidden: document.getElementById('status').hidden };
  });
  checkEqual([canvas.cssWidth, canvas.cssHeight, canvas.width, canvas.height],
             [viewport.width, viewport.height, viewport.width, viewport.height],
             'the canvas and its drawing buffer fill the window');
  check(canvas.statusHidden, 'the loading message should be gone');

  const kinds = await api(page, 'palette');
  checkEqual(kinds.map((k) => k.category).filter((c, i, all) => all.indexOf(c) === i),
             ['Source', 'Build and test', 'Gates', 'Ship', 'Notify'], 'palette groups');
  for (const kind of kinds) {
    check(/^[a-z][a-z0-9.]*$/.test(kind.uses) && kind.title && /^#[0-9a-f]{6}$/.test(kind.color),
          `malformed palette entry ${JSON.stringify(kind)}`);
    await widget(page, `palette/${kind.uses}`);
  }
  checkEqual(await api(page, 'problems'), ['untitled.json: /steps: the pipeline has no steps'],
             'the problems of an empty pipeline');
  await widget(page, 'canvas/template/ml-to-k8s.json');

  const image = await screenshot(page, 'start.png');
  check(blackPixels(image) === 0, 'parts of the page are left undrawn (black)');
  const swatches = countColors(image, { x: 0, y: 0, w: paletteWidth, h: viewport.height },
                               kinds.map((k) => k.color));
  kinds.forEach((kind, k) => check(swatches[k] >= 100,
    `the palette shows ${swatches[k]} pixels of ${kind.uses}'s colour, expected a swatch`));
});

test('build a pipeline by mouse and keyboard, undo, and save what tame accepts',
  async ({ page }) => {
    const canvasAt = (x, y) => ({ x: paletteWidth + x, y: 30 + y });

    // Add from the palette: drag one entry, double-click another.
    await drag(page, center(await widget(page, 'palette/git.checkout')), canvasAt(160, 160));
    checkEqual((await exportJson(page)).steps, [{ id: 'checkout', uses: 'git.checkout' }],
               'steps after dragging git.checkout onto the canvas');
    const checkout = await api(page, 'nodeRect', 'checkout');
    check(Math.abs(center(checkout).x - canvasAt(160, 160).x) < 10 &&
          Math.abs(center(checkout).y - canvasAt(160, 160).y) < 10,
          `the step should land under the mouse, it is at ${JSON.stringify(checkout)}`);
    await doubleClick(page, center(await widget(page, 'palette/shell')));
    checkEqual((await exportJson(page)).steps.map((s) => s.id), ['checkout', 'shell'],
               'steps after double-clicking shell');

    // Move the new step to the right of the first by dragging it.
    const shellBox = await api(page, 'nodeRect', 'shell');
    await drag(page, center(shellBox), canvasAt(440, 160));
    const moved = await api(page, 'nodeRect', 'shell');
    check(Math.abs(center(moved).x - canvasAt(440, 160).x) <= 8,
          `dragging the node should move it, it is at ${JSON.stringify(moved)}`);

    // Connect the ports: checkout's right port to shell.
    await drag(page, (await api(page, 'nodeRect', 'checkout')).out,
               center(await api(page, 'nodeRect', 'shell')));
    checkEqual((await exportJson(page)).steps[1].needs, ['checkout'], 'shell needs checkout');

    // The other way round would be a cycle: core refuses it, the status says why.
    const before = await api(page, 'exportJson');
    await drag(page, (await api(page, 'nodeRect', 'shell')).out,
               center(await api(page, 'nodeRect', 'checkout')));
    checkEqual(await api(page, 'status'),
               'connecting shell to checkout would make a dependency cycle: ' +
               'shell -> checkout -> shell', 'the refusal');
    check(await api(page, 'exportJson') === before, 'a refused connection changed the pipeline');

    // Edit properties in the inspector: select a node, type into its fields.
    await click(page, center(await api(page, 'nodeRect', 'checkout')));
    checkEqual(await api(page, 'selection'), ['checkout'], 'the selection after a click');
    await click(page, center(await widget(page, 'inspector/with/repo')));
    await page.keyboard.type('https://git.example.org/ml/iris.git');
    await press(page, 'Enter');
    await click(page, center(await api(page, 'nodeRect', 'shell')));
    await click(page, center(await widget(page, 'inspector/with/run')));
    await page.keyboard.type('python3 train.py');
    await press(page, 'Control+Enter');
    let saved = await exportJson(page);
    checkEqual(saved.steps[0].with, { repo: 'https://git.example.org/ml/iris.git' },
               'checkout params after typing');
    checkEqual(saved.steps[1].with, { run: 'python3 train.py' }, 'shell params after typing');

    // Undo the last edit with the keyboard, redo it, and delete a third step.
    await press(page, 'Control+Z');
    checkEqual((await exportJson(page)).steps[1].with, undefined, 'shell params after undo');
    await press(page, 'Control+Shift+Z');
    checkEqual((await exportJson(page)).steps[1].with, { run: 'python3 train.py' },
               'shell params after redo');
    await drag(page, center(await widget(page, 'palette/notify')), canvasAt(300, 330));
    checkEqual((await exportJson(page)).steps.length, 3, 'steps after adding notify');
    await press(page, 'Delete');
    checkEqual((await exportJson(page)).steps.length, 2, 'steps after Delete');
    saved = await exportJson(page);
    checkEqual(await api(page, 'problems'), [], 'problems of the finished pipeline');

    // Save with Ctrl+S: a download that tame validates and that is already
    // in the form tame fmt writes.
    const download = page.waitForEvent('download');
    await press(page, 'Control+S');
    const file = await download;
    const dir = await tempDir();
    const savedPath = path.join(dir, file.suggestedFilename());
    await file.saveAs(savedPath);
    checkEqual(file.suggestedFilename(), 'untitled.json', 'the download name');
    const text = await fs.readFile(savedPath, 'utf8');
    check(text === await api(page, 'exportJson'), 'the download differs from exportJson()');
    const validate = tame(['validate', savedPath]);
    check(validate.status === 0, `tame validate failed:\n${validate.stderr}`);
    const fmt = tame(['fmt', savedPath]);
    check(fmt.status === 0 && fmt.stdout === text,
          `the saved file is not what tame fmt writes:\n${fmt.stderr}${fmt.stdout}`);
    checkEqual(JSON.parse(text).steps, saved.steps, 'the saved steps');

    const image = await screenshot(page, 'main-flow.png');
    const colors = (await api(page, 'palette')).filter((k) => k.uses === 'git.checkout' ||
                                                              k.uses === 'shell');
    const canvasBox = { x: paletteWidth, y: 30, w: viewport.width - paletteWidth - inspectorWidth,
                        h: 400 };
    countColors(image, canvasBox, colors.map((k) => k.color)).forEach((n, k) =>
      check(n >= 40, `the canvas shows ${n} pixels of ${colors[k].uses}'s colour; no node?`));
  });

test('opening a broken file shows what tame validate says and keeps the work',
  async ({ page }) => {
    await pickFile(page, 'ml-to-k8s.json', await example('ml-to-k8s.json'));
    checkEqual((await api(page, 'stats')).steps, 9, 'steps after opening the example');
    const work = await api(page, 'exportJson');

    const broken = '{"version": 1, "name": "x", "stepz": [], "steps": [{"id": "a"}]}\n';
    await pickFile(page, 'broken.json', broken);
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, 'broken.json'), broken);
    const cli = tame(['validate', 'broken.json'], dir);
    check(cli.status === 2, `tame validate broken.json exited ${cli.status}`);
    const expected = cli.stderr.trimEnd().split('\n');
    checkEqual(await api(page, 'openErrors'), expected, 'the messages shown for broken.json');
    check(await api(page, 'exportJson') === work, 'opening a broken file changed the work');
    await widget(page, 'dialog/open-errors');
    await screenshot(page, 'open-error.png');
    await press(page, 'Escape');

    // A file that loads but does not validate opens, with the same messages
    // in the problems panel; clicking one selects its step.
    const invalid = (await example('ml-to-k8s.json')).replace('"uses": "shell"',
                                                               '"uses": "shel"');
    await fs.writeFile(path.join(dir, 'invalid.json'), invalid);
    const cliInvalid = tame(['validate', 'invalid.json'], dir).stderr.trimEnd().split('\n');
    await page.evaluate((text) => {
      const data = new DataTransfer();
      data.items.add(new File([text], 'invalid.json', { type: 'application/json' }));
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true }));
    }, invalid);
    await page.waitForFunction(() => window.tame.problems().length > 0);
    checkEqual(await api(page, 'problems'), cliInvalid, 'problems of a dropped invalid file');
    await click(page, center(await widget(page, 'problems/0')));
    checkEqual(await api(page, 'selection'), ['train'], 'the step of the clicked problem');
    await screenshot(page, 'problems.png');

    // Fix it in the inspector: choose the kind the message suggests.
    await click(page, center(await widget(page, 'inspector/uses')));
    await click(page, center(await widget(page, 'inspector/uses/shell')));
    checkEqual(await api(page, 'problems'), [], 'problems after choosing the shell kind');
    check(await api(page, 'exportJson') === work, 'the fixed file should equal the example');
    await press(page, 'Control+Z');
    checkEqual(await api(page, 'problems'), cliInvalid, 'problems after undoing the fix');
  });

test('a reload restores the autosave', async ({ page }) => {
  await click(page, center(await widget(page, 'canvas/template/local-ml.json')));
  checkEqual((await api(page, 'problems')), [], 'problems of the local-ml template');
  check(await api(page, 'addStep', 'notify', 'tell', 600, 500) === '', 'addStep');
  check(await api(page, 'connect', 'report', 'tell') === '', 'connect');
  const work = await api(page, 'exportJson');
  await page.waitForFunction(async (work) => {
    const saved = localStorage.getItem('tame.autosave');
    return saved && window.tame.autosaves > 0 && window.tame.exportJson() === work;
  }, work);
  await frames(page, 40);  // no further autosave is on its way
  await page.reload();
  await waitForDesigner(page);
  check(await api(page, 'exportJson') === work, 'the reloaded page lost the work');
  check((await api(page, 'status')).startsWith('Restored local-ml.json'),
        `status after reload: ${await api(page, 'status')}`);
  await screenshot(page, 'restored.png');
});

test('a share link carries the pipeline to another browser', async ({ page, browser, origin }) => {
  await pickFile(page, 'ml-to-k8s.json', await example('ml-to-k8s.json'));
  const work = await api(page, 'exportJson');
  await click(page, center(await widget(page, 'menu/File')));
  await click(page, center(await widget(page, 'menu/File/Share link...')));
  await page.waitForFunction(() => window.tame.shareUrl);
  const url = await page.evaluate(() => window.tame.shareUrl);
  check(url.startsWith(`${origin}/index.html#p=`), `share link ${url}`);
  await screenshot(page, 'share.png');

  const other = await browser.newContext({ viewport });
  try {
    const second = await other.newPage();
    await second.goto(url);
    await waitForDesigner(second);
    check(await api(second, 'exportJson') === work, 'the shared pipeline differs');
    check(!(await second.evaluate(() => location.hash)), 'the link stays in the address bar');
  } finally {
    await other.close();
  }
});

test('templates, plan preview, auto-layout, duplicate and clipboard', async ({ page }) => {
  await click(page, center(await widget(page, 'menu/File')));
  await page.mouse.move((await widget(page, 'menu/File/New')).x + 20,
                        (await widget(page, 'menu/File/New')).y + 30);
  await frames(page, 3);
  await click(page, center(await widget(page, 'menu/File/ml-to-k8s.json')));
  checkEqual((await api(page, 'stats')).steps, 9, 'steps of the template');

  // The template is laid out by levels already: move a step out of line,
  // and auto-layout (L) puts it back; undo moves it out again.
  const layout = async () => (await exportJson(page)).layout;
  const placed = await layout();
  const gate = center(await api(page, 'nodeRect', 'gate'));
  await drag(page, gate, { x: gate.x + 40, y: gate.y + 200 });
  const moved = await layout();
  check(moved.gate.y > placed.gate.y + 150, `gate did not move: ${JSON.stringify(moved.gate)}`);
  await click(page, { x: paletteWidth + 20, y: 500 });  // clear the selection
  await press(page, 'l');
  // Auto-layout puts the levels in layers that wrap to the canvas's width at
  // a readable zoom: (700 / 0.75 - 40) / 240, three levels a band.
  const laid = await layout();
  checkEqual(laid.checkout, { x: 40, y: 80 }, 'the first step after auto-layout');
  check(Object.values(laid).every((p) => p.x <= 40 + 2 * 240),
        `auto-layout did not wrap: ${JSON.stringify(laid)}`);
  const spots = Object.values(laid).map((p) => `${p.x},${p.y}`);
  check(new Set(spots).size === spots.length, `steps share a place: ${spots}`);
  checkEqual(laid.gate, placed.gate, 'auto-layout puts gate back where the template has it');
  await press(page, 'Control+Z');
  checkEqual(await layout(), moved, 'the layout after undoing the auto-layout');

  // Box-select two steps, duplicate them.
  const a = await api(page, 'nodeRect', 'checkout');
  const b = await api(page, 'nodeRect', 'train');
  await drag(page, { x: a.x - 20, y: a.y - 20 }, { x: b.x + b.w + 10, y: b.y + b.h + 20 });
  checkEqual(await api(page, 'selection'), ['checkout', 'train'], 'the box selection');
  await press(page, 'Control+D');
  checkEqual(await api(page, 'selection'), ['checkout-2', 'train-2'], 'the duplicates');
  const copies = (await exportJson(page)).steps.slice(-2);
  checkEqual(copies[1].with.run.includes('steps.checkout-2.outputs.path'), true,
             'the duplicated train refers to the duplicated checkout');

  // Copy and paste go through the page's clipboard events.
  const copied = await page.evaluate(() => {
    const data = new DataTransfer();
    document.dispatchEvent(new ClipboardEvent('copy', { clipboardData: data }));
    return data.getData('text/plain');
  });
  checkEqual(JSON.parse(copied).steps.map((s) => s.id), ['checkout-2', 'train-2'],
             'the clipboard holds the selection as a pipeline');
  await page.evaluate((text) => {
    const data = new DataTransfer();
    data.setData('text/plain', text);
    document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data }));
  }, copied);
  await frames(page, 3);
  checkEqual(await api(page, 'selection'), ['checkout-3', 'train-3'], 'the pasted steps');
  checkEqual((await api(page, 'stats')).steps, 13, 'steps after duplicate and paste');

  // The plan preview lists the levels core computes.
  await click(page, center(await widget(page, 'tab/Plan')));
  await screenshot(page, 'plan.png');
});

test('pan with the mouse and wheel, zoom with ctrl+wheel', async ({ page }) => {
  const clip = { x: paletteWidth, y: 30, width: viewport.width - paletteWidth - inspectorWidth,
                 height: 200 };
  const before = decodePng(await page.screenshot({ clip }));
  const start = { x: clip.x + 300, y: 120 };
  const shift = { x: 40, y: 24 };  // not a multiple of the grid step
  await drag(page, start, { x: start.x + shift.x, y: start.y + shift.y }, { button: 'right' });
  const after = decodePng(await page.screenshot({ clip }));
  const unmoved = shiftMismatch(before, after, 0, 0);
  const moved = shiftMismatch(before, after, shift.x, shift.y);
  check(unmoved > 0.02, `the canvas barely changed (${(100 * unmoved).toFixed(2)}% of pixels)`);
  check(moved === 0, `the grid did not follow the mouse: ${(100 * moved).toFixed(2)}% differ`);

  await page.mouse.move(start.x, 400);
  await page.mouse.wheel(0, 100);
  await frames(page, 3);
  const wheeled = decodePng(await page.screenshot({ clip }));
  check(shiftMismatch(after, wheeled, 0, -100) === 0, 'the wheel did not pan by 100 pixels');

  await page.keyboard.down('Control');
  await page.mouse.wheel(0, -200);
  await page.keyboard.up('Control');
  await frames(page, 3);
  const zoom = (await api(page, 'stats')).zoom;
  check(zoom > 1.2, `ctrl+wheel up should zoom in, zoom is ${zoom}`);
});

test('the canvas follows the window when it is resized', async ({ page }) => {
  const size = { width: 1000, height: 640 };
  await page.setViewportSize(size);
  await page.waitForFunction(({ width, height }) => {
    const element = document.getElementById('canvas');
    return element.width === width && element.height === height;
  }, size, { timeout: 5000 });
  await frames(page, 3);
  const image = await screenshot(page, 'resized.png');
  check(image.width === size.width && image.height === size.height,
        `screenshot is ${image.width}x${image.height}`);
  check(blackPixels(image) === 0, 'parts of the page are left undrawn after the resize');
});

test('export to every target from the Export menu: the bytes tame export writes',
  async ({ page }) => {
    await pickFile(page, 'ml-to-k8s.json', await example('ml-to-k8s.json'));
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, 'ml-to-k8s.json'), await api(page, 'exportJson'));
    // The menu lists core's table of targets, the same one `tame export --help` prints.
    const targets = await api(page, 'exportTargets');
    const help = tameBytes(['export', '--help'], dir).stdout.toString();
    const usage = help.split('\n')[0];
    checkEqual(usage.slice(usage.indexOf('--to ') + 5).split(' ')[0],
               targets.map((t) => t.name).join('|'), 'the targets of the menu and of the CLI');
    check(targets.length >= 5, `only ${targets.length} export targets`);
    // One Export menu, whole on a 1024 px wide window.
    await page.setViewportSize({ width: 1024, height: 700 });
    await frames(page, 3);
    const openMenu = async (target) => {
      await click(page, center(await widget(page, 'menu/Export')));
      check(await onScreen(page, `export/${target}`), `Export > ${target} is off screen`);
      await click(page, center(await widget(page, `export/${target}`)));
    };
    const opens = Object.fromEntries(targets.map((t) => [t.name, () => openMenu(t.name)]));
    // Named after the pipeline (iris-to-k8s), as `tame export` names them.
    const names = Object.fromEntries(targets.map((t) => [t.name, `iris-to-k8s${t.file_suffix}`]));
    for (const [target, open] of Object.entries(opens)) {
      const cli = tameBytes(['export', 'ml-to-k8s.json', '--to', target], dir);
      check(cli.status === 0, `tame export --to ${target} exited ${cli.status}:\n${cli.stderr}`);
      const notes = cli.stderr.trimEnd().split('\n').slice(1);
      check(notes.length > 0, `the example should need notes on fidelity for ${target}`);

      const exported = await api(page, 'exportTo', target);
      checkEqual(exported.errors, [], `exportTo('${target}') errors`);
      check(exported.text === cli.stdout.toString(), `exportTo('${target}') differs from the CLI`);
      check(exported.fidelity === cli.stderr,
            `exportTo('${target}').fidelity:\n${exported.fidelity}\nthe CLI's:\n${cli.stderr}`);
      checkEqual(exported.file, names[target], 'the export\'s file name');

      // The dialog shows the report before anything is downloaded.
      await open();
      check(await onScreen(page, 'export/fidelity'), `the fidelity report for ${target} is hidden`);
      check(await onScreen(page, 'export/note/0'), `the first note for ${target} is hidden`);
      await screenshot(page, `export-${target}.png`);
      const download = page.waitForEvent('download');
      await click(page, center(await widget(page, 'export/download')));
      const file = await download;
      checkEqual(file.suggestedFilename(), names[target], 'the download\'s name');
      const bytes = await fs.readFile(await file.path());
      check(bytes.equals(cli.stdout),
            `the ${target} download (${bytes.length} bytes) differs from tame export's ` +
            `(${cli.stdout.length} bytes)`);
      check(!(await api(page, 'widgetRect', 'export/fidelity')), 'the dialog stayed open');
    }

    // An invalid pipeline is not exported; the dialog says why.
    check(await api(page, 'addStep', 'shell', 'empty', 900, 600) === '', 'addStep');
    const refused = await api(page, 'exportTo', 'tekton');
    check(refused.text === '' && refused.errors.length > 0, 'an invalid pipeline was exported');
    await openMenu('tekton');
    check(await onScreen(page, 'export/errors'), 'the export errors are hidden');
    await press(page, 'Escape');
  });

test('a run report on the pipeline: statuses, a log tail, and closing the run',
  async ({ page, origin, mount }) => {
    const run = await runLocalMl();
    mount('runs', run.runsDir);
    await openAndAutosave(page, 'local-ml.json', await example('local-ml.json'));
    await page.goto(`${origin}/index.html?report=runs/${run.runId}/report.json`);
    await waitForDesigner(page);

    const report = JSON.parse(run.report);
    const sorted = (statuses) => Object.entries(statuses).sort(([a], [b]) => (a < b ? -1 : 1));
    const expected = Object.fromEntries(report.steps.map((step) => [step.id, step.status]));
    checkEqual(Object.values(expected), Array(7).fill('succeeded'), 'statuses in report.json');
    checkEqual(sorted(await api(page, 'runStatus')), sorted(expected), 'runStatus()');
    const info = await api(page, 'runInfo');
    checkEqual([info.run, info.hashMatches, info.pipelineOnly, info.runOnly],
               [run.runId, true, [], []], 'the run and how it matches');
    check(info.logs.length > 0 && info.logs.every((log) => log.loaded),
          `logs not loaded: ${JSON.stringify(info.logs)}`);
    check(await onScreen(page, 'run/banner'), 'the run banner is hidden');
    check(!(await api(page, 'widgetRect', 'run/hash-differs')), 'a hash warning for the same file');
    check(await onScreen(page, 'run/list/select'), 'the Run tab does not list the steps');
    await screenshot(page, 'run-summary.png');

    // Selecting a node shows its record and the end of its log.
    await click(page, center(await api(page, 'nodeRect', 'select')));
    checkEqual(await api(page, 'selection'), ['select'], 'the selection');
    check(await onScreen(page, 'run/step/status'), 'the step\'s status is hidden');
    check(await onScreen(page, 'run/step/outputs'), 'the step\'s outputs are hidden');
    check(await onScreen(page, 'run/step/log'), 'the log tail is hidden');
    const image = await screenshot(page, 'run.png');
    const canvasBox = { x: paletteWidth, y: 90, w: viewport.width - paletteWidth - inspectorWidth,
                        h: 500 };
    const [green] = countColors(image, canvasBox, ['#4cb260']);
    // About 400 pixels a node at zoom 0.75; a node's outline grows with the zoom.
    const { zoom } = await api(page, 'stats');
    check(green >= 6 * 400 * (zoom / 0.75),
          `the canvas shows ${green} pixels of the succeeded colour at zoom ${zoom}`);

    await click(page, center(await widget(page, 'run/close')));
    checkEqual(await api(page, 'runInfo'), { open: false }, 'runInfo() after closing');
    checkEqual(await api(page, 'runStatus'), {}, 'runStatus() after closing');
    check(!(await api(page, 'widgetRect', 'run/banner')), 'the banner stayed');
  });

test('a run report on a changed pipeline marks the steps that do not match',
  async ({ page }) => {
    const run = await runLocalMl();
    const renamed = (await example('local-ml.json'))
      .replace('"id": "lint"', '"id": "check-data"')
      .replace('"needs": ["lint"]', '"needs": ["check-data"]')
      .replace('"lint": {', '"check-data": {');
    await pickFile(page, 'local-ml.json', renamed);
    checkEqual(await api(page, 'problems'), [], 'problems of the renamed pipeline');

    // Not a report: the messages name the place, nothing is shown.
    checkEqual(await api(page, 'openReport', '{"run": 1, "steps": []}', 'bad.json'),
               ['bad.json: /run: expected a string, found an integer'], 'a bad report');
    checkEqual(await api(page, 'openErrors'),
               ['bad.json: /run: expected a string, found an integer'], 'the dialog\'s messages');
    await press(page, 'Escape');
    checkEqual(await api(page, 'runInfo'), { open: false }, 'runInfo() after a bad report');

    // File > Open run report..., picking the report with its logs.
    const runDir = path.join(run.runsDir, run.runId);
    const logs = await fs.readdir(path.join(runDir, 'logs'));
    await click(page, center(await widget(page, 'menu/File')));
    const chooser = page.waitForEvent('filechooser');
    await click(page, center(await widget(page, 'menu/File/Open run report...')));
    await (await chooser).setFiles([path.join(runDir, 'report.json'),
                                    ...logs.map((log) => path.join(runDir, 'logs', log))]);
    await page.waitForFunction(() => window.tame.runInfo().open &&
                                     window.tame.runInfo().logs.every((log) => log.loaded));
    await frames(page, 3);
    const info = await api(page, 'runInfo');
    checkEqual([info.hashMatches, info.pipelineOnly, info.runOnly],
               [false, ['check-data'], ['lint']], 'how the run matches the renamed pipeline');
    checkEqual((await api(page, 'runStatus')).lint, 'succeeded', 'the run keeps its own ids');
    check(await onScreen(page, 'run/unmatched'), 'the unmatched steps are not named');
    check(await onScreen(page, 'run/hash-differs'), 'the hash warning is hidden');
    await click(page, center(await api(page, 'nodeRect', 'check-data')));
    check(await onScreen(page, 'run/step-not-in-run'), 'the renamed step is not marked');
    await screenshot(page, 'run-unmatched.png');
  });

test('every status on the canvas; gate rows and sign-offs in a step\'s detail',
  async ({ page }) => {
    await pickFile(page, 'ml-to-k8s.json', await example('ml-to-k8s.json'));
    const step = (id, status, more = {}) =>
      ({ id, status, attempts: 1, duration_ms: 1500, outputs: {}, ...more });
    const report = {
      version: 1, run: 'r-statuses', pipeline: 'iris-to-k8s', pipeline_hash: '00', status: 'running',
      started_at: '2024-05-01T10:15:00Z', duration_ms: 64000, future_field: { kept: 'out' },
      steps: [
        step('checkout', 'cached', { cached: true, reused_from: 'r-before' }),
        step('train', 'succeeded', { attempts: 3, duration_ms: 95000, log: 'logs/train.log',
                                     outputs: { metrics: 'work/metrics.json' } }),
        step('gate', 'failed', {
          exit_code: 1, error: 'accuracy 0.85 is not >= 0.9',
          gate: { file: 'work/metrics.json', rows: [
            { metric: 'accuracy', op: '>=', threshold: 0.9, value: 0.85, baseline: 0.88,
              pass: false },
            { metric: 'loss', op: '<', threshold: 0.5, value: 0.31, baseline: null, pass: true },
          ] },
        }),
        step('signoff', 'waiting', { approvals: [
          { who: 'alice', at: '2024-05-01T10:16:00Z', decision: 'approve', comment: 'ok by me',
            accepted: true },
          { who: 'mallory', at: '2024-05-01T10:17:00Z', decision: 'approve', comment: '',
            accepted: false, reason: 'not one of the approvers' },
        ] }),
        step('build', 'cancelled'), step('push', 'skipped'), step('deploy', 'running'),
        step('smoke', 'not run'), step('announce', 'not run'),
      ],
    };
    checkEqual(await api(page, 'openReport', JSON.stringify(report)), [], 'openReport() errors');
    await api(page, 'runLog', 'train', 'epoch 1\nepoch 2\nsaved work/metrics.json\n');
    await frames(page, 3);
    checkEqual((await api(page, 'runInfo')).logs, [{ id: 'train', loaded: true,
                                                     path: 'logs/train.log' }], 'the logs handed in');
    await click(page, center(await api(page, 'nodeRect', 'gate')));
    check(await onScreen(page, 'run/step/gate'), 'the gate rows are hidden');
    check(await onScreen(page, 'run/step/error'), 'the step\'s error is hidden');
    await screenshot(page, 'run-gate.png');
    await click(page, center(await api(page, 'nodeRect', 'signoff')));
    check(await onScreen(page, 'run/step/approvals'), 'the sign-offs are hidden');
    await screenshot(page, 'run-statuses.png');
  });

// The mean brightness (0 to 255) of the pixels of `image` in `rect`.
function brightness(image, rect) {
  let sum = 0;
  let count = 0;
  for (let y = Math.round(rect.y); y < Math.round(rect.y + rect.h); ++y) {
    for (let x = Math.round(rect.x); x < Math.round(rect.x + rect.w); ++x) {
      const rgb = rgbAt(image, x, y);
      sum += ((rgb >> 16) + ((rgb >> 8) & 0xff) + (rgb & 0xff)) / 3;
      ++count;
    }
  }
  return sum / count;
}

test('the plan preview runs from a step or only some, as tame plan --from and --only',
  async ({ page }) => {
    const file = path.join(root, 'examples/local-ml.json');
    const workspace = await tempDir();  // no earlier runs: nothing for a cache to say
    const cliPlan = (...args) => {
      const result = tame(['plan', file, ...args], workspace);
      check(result.status === 0, `tame plan ${args.join(' ')} exited ${result.status}: ` +
                                 result.stderr);
      return result.stdout;
    };
    await pickFile(page, 'local-ml.json', await example('local-ml.json'));
    checkEqual((await api(page, 'stats')).modified, false, 'an opened file counts as edited');
    const ids = (await exportJson(page)).steps.map((step) => step.id);
    for (const id of ids) {
      const rect = await api(page, 'nodeRect', id);
      check(rect.x >= paletteWidth && rect.x + rect.w <= viewport.width - inspectorWidth &&
            rect.y >= 20 && rect.y + rect.h <= viewport.height - 30,
            `step ${id} is outside the canvas after opening: ${JSON.stringify(rect)}`);
    }

    // The window's API gives what `tame plan --json` prints.
    const requests = [
      [{ from: 'select' }, ['--from', 'select']],
      [{ only: ['train-linear', 'report'] }, ['--only', 'train-linear,report']],
      [{ from: 'lint' }, ['--from', 'lint']],
      [{}, []],
    ];
    for (const [request, args] of requests) {
      const expected = JSON.parse(cliPlan(...args, '--json'));
      const got = await api(page, 'plan', request);
      check(isDeepStrictEqual(got, expected),
            `plan(${JSON.stringify(request)}):\n    got      ${JSON.stringify(got)}\n` +
            `    expected ${JSON.stringify(expected)}`);
    }
    const typo = tame(['plan', file, '--from', 'selekt'], workspace);
    checkEqual(await api(page, 'plan', { from: 'selekt' }),
               { error: typo.stderr.trim().replace(/^tame: /, '') }, 'an unknown step');

    // Select a step on the canvas, then "from a step" in the Plan tab starts there.
    await click(page, center(await api(page, 'nodeRect', 'select')));
    await click(page, center(await widget(page, 'tab/Plan')));
    checkEqual((await api(page, 'planView')).scope, 'whole', 'the plan\'s first scope');
    await click(page, center(await widget(page, 'plan/scope/from')));
    let view = await api(page, 'planView');
    checkEqual([view.scope, view.steps, view.command],
               ['from', ['select'], 'tame run local-ml.json --from select'], 'the plan from select');
    checkEqual(view.lines, cliPlan('--from', 'select').trimEnd().split('\n'),
               'the Plan tab\'s lines against tame plan --from select');
    check(view.lines.some((line) => line.endsWith('(reused)')), 'no step is reused');
    for (const name of ['plan/summary', 'plan/command', 'plan/copy', 'plan/from',
                        'plan/step/prepare', 'plan/step/select']) {
      check(await onScreen(page, name), `${name} is hidden`);
    }
    await click(page, center(await widget(page, 'plan/copy')));
    checkEqual(await api(page, 'status'), 'Copied: tame run local-ml.json --from select',
               'the status line after Copy');

    // The canvas fades the steps that do not run.
    await page.mouse.move(paletteWidth + 10, viewport.height - 60);
    await frames(page, 3);
    const image = await screenshot(page, 'plan-from.png');
    const runs = brightness(image, await api(page, 'nodeRect', 'report'));
    const reused = brightness(image, await api(page, 'nodeRect', 'prepare'));
    check(runs > reused * 1.3, `a reused step is not faded: brightness ${reused} against ${runs}`);

    // The step is picked from a list.
    await click(page, center(await widget(page, 'plan/from')));
    await click(page, center(await widget(page, 'plan/from/lint')));
    view = await api(page, 'planView');
    checkEqual(view.lines, cliPlan('--from', 'lint').trimEnd().split('\n'),
               'the Plan tab\'s lines against tame plan --from lint');

    // "Only these steps" runs the selection; clicking a step's line adds it.
    await click(page, center(await widget(page, 'plan/scope/only')));
    await click(page, center(await widget(page, 'plan/step/train-linear')));
    view = await api(page, 'planView');
    checkEqual([view.scope, view.steps, view.command],
               ['only', ['train-linear', 'select'], 'tame run local-ml.json --only train-linear,select'],
               'the plan of only two steps');
    checkEqual(view.lines, cliPlan('--only', 'train-linear,select').trimEnd().split('\n'),
               'the Plan tab\'s lines against tame plan --only');
    await screenshot(page, 'plan-only.png');

    await click(page, center(await widget(page, 'plan/scope/whole')));
    view = await api(page, 'planView');
    checkEqual(view.lines, cliPlan().trimEnd().split('\n'), 'the whole plan');
    checkEqual(view.command, 'tame run local-ml.json', 'the command for the whole plan');
  });

test('tame designer FILE serves the site and the page opens FILE', async ({ page, allow }) => {
  const dir = await tempDir();
  const file = path.join(dir, 'my model.json');
  await fs.writeFile(file, await example('local-ml.json'));
  const { spawn } = await import('node:child_process');
  const server = spawn(tameBin, ['designer', file, '--no-browser'], {
    env: { ...process.env, TAME_DESIGNER_DIR: webDir, DISPLAY: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let out = '';
    const url = await new Promise((resolve, reject) => {
      server.stdout.on('data', (chunk) => {
        out += chunk;
        const match = out.match(/ (http:\/\/127\.0\.0\.1:\d+\/\S*)\n/);
        if (match) resolve(match[1]);
      });
      server.on('exit', (code) => reject(new Error(`tame designer exited ${code}: ${out}`)));
    });
    check(url.endsWith('/?open=my%20model.json'), `the address ${url}`);
    allow(url.slice(0, url.indexOf('?')));
    await page.goto(url);
    await waitForDesigner(page);
    checkEqual((await api(page, 'stats')).steps, 7, 'steps of the served file');
    checkEqual(JSON.parse(await api(page, 'exportJson')), JSON.parse(await example('local-ml.json')),
               'the pipeline the page opened, layout and all');
  } finally {
    const exited = new Promise((resolve) => server.on('exit', (code, signal) => resolve([code, signal])));
    server.kill('SIGINT');
    checkEqual(await exited, [130, null], 'tame designer after Ctrl-C');
  }
});

test('the screenshot of the README: ml-to-k8s in the designer', async ({ page }) => {
  await pickFile(page, 'pipeline.json', await example('ml-to-k8s.json'));
  await click(page, center(await api(page, 'nodeRect', 'gate')));
  await frames(page, 10);
  await screenshot(page, 'designer.png');
  // TAME_UPDATE_DOCS=1 refreshes the committed copy (docs/designer.png).
  if (process.env.TAME_UPDATE_DOCS === '1') {
    await fs.copyFile(path.join(outDir, 'designer.png'), path.join(root, 'docs/designer.png'));
  }
});

test('input is never lost: commit on a click elsewhere, field shortcuts, refusals next to the field',
  async ({ page, origin }) => {
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    await drag(page, center(await widget(page, 'palette/git.checkout')), { x: 400, y: 200 });
    await drag(page, center(await widget(page, 'palette/shell')), { x: 400, y: 400 });
    const steps = async () => (await exportJson(page)).steps;

    // Type into a field, then click another node: the text is kept, as one
    // undo entry, and the click selects the node.
    await click(page, center(await api(page, 'nodeRect', 'checkout')));
    await click(page, center(await widget(page, 'inspector/with/repo')));
    await page.keyboard.type('https://git.example.org/ml/iris.git');
    await frames(page, 3);
    await click(page, center(await api(page, 'nodeRect', 'shell')));
    checkEqual((await steps())[0].with, { repo: 'https://git.example.org/ml/iris.git' },
               'checkout params after typing and clicking another node');
    checkEqual(await api(page, 'selection'), ['shell'], 'the selection after the click');

    // Type, then click the empty canvas: kept as well.
    await click(page, center(await widget(page, 'inspector/with/run')));
    await page.keyboard.type('python3 train.py');
    await frames(page, 3);
    await click(page, { x: paletteWidth + 30, y: 100 });
    checkEqual((await steps())[1].with, { run: 'python3 train.py' },
               'shell params after typing and clicking the canvas');
    checkEqual(await api(page, 'selection'), [], 'the selection after clicking the canvas');
    await press(page, 'Control+Z');
    checkEqual((await steps())[1].with, undefined, 'one Ctrl+Z undoes the whole typed text');
    await press(page, 'Control+Shift+Z');

    // Ctrl+V pastes into the focused field, not steps onto the canvas.
    await click(page, center(await api(page, 'nodeRect', 'checkout')));
    await page.evaluate(() => navigator.clipboard.writeText('v1.2.3'));
    await click(page, center(await widget(page, 'inspector/with/ref')));
    await press(page, 'Control+V');
    await press(page, 'Enter');
    checkEqual((await steps())[0].with.ref, 'v1.2.3', 'the ref after Ctrl+V in its field');
    checkEqual((await steps()).length, 2, 'steps after Ctrl+V in a field');

    // Ctrl+A selects the field's text, Ctrl+C copies it, Ctrl+X cuts it;
    // Ctrl+Z undoes typing inside the field, not the pipeline.
    await click(page, center(await widget(page, 'inspector/with/ref')));
    await press(page, 'Control+A');
    await page.evaluate(() => navigator.clipboard.writeText('-'));
    await press(page, 'Control+C');
    checkEqual(await page.evaluate(() => navigator.clipboard.readText()), 'v1.2.3',
               'the clipboard after Ctrl+A, Ctrl+C in a field');
    checkEqual(await api(page, 'selection'), ['checkout'], 'Ctrl+A in a field selects no steps');
    await press(page, 'Control+X');
    await page.keyboard.type('main');
    await frames(page, 3);
    await press(page, 'Control+Z');
    await press(page, 'Enter');
    // The field's own undo takes back the last letter typed.
    checkEqual((await steps())[0].with.ref, 'mai', 'Ctrl+Z in a field undoes its typing only');
    checkEqual((await steps()).map((s) => s.id), ['checkout', 'shell'],
               'Ctrl+X and Ctrl+Z in a field leave the steps alone');

    // A refused edit says why next to the field.
    await click(page, center(await api(page, 'nodeRect', 'shell')));
    await click(page, center(await widget(page, 'inspector/id')));
    await press(page, 'Control+A');
    await page.keyboard.type('checkout');
    await press(page, 'Enter');
    checkEqual((await steps()).map((s) => s.id), ['checkout', 'shell'], 'ids after a refused rename');
    checkEqual(await api(page, 'fieldRefusal'), 'there is already a step "checkout"',
               'the refusal shown below the id field');
    await screenshot(page, 'field-refusal.png');
  });

test('the first screen: template cards on top, no error until the user acts', async ({ page }) => {
  checkEqual(await api(page, 'problemList'), [], 'problems of the untouched empty pipeline');
  const card = await widget(page, 'canvas/template/ml-to-k8s.json');
  check(card.w >= 300 && card.h >= 40, `a template card is ${JSON.stringify(card)}`);
  await widget(page, 'canvas/scratch');
  await widget(page, 'canvas/open');
  // Import a workflow opens the file picker, which takes workflows.
  const chooser = page.waitForEvent('filechooser');
  await click(page, center(await widget(page, 'canvas/import')));
  check((await (await chooser).element().getAttribute('accept')).includes('.yml'),
        'the picker behind "Import a workflow" takes .yml files');
  const image = await screenshot(page, 'first-screen.png');
  const [cardPixels] = countColors(image, { x: Math.round(card.x), y: Math.round(card.y),
    w: Math.round(card.w), h: Math.round(card.h) }, ['#282b36']);
  check(cardPixels > card.w * card.h * 0.5,
        `the card is covered: ${cardPixels} of its pixels show the card's colour`);

  // Start from scratch: the cards go, a step added and removed leaves an
  // empty pipeline that is now a problem.
  await click(page, center(await widget(page, 'canvas/scratch')));
  await frames(page, 3);
  checkEqual(await api(page, 'widgetRect', 'canvas/template/ml-to-k8s.json'), null,
             'the cards after "start from scratch"');
  await drag(page, center(await widget(page, 'palette/shell')), { x: 500, y: 300 });
  await press(page, 'Delete');
  checkEqual((await api(page, 'problemList')).map((p) => p.text),
             ['the pipeline has no steps'], 'problems once the user acted');

  // File > New from template lists the same templates.
  await click(page, center(await widget(page, 'menu/File')));
  await page.mouse.move((await widget(page, 'menu/File/New')).x + 20,
                        (await widget(page, 'menu/File/New')).y + 30);
  await frames(page, 3);
  await click(page, center(await widget(page, 'menu/File/ml-to-k8s.json')));
  checkEqual((await api(page, 'stats')).steps, 9, 'steps of the template from the menu');

  // File > New is a first screen again: the cards, and no problem yet.
  await click(page, center(await widget(page, 'menu/File')));
  await click(page, center(await widget(page, 'menu/File/New')));
  await widget(page, 'canvas/template/ml-to-k8s.json');
  checkEqual(await api(page, 'problemList'), [], 'problems after File > New');
  await press(page, 'Control+Z');
  checkEqual((await api(page, 'stats')).steps, 9, 'Ctrl+Z brings the template back');
});

test('problems name their step and field, grouped, in plain words', async ({ page }) => {
  await pickFile(page, 'p.json', JSON.stringify({
    version: 1, name: 'p', steps: [
      { id: 'build', uses: 'docker.build', with: { tags: ['127.0.0.1:5000/iris:'] } },
      { id: 'signoff', uses: 'approval', needs: ['build'],
        with: { approvers: ['alice', ''], required: 1 } },
      { id: 'train', uses: 'shell', timeout: 'soon' },
    ],
  }));
  const list = (await api(page, 'problemList')).map((p) => [p.step, p.field, p.text, p.line]);
  checkEqual(list, [
    { step: 'build', field: 'with/tags', text: '"tags" "127.0.0.1:5000/iris:" has an empty tag after \':\'',
      line: 'p.json: /steps/0/with/tags/0: step "build": "tags" "127.0.0.1:5000/iris:" has an empty tag after \':\'' },
    { step: 'signoff', field: 'with/approvers', text: '"approvers" item 2 is empty',
      line: 'p.json: /steps/1/with/approvers/1: step "signoff": "approvers" item 2 is empty' },
    { step: 'train', field: 'with/run', text: 'shell needs param "run"',
      line: 'p.json: /steps/2/with: step "train": shell needs param "run"' },
    { step: 'train', field: 'timeout', text: (await api(page, 'problems'))[3].split('step "train": ')[1],
      line: (await api(page, 'problems'))[3] },
  ].map((p) => [p.step, p.field, p.text, p.line]), 'the problems with their step and field');

  // The inspector shows each problem below its field: the missing param
  // below "run", found from the problem's field and not its words.
  await click(page, center(await api(page, 'nodeRect', 'train')));
  const run = await widget(page, 'inspector/with/run');
  const timeout = await widget(page, 'inspector/timeout');
  check(run.y < timeout.y, 'the run field comes before timeout');
  await screenshot(page, 'problems-grouped.png');

  // Clicking a problem selects its step; the raw toggle shows the lines.
  await click(page, center(await widget(page, 'problems/0')));
  checkEqual(await api(page, 'selection'), ['build'], 'the selection after clicking a problem');
  await click(page, center(await widget(page, 'problems/raw')));
  await screenshot(page, 'problems-raw.png');
});

test('a report opened alone opens the pipeline it ran', async ({ page, origin, mount }) => {
  const run = await runLocalMl();
  const report = JSON.parse(run.report);
  const cli = tame(['fmt', path.join(root, 'examples/local-ml.json')]);
  check(isDeepStrictEqual(report.pipeline_source, JSON.parse(cli.stdout)),
        'report.json does not carry the pipeline tame fmt writes');
  mount('runs', run.runsDir);
  await page.goto(`${origin}/index.html?report=runs/${run.runId}/report.json`);
  await waitForDesigner(page);
  // The pipeline the run ran, layout and all.
  const opened = await exportJson(page);
  check(isDeepStrictEqual(opened, JSON.parse(cli.stdout)), 'the report opened another pipeline');
  const info = await api(page, 'runInfo');
  checkEqual([info.run, info.hashMatches, info.pipelineOnly, info.runOnly],
             [run.runId, true, [], []], 'the run and how it matches');
  checkEqual(await api(page, 'status'),
             `Showing run ${run.runId} from runs/${run.runId}/report.json with its pipeline ` +
             `${report.pipeline}.json`, 'the status line');
  await screenshot(page, 'report-alone.png');
});

test('references by picking: typing ${{ or the $ button, filtered, adds the edge', async ({ page }) => {
  await pickFile(page, 'refs.json', JSON.stringify({
    version: 1, name: 'refs',
    params: { image: { type: 'string', default: '127.0.0.1:5000/iris' } },
    secrets: { HOOK: { from: 'env' } },
    steps: [
      { id: 'train', uses: 'shell', with: { run: 'python3 train.py' },
        outputs: { metrics: { path: 'metrics.json' } } },
      { id: 'gate', uses: 'metrics.gate',
        with: { rules: [{ metric: 'accuracy', op: '>=', value: 0.9 }] } },
      { id: 'notify', uses: 'notify', needs: ['gate'],
        with: { webhook: '${{ secrets.HOOK }}', message: '' } },
    ],
    layout: { train: { x: 40, y: 80 }, gate: { x: 300, y: 200 }, notify: { x: 560, y: 80 } },
  }));
  await click(page, center(await api(page, 'nodeRect', 'gate')));

  // Typing ${{ in a field opens the picker; typing filters; Enter inserts.
  await click(page, center(await widget(page, 'inspector/with/file')));
  await page.keyboard.type('${{');
  await frames(page, 4);
  await widget(page, 'picker/filter');
  await widget(page, 'picker/item/steps.train.outputs.metrics');
  check(!(await api(page, 'widgetRect', 'picker/item/steps.notify.outputs.delivered')),
        'the picker offers a step that runs after this one (a cycle)');
  await page.keyboard.type('metr');
  await frames(page, 3);
  await press(page, 'Enter');
  await frames(page, 3);
  let saved = await exportJson(page);
  checkEqual(saved.steps[1].with.file, '${{ steps.train.outputs.metrics }}', 'the picked reference');
  checkEqual(await api(page, 'status'),
             'Inserted a reference to train\'s output: it adds the edge train -> gate',
             'the status after picking a step that was not upstream');
  checkEqual(await api(page, 'problems'), [], 'problems after picking');

  // The $ button beside a field opens the same picker; arrows move in it.
  await click(page, center(await api(page, 'nodeRect', 'notify')));
  await click(page, center(await widget(page, 'inspector/ref/message')));
  await widget(page, 'picker/filter');
  await page.keyboard.type('run.id');
  await frames(page, 3);
  await press(page, 'Enter');
  saved = await exportJson(page);
  checkEqual(saved.steps[2].with.message, '${{ run.id }}', 'the reference the button inserted');

  // Escape closes the picker and keeps what was typed.
  await click(page, center(await widget(page, 'inspector/with/message')));
  await press(page, 'End');
  await page.keyboard.type(' by ${{');
  await frames(page, 4);
  await widget(page, 'picker/filter');
  await press(page, 'Escape');
  await frames(page, 3);
  checkEqual((await exportJson(page)).steps[2].with.message, '${{ run.id }} by ${{',
             'the message after Escape');
  await screenshot(page, 'picker.png');
});

test('panels resize, hide and are remembered; the minimap is small and hideable',
  async ({ page }) => {
    await pickFile(page, 'ml-to-k8s.json', await example('ml-to-k8s.json'));
    const split = await widget(page, 'split/palette');
    await drag(page, center(split), { x: center(split).x - 60, y: center(split).y });
    const narrower = await widget(page, 'split/palette');
    check(Math.abs(narrower.x - (split.x - 60)) <= 4,
          `the palette's edge did not follow the mouse: ${JSON.stringify(narrower)}`);
    const side = await widget(page, 'split/side');
    await drag(page, center(side), { x: center(side).x - 80, y: center(side).y });
    check(Math.abs((await widget(page, 'split/side')).x - (side.x - 80)) <= 4,
          'the side panel\'s edge did not follow the mouse');
    // Hide the minimap from the View menu.
    await click(page, center(await widget(page, 'menu/View')));
    await click(page, center(await widget(page, 'menu/View/Minimap')));
    await page.waitForFunction(() => localStorage.getItem('tame.view'));
    const kept = JSON.parse(await page.evaluate(() => localStorage.getItem('tame.view')));
    checkEqual([Math.round(kept.palette), Math.round(kept.side), kept.showMinimap],
               [180, 420, false], 'the view settings kept');
    // A reload restores them.
    await page.reload();
    await waitForDesigner(page);
    check(Math.abs((await widget(page, 'split/palette')).x - narrower.x) <= 1,
          'the palette width after a reload');
    await screenshot(page, 'panels.png');
  });

test('screenshots at three window sizes and two pixel densities', async ({ browser, origin }) => {
  for (const [width, height] of [[1024, 700], [1440, 900], [1920, 1080]]) {
    for (const scale of [1, 2]) {
      const context = await browser.newContext({ viewport: { width, height },
                                                 deviceScaleFactor: scale });
      const page = await context.newPage();
      try {
        await page.goto(`${origin}/index.html`);
        await waitForDesigner(page);
        await screenshot(page, `size-${width}x${height}@${scale}-start.png`);
        await pickFile(page, 'ml-to-k8s.json', await example('ml-to-k8s.json'));
        await press(page, 'f');
        await frames(page, 5);
        const buffer = await page.evaluate(() => {
          const canvas = document.getElementById('canvas');
          return [canvas.width, canvas.height];
        });
        checkEqual(buffer, [width * scale, height * scale],
                   `the drawing buffer at ${width}x${height}, ratio ${scale}`);
        const node = await api(page, 'nodeRect', 'train');
        check(node && node.w > 60, `train is too small to read at ${width}x${height}: ` +
                                   JSON.stringify(node));
        await click(page, center(node));
        checkEqual(await api(page, 'selection'), ['train'],
                   `a click selects at ${width}x${height}, ratio ${scale}`);
        const image = await screenshot(page, `size-${width}x${height}@${scale}.png`);
        check(blackPixels(image) === 0, `parts are undrawn at ${width}x${height}@${scale}`);
      } finally {
        await context.close();
      }
    }
  }
});

test('the delivery pipeline built by hand with the picker, its actions counted',
  async ({ page }) => {
    // Every click, drag, key press and typed value is an action; the
    // characters typed are counted apart.
    const count = { actions: 0, clicks: 0, drags: 0, keys: 0, typed: 0, chars: 0 };
    const tap = async (point) => { ++count.actions; ++count.clicks; await click(page, point); };
    const pull = async (from, to) => { ++count.actions; ++count.drags; await drag(page, from, to); };
    const key = async (keys) => { ++count.actions; ++count.keys; await press(page, keys); };
    const type = async (text) => {
      ++count.actions;
      ++count.typed;
      count.chars += text.length;
      await page.keyboard.type(text);
      await frames(page, 4);
    };
    const ids = async () => (await exportJson(page)).steps.map((s) => s.id);
    const node = async (id) => center(await api(page, 'nodeRect', id));
    const at = async (name) => center(await widget(page, name));

    const kinds = ['git.checkout', 'shell', 'metrics.gate', 'approval', 'docker.build',
                   'docker.push', 'k8s.deploy', 'http.check', 'notify'];
    // Dragged onto the canvas in three rows of three.
    for (const [k, kind] of kinds.entries()) {
      await pull(center(await widget(page, `palette/${kind}`)),
                 { x: paletteWidth + 110 + 240 * (k % 3), y: 80 + 130 * Math.floor(k / 3) });
    }
    const [checkout, train, gate, signoff, build, push, deploy, smoke, notify] = await ids();
    checkEqual((await ids()).length, 9, 'steps added');

    const edge = async (from, to) =>
      pull((await api(page, 'nodeRect', from)).out, await node(to));
    await edge(checkout, train);
    await edge(gate, signoff);
    await edge(signoff, build);
    await edge(build, push);
    await edge(smoke, notify);

    // A field: click, type, Enter (Ctrl+Enter for several lines).
    const fill = async (name, text, enter = 'Enter') => {
      await tap(await at(name));
      await type(text);
      await key(enter);
    };
    // A reference by picking: ${{ in the field, words to filter, Enter.
    const pick = async (name, words) => {
      await tap(await at(name));
      await type('${{');
      await type(words);
      await key('Enter');
    };

    await tap(await node(checkout));
    await fill('inspector/with/repo', 'https://git.example.org/ml/iris.git');
    await tap(await node(train));
    await fill('inspector/with/run', 'python3 train.py', 'Control+Enter');
    await tap(await at('inspector/outputs/add'));
    await tap(await node(gate));
    await pick('inspector/with/file', train);
    await tap(await at('inspector/with/rules'));
    await tap(await node(signoff));
    for (const who of ['alice', 'bob', 'carol']) {
      await tap(await at('inspector/with/approvers'));
      await type(who);
      await key('Enter');
    }
    await fill('inspector/with/required', '2');
    await tap(await node(build));
    await tap(await at('inspector/with/tags'));
    await type('127.0.0.1:5000/iris:1.0');
    await key('Enter');
    await tap(await node(push));
    await fill('inspector/with/image', '127.0.0.1:5000/iris:1.0');
    await tap(await node(deploy));
    await pick('inspector/with/image', `${push} ref`);
    await fill('inspector/with/name', 'iris');
    await tap(await node(smoke));
    await fill('inspector/with/url', 'http://iris.example.org/health');
    await edge(deploy, smoke);
    await tap(await node(notify));
    await tap(await at('inspector/with/webhook'));
    await type('HOOK');
    await key('Enter');
    await fill('inspector/with/message', 'iris is deployed', 'Control+Enter');
    await key('l');

    const saved = await exportJson(page);
    checkEqual(await api(page, 'problems'), [], 'problems of the delivery pipeline');
    const step = (id) => saved.steps.find((s) => s.id === id);
    checkEqual(step(gate).with.file, `\${{ steps.${train}.outputs.output }}`, 'the gate\'s file');
    checkEqual(step(signoff).with, { approvers: ['alice', 'bob', 'carol'], required: 2 },
               'the sign-off');
    checkEqual(step(deploy).with.image, `\${{ steps.${push}.outputs.ref }}`, 'the image deployed');
    checkEqual(step(smoke).needs, [deploy], 'the smoke test runs after the rollout');
    checkEqual(step(notify).with.webhook, '${{ secrets.HOOK }}', 'the webhook');
    const plan = await api(page, 'plan');
    checkEqual(plan.levels.length, 9, 'the plan runs the nine steps one after another');
    await screenshot(page, 'delivery-pipeline.png');
    console.log(`  the delivery pipeline: ${count.actions} actions (${count.clicks} clicks, ` +
                `${count.drags} drags, ${count.keys} keys, ${count.typed} typed values of ` +
                `${count.chars} characters in all)`);
  });

test('connect two steps by keyboard: select, C, pick the target', async ({ page }) => {
  await drag(page, center(await widget(page, 'palette/git.checkout')), { x: 400, y: 200 });
  await drag(page, center(await widget(page, 'palette/shell')), { x: 400, y: 400 });
  await click(page, center(await api(page, 'nodeRect', 'checkout')));
  await press(page, 'c');
  await widget(page, 'connect/filter');
  await page.keyboard.type('sh');
  await frames(page, 3);
  await press(page, 'Enter');
  checkEqual((await exportJson(page)).steps[1].needs, ['checkout'], 'shell needs checkout');
  checkEqual(await api(page, 'status'), 'shell now runs after checkout', 'the status line');
  // The Source tab shows the canonical text, live.
  await click(page, center(await widget(page, 'tab/Source')));
  await widget(page, 'source/text');
  const outline = await page.evaluate(async () => {
    await new Promise((resolve) => setTimeout(resolve, 700));
    return Array.from(document.querySelectorAll('#outline-steps li'), (li) => li.textContent);
  });
  checkEqual(outline, ['checkout, git.checkout, 1 problem', 'shell, shell, after checkout, 1 problem'],
             'the outline for screen readers');
  await screenshot(page, 'source.png');
});


test('object params: the inspector edits ingress and autoscale field by field',
  async ({ page }) => {
    // The inspector scrolls: bring a field into view with the wheel over it.
    const shown = (name) => inspectorShows(page, name);
    await drag(page, center(await widget(page, 'palette/k8s.deploy')),
               { x: paletteWidth + 300, y: 200 });
    const id = (await exportJson(page)).steps[0].id;
    await click(page, center(await api(page, 'nodeRect', id)));
    await click(page, center(await shown('inspector/with/ingress/set')));
    checkEqual((await exportJson(page)).steps[0].with, { ingress: {} }, 'with after + set');
    check((await api(page, 'problems')).some((p) => p.includes('"ingress" needs field "host"')),
          'the missing host is not among the problems');
    await click(page, center(await shown('inspector/with/ingress/host')));
    await page.keyboard.type('iris.example.org');
    await press(page, 'Enter');
    checkEqual((await exportJson(page)).steps[0].with.ingress, { host: 'iris.example.org' },
               'ingress after typing its host');
    await click(page, center(await shown('inspector/with/autoscale/set')));
    await click(page, center(await shown('inspector/with/autoscale/max')));
    await page.keyboard.type('10');
    await press(page, 'Enter');
    checkEqual((await exportJson(page)).steps[0].with.autoscale, { max: 10 },
               'autoscale after typing max: a number, not text');
    check((await api(page, 'problems')).some((p) => p.includes('a share of the CPU request')),
          'autoscale without requests.cpu is not refused');
  });


test('a release\'s measurements in the deploy step\'s detail', async ({ page }) => {
  await pickFile(page, 'ml-to-k8s.json', await example('ml-to-k8s.json'));
  const row = (metric, index, value, verdict, note) =>
    ({ metric, index, at_ms: 1714558500000 + index * 30000, value, verdict,
       ...(note ? { note } : {}) });
  const report = {
    version: 1, run: 'r-release', pipeline: 'iris-to-k8s', pipeline_hash: '00', status: 'failed',
    started_at: '2024-05-01T10:15:00Z', duration_ms: 64000,
    steps: [{ id: 'deploy', status: 'failed', attempts: 1, duration_ms: 60000, outputs: {},
              analysis: [row('success-rate', 0, 1, 'passed'),
                         row('success-rate', 1, 0.5, 'failed', '0.5 is not >= 0.99'),
                         row('p95-latency', 0, null, 'inconclusive', 'no data')] }],
  };
  checkEqual(await api(page, 'openReport', JSON.stringify(report)), [], 'openReport() errors');
  await frames(page, 3);
  await click(page, center(await widget(page, 'run/list/deploy')));
  check(await onScreen(page, 'run/step/analysis'), 'the measurements are hidden');
  await screenshot(page, 'run-analysis.png');
});

test('a GitHub workflow opens as a pipeline with its import report, is edited and saved',
  async ({ page }) => {
    await pickFile(page, 'local-ml.json', await example('local-ml.json'));
    const work = await api(page, 'exportJson');
    const goldens = path.join(root, 'tests/golden/import');

    // Not a workflow: the messages tame import prints, and nothing lost.
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, 'broken.yml'), 'jobs: [build, test\n');
    const cliBroken = tame(['import', 'broken.yml'], dir);
    check(cliBroken.status === 2, `tame import broken.yml exited ${cliBroken.status}`);
    const shown = await page.evaluate(() => window.tame.load('jobs: [build, test\n', 'broken.yml'));
    await frames(page, 3);
    checkEqual(shown, cliBroken.stderr.trimEnd().split('\n'), 'what load() returns');
    checkEqual(await api(page, 'openErrors'), cliBroken.stderr.trimEnd().split('\n'),
               'the messages shown for broken.yml');
    check(await api(page, 'exportJson') === work, 'a failed import changed the work');
    await press(page, 'Escape');

    // A workflow with several jobs, through the file picker: core imports
    // it in the browser to the bytes the CLI writes, with the same report.
    const workflow = await fs.readFile(path.join(goldens, 'build-test-deploy.yml'), 'utf8');
    const cli = tame(['import', 'build-test-deploy.yml'], goldens);
    check(cli.status === 0, `tame import exited ${cli.status}:\n${cli.stderr}`);
    await page.setInputFiles('#file-input', {
      name: 'build-test-deploy.yml', mimeType: 'application/x-yaml', buffer: Buffer.from(workflow),
    });
    await frames(page, 3);
    checkEqual(await api(page, 'importReport'), cli.stderr, 'the import report');
    check(await api(page, 'exportJson') === cli.stdout, 'the browser import differs from the CLI\'s');
    checkEqual((await api(page, 'stats')).steps, 6, 'steps after the import');
    checkEqual(await api(page, 'problems'), [], 'problems of the imported pipeline');
    check(await onScreen(page, 'import/report'), 'the import report is not on the screen');
    await screenshot(page, 'import.png');

    // Edit: a smoke test after the deploy, then save with Ctrl+S.
    checkEqual(await api(page, 'addStep', 'shell', 'smoke', 900, 300), '', 'adding a step');
    checkEqual(await api(page, 'connect', 'deploy', 'smoke'), '', 'connecting it');
    const download = page.waitForEvent('download');
    await press(page, 'Control+S');
    const file = await download;
    const savedPath = path.join(dir, file.suggestedFilename());
    await file.saveAs(savedPath);
    checkEqual(file.suggestedFilename(), 'build-test-deploy.json', 'the download name');
    const text = await fs.readFile(savedPath, 'utf8');
    const saved = JSON.parse(text);
    checkEqual(saved.steps.map((s) => s.id),
               ['build', 'unit-tests', 'image', 'image-push', 'deploy', 'cleanup', 'smoke'],
               'the saved steps');
    checkEqual(saved.steps[6].needs, ['deploy'], 'the new step\'s needs');
    const fmt = tame(['fmt', savedPath]);
    check(fmt.status === 0 && fmt.stdout === text,
          `the saved file is not what tame fmt writes:\n${fmt.stderr}${fmt.stdout}`);

    // Dropped, a GitLab CI file opens the same way.
    const gitlab = await fs.readFile(path.join(goldens, 'gitlab.gitlab-ci.yml'), 'utf8');
    await page.evaluate((text) => {
      const data = new DataTransfer();
      data.items.add(new File([text], '.gitlab-ci.yml', { type: 'application/x-yaml' }));
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true }));
    }, gitlab);
    await page.waitForFunction(() => window.tame.stats().steps === 5);
    check((await api(page, 'importReport')).startsWith('.gitlab-ci.yml: imported from gitlab-ci: 5 steps'),
          'the GitLab import report');
  });

test('the cursor says what a press does: ports, nodes, splitters, text fields', async ({ page }) => {
  await drag(page, center(await widget(page, 'palette/git.checkout')), { x: 420, y: 260 });
  const cursorAt = async (point) => {
    await page.mouse.move(point.x, point.y);
    await frames(page, 3);
    return page.evaluate(() => document.querySelector('canvas').style.cursor || 'default');
  };
  const node = await api(page, 'nodeRect', 'checkout');
  checkEqual(await cursorAt({ x: node.x + node.w, y: node.y + node.h / 2 }), 'pointer',
             'over the output port (a press starts a connection)');
  checkEqual(await cursorAt(center(node)), 'move', 'over a node (a press moves it)');
  checkEqual(await cursorAt({ x: node.x + node.w + 120, y: node.y + node.h + 120 }), 'default',
             'over the empty canvas');
  checkEqual(await cursorAt(center(await widget(page, 'split/palette'))), 'ew-resize',
             'over the palette\'s edge (a press resizes it)');
  await click(page, center(node));
  checkEqual(await cursorAt(center(await widget(page, 'inspector/with/repo'))), 'text',
             'over a text field');
});

// ---- The look: theme, text size, wrapping ---------------------------------------

// The colour most pixels of `box` in `image` have, as "#rrggbb".
function commonColor(image, box) {
  const counts = new Map();
  for (let y = box.y; y < box.y + box.h; ++y) {
    for (let x = box.x; x < box.x + box.w; ++x) {
      const rgb = rgbAt(image, x, y);
      counts.set(rgb, (counts.get(rgb) ?? 0) + 1);
    }
  }
  const [best] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0];
  return '#' + best.toString(16).padStart(6, '0');
}

// The canvas backgrounds of the two themes (designer-wasm/theme.cc).
const canvasColor = { dark: '#16171d', light: '#f3f4f7' };

// A strip of empty canvas below the menu bar, in CSS pixels of a window
// with the default panels.
const canvasStrip = (scale = 1) => ({ x: (paletteWidth + 20) * scale, y: 40 * scale,
                                      w: 160 * scale, h: 30 * scale });

async function chooseFromMenu(page, ...path) {
  await click(page, center(await widget(page, `menu/${path[0]}`)));
  for (let depth = 2; depth < path.length; ++depth) {
    // A submenu opens when the mouse rests on it.
    const item = await widget(page, `menu/${path.slice(0, depth).join('/')}`);
    await page.mouse.move(item.x + 10, item.y + item.h / 2);
    await frames(page, 6);
  }
  await click(page, center(await widget(page, `menu/${path.join('/')}`)));
}

test('the theme follows the system at first visit, is chosen from the menu and kept',
  async ({ browser, origin }) => {
    for (const scheme of ['light', 'dark']) {
      const context = await browser.newContext({ viewport: { width: 1024, height: 700 },
                                                 colorScheme: scheme });
      const page = await context.newPage();
      try {
        await page.goto(`${origin}/index.html`);
        await waitForDesigner(page);
        const look = await api(page, 'look');
        checkEqual([look.theme, look.light], ['system', scheme === 'light'],
                   `the look at a first visit whose system prefers ${scheme}`);
        const image = await screenshot(page, `theme-first-visit-${scheme}.png`);
        checkEqual(commonColor(image, canvasStrip()), canvasColor[scheme],
                   `the canvas background when the system prefers ${scheme}`);
        checkEqual(await page.evaluate(() => document.documentElement.dataset.theme), scheme,
                   'the page\'s own theme');
        if (scheme === 'dark') continue;

        // Chosen from the menu, the dark theme replaces the system's light.
        await chooseFromMenu(page, 'View', 'Theme', 'Dark');
        await frames(page, 3);
        checkEqual([(await api(page, 'look')).theme, (await api(page, 'look')).light],
                   ['dark', false], 'the look after View > Theme > Dark');
        checkEqual(commonColor(await screenshot(page, 'theme-chosen-dark.png'), canvasStrip()),
                   canvasColor.dark, 'the canvas background after choosing Dark');
        await page.waitForFunction(() => /"theme":"dark"/.test(localStorage.getItem('tame.view')));

        // Kept across a reload, whatever the system says.
        await page.reload();
        await waitForDesigner(page);
        await frames(page, 3);
        checkEqual([(await api(page, 'look')).theme, (await api(page, 'look')).light],
                   ['dark', false], 'the look after a reload');
        checkEqual(commonColor(await screenshot(page, 'theme-kept-dark.png'), canvasStrip()),
                   canvasColor.dark, 'the canvas background after a reload');

        // Back to System: the system's light, and its changes, are followed.
        await chooseFromMenu(page, 'View', 'Theme', 'System');
        await frames(page, 3);
        checkEqual((await api(page, 'look')).light, true, 'System on a light system');
        await page.emulateMedia({ colorScheme: 'dark' });
        await page.waitForFunction(() => !window.tame.look().light);
        await frames(page, 3);
        checkEqual(commonColor(await screenshot(page, 'theme-system-changed.png'), canvasStrip()),
                   canvasColor.dark, 'the canvas after the system turned dark');
        checkEqual((await api(page, 'look')).theme, 'system', 'the choice stays System');
      } finally {
        await context.close();
      }
    }
  });

test('the text size grows and shrinks by menu and Ctrl+=, Ctrl+-, and is kept',
  async ({ page }) => {
    // Each Ctrl+key the page sees, and whether it kept it from the browser.
    const watchKeys = () => page.evaluate(() => {
      window.keysSeen = [];
      window.addEventListener('keydown', (event) => {
        if (event.ctrlKey && event.key !== 'Control') {
          window.keysSeen.push([event.key, event.defaultPrevented]);
        }
      });
    });
    const keysSeen = () => page.evaluate(() => window.keysSeen);
    await watchKeys();
    const before = await widget(page, 'menu/File');
    checkEqual((await api(page, 'look')).textSize, 13, 'the default text size');
    await press(page, 'Control+Equal');
    await press(page, 'Control+Equal');
    let look = await api(page, 'look');
    checkEqual([look.textSize, look.fontSize, look.fontPixels], [15, 15, 15],
               'the text size after Ctrl+= twice');
    checkEqual(await keysSeen(), [['=', true], ['=', true]],
               'Ctrl+=, kept from the browser\'s page zoom (defaultPrevented)');
    const larger = await widget(page, 'menu/File');
    check(larger.w > before.w && larger.h > before.h,
          `the File menu's title should grow with the text: ${JSON.stringify(before)} -> ` +
          JSON.stringify(larger));

    await chooseFromMenu(page, 'View', 'Text size', 'Larger');
    checkEqual((await api(page, 'look')).textSize, 16, 'the text size after View > Larger');
    await page.waitForFunction(() => /"textSize":16/.test(localStorage.getItem('tame.view')));
    await page.reload();
    await waitForDesigner(page);
    await frames(page, 3);
    await watchKeys();
    look = await api(page, 'look');
    checkEqual([look.textSize, look.fontPixels], [16, 16], 'the text size after a reload');
    check((await widget(page, 'menu/File')).w > larger.w, 'the File menu after a reload');

    // Ctrl+- works while a text field has the keyboard too; Ctrl+0 resets.
    await click(page, center(await widget(page, 'inspector/pipeline-name')));
    await press(page, 'Control+Minus');
    checkEqual((await api(page, 'look')).textSize, 15, 'Ctrl+- in a text field');
    await press(page, 'Escape');
    await press(page, 'Control+0');
    checkEqual((await api(page, 'look')).textSize, 13, 'Ctrl+0');
    checkEqual((await widget(page, 'menu/File')).w, before.w, 'the File menu at the normal size');
    checkEqual(await keysSeen(), [['-', true], ['0', true]],
               'Ctrl+- and Ctrl+0, kept from the browser\'s page zoom (defaultPrevented)');
  });

test('long texts wrap in the Run and Plan tabs of a 1024x700 window', async ({ page }) => {
  await page.setViewportSize({ width: 1024, height: 700 });
  await frames(page, 5);
  const longId = 'deploy-' + 'x'.repeat(48) + '-to-prod';
  const pipeline = {
    version: 1, name: 'wrap',
    steps: [{ id: 'build', uses: 'shell', with: { run: 'make' } },
            { id: longId, uses: 'shell', needs: ['build'], if: 'always', with: { run: 'true' } }],
  };
  await pickFile(page, 'wrap.json', JSON.stringify(pipeline));
  const reason = ('the build failed because the compiler ran out of memory while linking ' +
                  'the model server; ').repeat(5).slice(0, 300);
  check(reason.length === 300, 'the reason is 300 characters');
  const report = {
    version: 1, run: 'run-20261206-075512-8c1e4f2a9b', pipeline: 'wrap', pipeline_hash: '',
    status: 'failed',
    duration_ms: 5000,
    steps: [{ id: 'build', uses: 'shell', status: 'failed', attempts: 1, duration_ms: 4000,
              error: reason, log: 'logs/build.log' },
            { id: longId, uses: 'shell', status: 'skipped', attempts: 0, duration_ms: 0,
              error: 'build failed' }],
  };
  checkEqual(await api(page, 'openReport', JSON.stringify(report)), [], 'opening the report');
  await api(page, 'runLog', 'build', 'compiling\n' + 'error: '.padEnd(300, 'z') + '\n');
  await frames(page, 3);
  const line = (await api(page, 'look')).fontSize;
  const sideLeft = 1024 - inspectorWidth;  // the side panel's left edge

  // The banner over the canvas flows onto a second line beside its button.
  const [banner, close] = [await widget(page, 'run/banner'), await widget(page, 'run/close')];
  check(banner.x + banner.w <= close.x || banner.y >= close.y + close.h,
        `the run's id is under the Close button: ${JSON.stringify([banner, close])}`);
  check(close.x + close.w <= sideLeft, `the Close button is off the canvas: ${JSON.stringify(close)}`);

  // The run's row: the reason below the id, in as many lines as it needs.
  const row = await widget(page, 'run/list/build');
  check(row.h >= 5 * line, `the failed step's row should wrap its reason: ${JSON.stringify(row)}`);
  check(row.x >= sideLeft && row.x + row.w <= 1024,
        `the row should fit the side panel: ${JSON.stringify(row)}`);
  const skipped = await widget(page, `run/list/${longId}`);
  check(skipped.h >= 2 * line && skipped.x + skipped.w <= 1024,
        `the long id's row should wrap: ${JSON.stringify(skipped)}`);

  // The step's detail: its error and its log tail wrap too.
  await click(page, center(row));
  checkEqual(await api(page, 'selection'), ['build'], 'clicking the row selects the step');
  const error = await widget(page, 'run/step/error');
  check(error.h >= 4 * line && error.x + error.w <= 1024,
        `the step's error should wrap: ${JSON.stringify(error)}`);
  const log = await widget(page, 'run/step/log/text');
  check(log.h >= 4 * line && log.x + log.w <= 1024,
        `the log tail should wrap: ${JSON.stringify(log)}`);
  await screenshot(page, 'wrap-run.png');

  // The plan's row of the long id wraps at this width.
  await click(page, center(await widget(page, 'tab/Plan')));
  const planRow = await widget(page, `plan/step/${longId}`);
  check(planRow.h >= 2 * line && planRow.x + planRow.w <= 1024 && planRow.x >= sideLeft,
        `the plan row should wrap: ${JSON.stringify(planRow)}`);
  // Other rows keep to one line: the columns' alignment gives way first.
  const short = await widget(page, 'plan/step/build');
  check(short.h < 2 * line, `a short plan row should be one line: ${JSON.stringify(short)}`);
  await screenshot(page, 'wrap-plan.png');
});

test('screenshots of both themes at two sizes and two pixel densities',
  async ({ browser, origin }) => {
    const text = await example('ml-to-k8s.json');
    const statuses = ['succeeded', 'failed', 'skipped', 'cached', 'cancelled', 'waiting',
                      'running', 'not run'];
    const report = JSON.stringify({
      version: 1, run: 'look', pipeline: JSON.parse(text).name, pipeline_hash: '',
      status: 'failed', duration_ms: 61000,
      steps: JSON.parse(text).steps.map((step, i) => ({
        id: step.id, uses: step.uses, status: statuses[i % statuses.length], attempts: 1,
        duration_ms: 1300 * i,
        ...(statuses[i % statuses.length] === 'failed'
          ? { error: 'exit code 2: the metrics file has no "accuracy" value' } : {}),
      })),
    });
    for (const scheme of ['light', 'dark']) {
      for (const [width, height] of [[1024, 700], [1920, 1080]]) {
        for (const scale of [1, 2]) {
          const context = await browser.newContext({ viewport: { width, height },
                                                     deviceScaleFactor: scale,
                                                     colorScheme: scheme });
          const page = await context.newPage();
          const name = `look-${scheme}-${width}x${height}@${scale}`;
          try {
            await page.goto(`${origin}/index.html`);
            await waitForDesigner(page);
            const look = await api(page, 'look');
            checkEqual([look.light, look.fontPixels], [scheme === 'light', 13 * scale],
                       `the look of ${name}`);
            if (width === 1024) {
              // Every text size is rasterised at the screen's pixels.
              await press(page, 'Control+Equal');
              const larger = await api(page, 'look');
              checkEqual([larger.fontSize, larger.fontPixels], [14, 14 * scale],
                         `the font of ${name} one size larger`);
              await press(page, 'Control+0');
            }
            await pickFile(page, 'ml-to-k8s.json', text);
            await press(page, 'f');
            const image = await screenshot(page, `${name}.png`);
            check(blackPixels(image) === 0, `parts are undrawn in ${name}`);
            checkEqual(commonColor(image, canvasStrip(scale)), canvasColor[scheme],
                       `the canvas of ${name}`);
            await api(page, 'openReport', report);
            await frames(page, 3);
            await click(page, center(await api(page, 'nodeRect', 'train')));
            await screenshot(page, `${name}-run.png`);
          } finally {
            await context.close();
          }
        }
      }
    }
  });

// ---- Edge routing ------------------------------------------------------------------

// Whether the axis-parallel segment a-b passes through the inside of `rect`
// (page pixels; a pixel of rounding at its border is not inside).
function crossesRect(a, b, rect) {
  const x0 = rect.x + 1, x1 = rect.x + rect.w - 1, y0 = rect.y + 1, y1 = rect.y + rect.h - 1;
  if (Math.abs(a[1] - b[1]) < 0.01) {
    return a[1] > y0 && a[1] < y1 && Math.max(Math.min(a[0], b[0]), x0) < Math.min(Math.max(a[0], b[0]), x1);
  }
  return a[0] > x0 && a[0] < x1 && Math.max(Math.min(a[1], b[1]), y0) < Math.min(Math.max(a[1], b[1]), y1);
}

const overlaps = (a, b) => a.x < b.x + b.w && a.x + a.w > b.x && a.y < b.y + b.h && a.y + a.h > b.y;

// Reads the canvas's routes and node rectangles and checks that every edge
// `tame graph` lists is routed from its source's output port to its
// target's input port, only horizontally and vertically, through no node;
// and that no label covers a node, a port or another label. Returns the
// edges.
async function checkRoutes(page, ids, expected, what) {
  const nodes = {};
  for (const id of ids) nodes[id] = await api(page, 'nodeRect', id);
  const { edges } = await api(page, 'edgeRoutes');
  checkEqual(edges.map((e) => `${e.from} -> ${e.to}`).sort(), [...expected].sort(),
             `${what}: the edges drawn`);
  for (const edge of edges) {
    const name = `${what}: ${edge.from} -> ${edge.to} ${JSON.stringify(edge.points)}`;
    check(edge.routed, `${name} is not routed`);
    const first = edge.points[0];
    const last = edge.points[edge.points.length - 1];
    const out = nodes[edge.from].out;
    const into = nodes[edge.to].in;
    check(Math.hypot(first[0] - out.x, first[1] - out.y) < 0.5, `${name} leaves off the output port`);
    check(Math.hypot(last[0] - into.x, last[1] - into.y) < 0.5, `${name} enters off the input port`);
    for (let k = 0; k + 1 < edge.points.length; ++k) {
      const [a, b] = [edge.points[k], edge.points[k + 1]];
      check(Math.abs(a[0] - b[0]) < 0.01 || Math.abs(a[1] - b[1]) < 0.01, `${name} runs aslant`);
      for (const [id, rect] of Object.entries(nodes)) {
        check(!crossesRect(a, b, rect), `${name} passes through ${id} ${JSON.stringify(rect)}`);
      }
    }
  }
  const labels = edges.filter((e) => e.label);
  for (const edge of labels) {
    for (const [id, rect] of Object.entries(nodes)) {
      const withPorts = { x: rect.x - 5, y: rect.y, w: rect.w + 10, h: rect.h };
      check(!overlaps(edge.label, withPorts),
            `${what}: the label of ${edge.from} -> ${edge.to} covers ${id} or its ports`);
    }
    for (const other of labels) {
      check(other === edge || !overlaps(edge.label, other.label),
            `${what}: the labels of ${edge.from} -> ${edge.to} and ${other.from} -> ${other.to} overlap`);
    }
  }
  return edges;
}

test('edges are routed around nodes, again after a drag, and faded with left-out steps',
  async ({ page }) => {
    // The 9-step template from the File menu, auto-laid out in bands of
    // three levels (the canvas is 700 pixels wide), all of it in view.
    await click(page, center(await widget(page, 'menu/File')));
    const newMenu = await widget(page, 'menu/File/New');
    await page.mouse.move(newMenu.x + 20, newMenu.y + 30);
    await frames(page, 3);
    await click(page, center(await widget(page, 'menu/File/ml-to-k8s.json')));
    await click(page, { x: paletteWidth + 20, y: 500 });
    await press(page, 'l');
    await press(page, 'f');
    const ids = (await exportJson(page)).steps.map((step) => step.id);
    const laid = (await exportJson(page)).layout;
    check(new Set(Object.values(laid).map((p) => p.y)).size === 3,
          `auto-layout should make three bands: ${JSON.stringify(laid)}`);

    // The edges `tame graph` lists, by step id.
    const graph = tame(['graph', path.join(root, 'examples/ml-to-k8s.json'), '--format', 'mermaid']);
    check(graph.status === 0, `tame graph exited ${graph.status}: ${graph.stderr}`);
    const expected = [...graph.stdout.matchAll(/^\s*s(\d+) -\.?->(?:\|[^|]*\|)? s(\d+)$/gm)]
      .map((m) => `${ids[Number(m[1])]} -> ${ids[Number(m[2])]}`);
    checkEqual(expected.length, 12, 'edges tame graph lists');

    let edges = await checkRoutes(page, ids, expected, 'wrapped in bands');
    // Some routes leave one band for the next: they turn, more than once.
    const wraps = edges.filter((e) => e.points.length >= 6);
    check(wraps.length >= 3, `few routes go from band to band: ${wraps.length}`);
    check(edges.some((e) => e.label), 'no data edge shows its label');
    await screenshot(page, 'routes-wrapped.png');

    // Drag announce into the channel the gate -> signoff route takes
    // between the first two bands. While it moves its edges are plain
    // curves; on the drop every route goes around it.
    const channel = edges.find((e) => e.from === 'gate' && e.to === 'signoff');
    const longest = channel.points.slice(1).map((p, k) => [channel.points[k], p])
      .sort(([a, b], [c, d]) => Math.abs(d[0] - c[0]) - Math.abs(b[0] - a[0]))[0];
    const target = { x: (longest[0][0] + longest[1][0]) / 2, y: longest[0][1] };
    const from = center(await api(page, 'nodeRect', 'announce'));
    await page.mouse.move(from.x, from.y);
    await frames(page, 2);
    await page.mouse.down();
    await frames(page, 2);
    for (let step = 1; step <= 6; ++step) {
      await page.mouse.move(from.x + ((target.x - from.x) * step) / 6,
                            from.y + ((target.y - from.y) * step) / 6);
      await frames(page, 1);
    }
    await frames(page, 2);
    const dragging = (await api(page, 'edgeRoutes')).edges;
    checkEqual(dragging.filter((e) => !e.routed).map((e) => `${e.from} -> ${e.to}`).sort(),
               ['checkout -> announce', 'push -> announce', 'smoke -> announce'],
               'the edges drawn as curves while announce is dragged');
    await screenshot(page, 'routes-dragging.png');
    await page.mouse.up();
    await frames(page, 3);
    const dropped = (await exportJson(page)).layout.announce;
    check(dropped.y < laid.announce.y - 100, `announce did not move up: ${JSON.stringify(dropped)}`);
    const box = await api(page, 'nodeRect', 'announce');
    check(crossesRect(longest[0], longest[1], box),
          'announce was dropped off the route it should block');
    edges = await checkRoutes(page, ids, expected, 'after the drop');
    const rerouted = edges.find((e) => e.from === 'gate' && e.to === 'signoff');
    check(JSON.stringify(rerouted.points) !== JSON.stringify(channel.points),
          'gate -> signoff kept its route through announce');
    await screenshot(page, 'routes-dropped.png');

    // A click on a route selects its edge: Delete removes the dependency,
    // undo brings it back.
    const [p, q] = rerouted.points.slice(1).map((point, k) => [rerouted.points[k], point])
      .sort(([a, b], [c, d]) => Math.hypot(d[0] - c[0], d[1] - c[1]) - Math.hypot(b[0] - a[0], b[1] - a[1]))[0];
    await click(page, { x: (p[0] + q[0]) / 2, y: (p[1] + q[1]) / 2 });
    checkEqual(await api(page, 'selection'), [], 'steps selected by a click on an edge');
    await press(page, 'Delete');
    const needsOfSignoff = async () => (await exportJson(page)).steps.find((s) => s.id === 'signoff').needs;
    checkEqual(await needsOfSignoff(), undefined, 'signoff\'s needs after deleting its edge');
    await press(page, 'Control+Z');
    checkEqual(await needsOfSignoff(), ['gate'], 'signoff\'s needs after undo');

    // The plan preview from build fades the steps before it, and the edges
    // that touch them.
    await click(page, center(await api(page, 'nodeRect', 'build')));
    await click(page, center(await widget(page, 'tab/Plan')));
    await click(page, center(await widget(page, 'plan/scope/from')));
    const plan = await api(page, 'plan', { from: 'build' });
    const runs = new Set(plan.steps.filter((s) => s.selection === 'runs').map((s) => s.id));
    checkEqual([...runs].sort(), ['announce', 'build', 'deploy', 'push', 'smoke'], 'steps that run');
    edges = (await api(page, 'edgeRoutes')).edges;
    checkEqual(edges.filter((e) => e.faded).map((e) => `${e.from} -> ${e.to}`).sort(),
               expected.filter((e) => e.split(' -> ').some((id) => !runs.has(id))).sort(),
               'the faded edges');
    await page.mouse.move(paletteWidth + 10, viewport.height - 60);
    await frames(page, 3);
    await screenshot(page, 'routes-faded.png');
  });

// ---- Running -----------------------------------------------------------------------

// Whether a test needs a server: its function takes `origin`, `mount` or `allow`.
function needsServer(fn) {
  const params = String(fn).match(/^async\s*\(\s*\{([^}]*)\}/);
  return params !== null && /\b(origin|mount|allow)\b/.test(params[1]);
}

// The chips the inspector draws in field `mark`, waiting a few frames for
// them to appear (a field shows them from the frame after it commits).
async function chipsOf(page, mark) {
  await page.waitForFunction((mark) => window.tame.chips().some((c) => c.mark === mark), mark,
                             { timeout: 3000 }).catch(() => {});
  return (await api(page, 'chips')).filter((c) => c.mark === mark);
}

// Brings inspector widget `name` into view with the wheel over the inspector.
async function inspectorShows(page, name) {
  for (let tries = 0; tries < 20; ++tries) {
    const rect = await widget(page, name);
    if (rect.y > 80 && rect.y + rect.h < viewport.height - 60) return rect;
    await page.mouse.move(viewport.width - inspectorWidth / 2, viewport.height / 2);
    await page.mouse.wheel(0, rect.y > viewport.height / 2 ? 120 : -120);
    await frames(page, 3);
  }
  throw new Error(`widget "${name}" stays out of view`);
}

test('references show as chips in their source step\'s colour; one key removes one',
  async ({ page }) => {
    await pickFile(page, 'chips.json', JSON.stringify({
      version: 1, name: 'chips',
      params: { image: { type: 'string', default: '127.0.0.1:5000/iris' },
                seed: { type: 'integer', default: 1 } },
      steps: [
        { id: 'checkout', uses: 'git.checkout', with: { repo: 'https://example.org/r.git' } },
        { id: 'train', uses: 'shell', needs: ['checkout'],
          with: { run: 'python3 train.py --data ${{ steps.checkout.outputs.path }} ' +
                       '--seed ${{ params.seed }}' } },
        { id: 'build', uses: 'docker.build',
          with: { context: '${{ steps.checkout.outputs.path }}/docker',
                  tags: ['${{ params.image }}:1.0'] } },
      ],
    }));
    const palette = await api(page, 'palette');
    const colorOf = (uses) => palette.find((k) => k.uses === uses).color.toLowerCase();
    await click(page, center(await api(page, 'nodeRect', 'train')));
    await frames(page, 3);
    const chips = await chipsOf(page, 'inspector/ref/run');
    checkEqual(chips.map((c) => c.expr), ['steps.checkout.outputs.path', 'params.seed'],
               'the chips of the run field');
    checkEqual(chips[0].color, colorOf('git.checkout'), 'the checkout chip\'s colour');
    check(chips[0].doc.startsWith('The folder it was checked out into'),
          `the checkout chip's doc: ${chips[0].doc}`);
    check(chips[1].color !== chips[0].color, 'a param chip has a colour of its own');
    // The chip is drawn in that colour: most of its pixels are it.
    const image = await screenshot(page, 'chips.png');
    for (const chip of chips) {
      const box = { x: Math.round(chip.x) + 2, y: Math.round(chip.y) + 2,
                    w: Math.round(chip.w) - 4, h: Math.round(chip.h) - 4 };
      const [count] = countColors(image, box, [chip.color]);
      check(count > 0.4 * box.w * box.h,
            `${chip.expr}: ${count} of ${box.w * box.h} pixels are ${chip.color}`);
    }
    // Hovering a chip shows its doc.
    await page.mouse.move(center(chips[0]).x, center(chips[0]).y);
    await frames(page, 4);
    check(await api(page, 'widgetRect', 'chip/tooltip'), 'no tooltip over the chip');

    // A chip in a one-line field: click selects it, Backspace removes it as
    // one edit, Ctrl+Z brings it back.
    await click(page, center(await api(page, 'nodeRect', 'build')));
    const [built] = await chipsOf(page, 'inspector/ref/context');
    checkEqual(built.color, colorOf('git.checkout'), 'the context chip\'s colour');
    // List items show their references as chips too.
    checkEqual((await chipsOf(page, 'inspector/with/tags/0')).map((c) => [c.expr, c.color]),
               [['params.image', chips[1].color]], 'the chip of the first tag');
    await click(page, center(built));
    check((await api(page, 'chips')).find((c) => c.mark === 'inspector/ref/context').selected,
          'the clicked chip is selected');
    await press(page, 'Backspace');
    const context = async () => (await exportJson(page)).steps[2].with.context;
    checkEqual(await context(), '/docker', 'the context after Backspace on its chip');
    checkEqual(await api(page, 'selection'), ['build'], 'Backspace on a chip deletes no step');
    await press(page, 'Control+Z');
    checkEqual(await context(), '${{ steps.checkout.outputs.path }}/docker',
               'the context after one undo');

    // Clicking the text edits it raw, the cursor at its end.
    const field = await widget(page, 'inspector/with/context');
    await click(page, { x: field.x + field.w - 8, y: field.y + field.h / 2 });
    checkEqual((await api(page, 'chips')).filter((c) => c.mark === 'inspector/ref/context'), [],
               'chips while the raw text is edited');
    await page.keyboard.type('/app');
    await press(page, 'Enter');
    checkEqual(await context(), '${{ steps.checkout.outputs.path }}/docker/app',
               'the context after typing in the raw text');
    checkEqual((await chipsOf(page, 'inspector/ref/context')).map((c) => c.expr),
               ['steps.checkout.outputs.path'], 'the chip is back after Enter');
    // Ctrl+Z with a chip selected undoes the last edit, as anywhere else.
    await click(page, center((await chipsOf(page, 'inspector/ref/context'))[0]));
    await press(page, 'Control+Z');
    checkEqual(await context(), '${{ steps.checkout.outputs.path }}/docker',
               'the context after Ctrl+Z with its chip selected');
    checkEqual((await exportJson(page)).steps.map((s) => s.id), ['checkout', 'train', 'build'],
               'the steps after Ctrl+Z with a chip selected');
  });

test('a secret field picks a declared secret by keyboard, or declares a new one',
  async ({ page }) => {
    await pickFile(page, 'secrets.json', JSON.stringify({
      version: 1, name: 'secrets',
      secrets: { HOOK: { from: 'env' }, REGISTRY_TOKEN: { from: 'env' } },
      steps: [
        { id: 'push', uses: 'docker.push', with: { image: '127.0.0.1:5000/iris:1' } },
        { id: 'tell', uses: 'notify', needs: ['push'], with: { message: 'pushed' } },
      ],
    }));
    await click(page, center(await api(page, 'nodeRect', 'push')));
    await click(page, center(await inspectorShows(page, 'inspector/with/password')));
    check(await widget(page, 'picker/filter'), 'the picker is open');
    check(await api(page, 'widgetRect', 'picker/item/secrets.HOOK'), 'HOOK is offered');
    check(await api(page, 'widgetRect', 'picker/declare'), '"declare a new secret" is offered');
    await page.keyboard.type('reg');
    await frames(page, 3);
    checkEqual(await api(page, 'widgetRect', 'picker/item/secrets.HOOK'), null,
               'HOOK after filtering by "reg"');
    await press(page, 'Enter');
    const password = async () => (await exportJson(page)).steps[0].with.password;
    checkEqual(await password(), '${{ secrets.REGISTRY_TOKEN }}', 'the password picked');
    const [chip] = await chipsOf(page, 'inspector/with/password');
    checkEqual(chip.expr, 'secrets.REGISTRY_TOKEN', 'the password shows as a chip');

    // Clicking the chip opens the picker again: (none), HOOK, REGISTRY_TOKEN.
    await click(page, center(chip));
    await press(page, 'ArrowDown');
    await press(page, 'Enter');
    checkEqual(await password(), '${{ secrets.HOOK }}', 'the password after Down, Enter');

    // A name nobody declared: the last entry declares it and uses it.
    await click(page, center(await api(page, 'nodeRect', 'tell')));
    await click(page, center(await inspectorShows(page, 'inspector/with/webhook')));
    await page.keyboard.type('slack hook');
    await frames(page, 3);
    await screenshot(page, 'secret-picker.png');
    await press(page, 'Enter');
    const saved = await exportJson(page);
    checkEqual(saved.steps[1].with.webhook, '${{ secrets.SLACK_HOOK }}', 'the webhook');
    checkEqual(Object.keys(saved.secrets), ['HOOK', 'REGISTRY_TOKEN', 'SLACK_HOOK'],
               'the secrets after declaring one from the picker');
    checkEqual(await api(page, 'problems'), [], 'problems after picking the secrets');
    await screenshot(page, 'secret-picked.png');
  });

test('a nested field\'s problem shows next to that field', async ({ page }) => {
  await pickFile(page, 'nested.json', JSON.stringify({
    version: 1, name: 'nested', steps: [
      { id: 'deploy', uses: 'k8s.deploy', with: {
        image: 'i', name: 'n', strategy: 'canary',
        ingress: { path: '/' },
        canary_steps: [{ weight: 20 }, { weight: 200, pause: '1m' }] } },
    ],
  }));
  checkEqual((await api(page, 'problemList')).map((p) => p.field),
             ['with/canary_steps[1].weight', 'with/ingress.host'], 'the problems\' fields');
  await click(page, center(await api(page, 'nodeRect', 'deploy')));
  const between = async (error, above, below) => {
    const message = await inspectorShows(page, `inspector/error/${error}`);
    const a = await widget(page, above);
    const b = await widget(page, below);
    check(a.y + a.h <= message.y + 1 && message.y + message.h <= b.y + 1,
          `${error}: the message at ${message.y}..${message.y + message.h} is not between ` +
          `${above} (${a.y}..${a.y + a.h}) and ${below} (${b.y})`);
    check(message.x > (await widget(page, 'inspector/ref/image')).x + 4,
          `${error}: the message is not indented with its field`);
  };
  await between('with/ingress.host', 'inspector/with/ingress/host', 'inspector/with/ingress/path');
  await between('with/canary_steps[1].weight', 'inspector/with/canary_steps/1/weight',
                'inspector/with/canary_steps/1/pause');
  checkEqual(await api(page, 'widgetRect', 'inspector/error/with/canary_steps'), null,
             'the list itself shows no message its item shows');
  await screenshot(page, 'nested-errors.png');
});

test('a template opens laid out in layers, whole inside the view, legible', async ({ page }) => {
  // The first from the empty canvas's card, the others from File > New from
  // template; a small window and the usual one.
  const opens = [
    { size: { width: 1024, height: 700 }, file: 'ml-to-k8s.json', card: true },
    { size: { width: 1024, height: 700 }, file: 'local-ml.json' },
    { size: viewport, file: 'promote.json' },
  ];
  for (const { size, file, card } of opens) {
    await page.setViewportSize(size);
    await frames(page, 5);
    if (card) {
      await click(page, center(await widget(page, `canvas/template/${file}`)));
    } else {
      await click(page, center(await widget(page, 'menu/File')));
      await page.mouse.move((await widget(page, 'menu/File/New')).x + 20,
                            (await widget(page, 'menu/File/New')).y + 30);
      await frames(page, 3);
      await click(page, center(await widget(page, `menu/File/${file}`)));
    }
    await frames(page, 3);
    check(await api(page, 'exportJson') === await example(file),
          `${file}: the opened template differs from the bytes tame init writes`);
    const stats = await api(page, 'stats');
    check(stats.zoom >= 0.45, `${file} opened at zoom ${stats.zoom}`);
    const canvas = await widget(page, 'canvas');
    for (const step of (await exportJson(page)).steps) {
      const r = await api(page, 'nodeRect', step.id);
      check(r.x >= canvas.x && r.y >= canvas.y && r.x + r.w <= canvas.x + canvas.w &&
            r.y + r.h <= canvas.y + canvas.h,
            `${size.width}x${size.height}: ${file}'s ${step.id} at ${JSON.stringify(r)} is ` +
            `outside the canvas ${JSON.stringify(canvas)}`);
    }
    await screenshot(page, `template-${file.replace('.json', '')}-${size.width}x${size.height}.png`);
  }
  await page.setViewportSize(viewport);
});

async function main() {
  const singleFile = process.argv.includes('--single-file');
  const pageFile = path.join(webDir, singleFile ? 'tame-designer.html' : 'designer.wasm');
  await fs.access(pageFile).catch(() => {
    throw new Error(`${pageFile} is missing; run make build first`);
  });
  await fs.access(tameBin).catch(() => {
    throw new Error(`${tameBin} is missing; run make build first`);
  });
  const filter = process.argv.slice(2).find((arg) => !arg.startsWith('--')) ?? '';
  const { server, origin, mount } = await serve(webDir);
  const pageUrl = singleFile ? pathToFileURL(path.join(webDir, 'tame-designer.html')).href
                             : `${origin}/index.html`;
  if (singleFile) console.log(`e2e: the one-file designer, ${pageUrl}`);
  let skipped = 0;
  let browser;
  let passed = 0;
  let failed = 0;
  try {
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
    for (const [name, fn] of tests) {
      if (!name.includes(filter)) continue;
      if (singleFile && needsServer(fn)) {
        ++skipped;
        console.log(`skipped (needs the test server): ${name}`);
        continue;
      }
      // A context of its own: no autosave or clipboard leaks between tests.
      // The system prefers dark, so that the designer shows the dark theme
      // whose colours the tests check; the theme tests choose their own.
      const context = await browser.newContext({ viewport, acceptDownloads: true,
                                                 colorScheme: 'dark' });
      const page = await context.newPage();
      const problems = [];
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
      });
      const allowed = [origin + '/', ...(singleFile ? [pageUrl] : [])];
      const allow = (prefix) => allowed.push(prefix);
      // The one file loads nothing: every request but the page's is a problem.
      if (singleFile) {
        page.on('request', (request) => {
          const url = request.url();
          if (!url.startsWith(pageUrl) && !url.startsWith('data:') && !url.startsWith('blob:') &&
              !allowed.some((prefix) => url.startsWith(prefix))) {
            problems.push(`the one-file designer requested ${url}`);
          }
        });
      }
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (allowed.some((prefix) => url.startsWith(prefix))) return route.continue();
        problems.push(`request outside the test server: ${url}`);
        return route.abort();
      });
      const started = Date.now();
      try {
        await page.goto(pageUrl);
        await waitForDesigner(page);
        await fn({ page, browser, origin, mount, allow });
        check(problems.length === 0, problems.join('\n'));
        ++passed;
        console.log(`ok: ${name} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
      } catch (error) {
        ++failed;
        await page.screenshot({ path: path.join(outDir, 'failed.png') }).catch(() => {});
        console.log(`FAILED: ${name}\n  ${String(error.message ?? error).replace(/\n/g, '\n  ')}`);
      } finally {
        await context.close();
      }
    }
  } finally {
    if (browser) await browser.close();
    server.closeAllConnections();
    server.close();
  }
  console.log(`e2e${singleFile ? ' (one file)' : ''}: ${passed} passed, ${failed} failed` +
              (skipped ? `, ${skipped} skipped (need the test server)` : ''));
  return failed === 0 && passed > 0 ? 0 : 1;
}

main().then((code) => { process.exitCode = code; }, (error) => {
  console.error(`e2e: ${error.message ?? error}`);
  console.log('e2e: 0 passed, 1 failed');
  process.exitCode = 1;
});
