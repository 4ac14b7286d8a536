// The designer's performance budget, measured in headless Chromium:
//
//   download   designer.wasm + designer.js + glue.js, gzipped    <= 500 KB
//   frame      median CPU time of a frame while panning:
//                1,000 steps <= 4 ms, 10,000 steps <= 16 ms
//   open       a 10,000-step file, from open to its first frame  <= 1 s
//
// Panning is measured again with a run's report shown on the pipeline
// (every node wearing a status), which is held to the same frame budget.
//
// Frame times come from the designer itself (window.tame.stats().frameMs:
// the median CPU time of the last 120 frames, from input to the last WebGL
// call). Each figure is printed with its ratio to the budget and to a
// reference run in the same browser: panning an empty canvas, and opening
// the 9-step example. Panning uses the real mouse (a right-button drag).
//
//   node bench/designer_bench.mjs     (TAME_WEB_DIR: another build)
//
// Exits 1 when a figure is over its budget.
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';

import { serve } from '../tests/e2e/serve.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const webDir = path.resolve(process.env.TAME_WEB_DIR ?? path.join(root, 'build/web'));
const viewport = { width: 1280, height: 800 };
const panFrames = 150;  // more than the 120 frames the median is taken over
const budget = { downloadKB: 500, frame1k: 4, frame10k: 16, open10k: 1000 };

// A pipeline of `levels` x `width` shell steps; each step after the first
// level needs two of the level before, and every fifth one reads an output
// of a third instead (a data edge). Laid out in columns by level.
function generate(levels, width) {
  const steps = [];
  const layout = {};
  const id = (level, row) => `s${level}_${row}`;
  for (let level = 0; level < levels; ++level) {
    for (let row = 0; row < width; ++row) {
      const step = { id: id(level, row), uses: 'shell', with: { run: 'true' } };
      if (level > 0) {
        step.needs = [id(level - 1, row), id(level - 1, (row + 1) % width)];
        if (row % 5 === 0) {
          step.with.run = `cat "\${{ steps.${id(level - 1, (row + 2) % width)}.outputs.out }}"`;
        }
      }
      if (level + 1 < levels && row % 5 === 2) step.outputs = { out: { path: `${step.id}.txt` } };
      steps.push(step);
      layout[step.id] = { x: 40 + 240 * level, y: 80 + 100 * row };
    }
  }
  return JSON.stringify({ version: 1, name: `bench-${levels * width}`, steps, layout });
}

// A run report for `pipelineText` whose steps end in every status in turn.
function runReport(pipelineText) {
  const statuses = ['succeeded', 'failed', 'skipped', 'cached', 'cancelled', 'waiting',
                    'running', 'not run'];
  const steps = JSON.parse(pipelineText).steps.map((step, i) => ({
    id: step.id, uses: step.uses, status: statuses[i % statuses.length], attempts: 1 + (i % 3),
    duration_ms: 37 * i, outputs: {},
  }));
  return JSON.stringify({ version: 1, run: 'bench', pipeline: 'bench', pipeline_hash: '',
                          status: 'failed', duration_ms: 1000, steps });
}

function frames(page, count) {
  return page.evaluate((count) => new Promise((resolve) => {
    const next = (left) => (left === 0 ? resolve() : requestAnimationFrame(() => next(left - 1)));
    next(count);
  }), count);
}

async function openPage(browser, origin) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await page.goto(`${origin}/index.html`);
  await page.waitForFunction(() => window.tame && (window.tame.ready || window.tame.error));
  const error = await page.evaluate(() => window.tame.error);
  if (error) throw new Error(`the designer failed to start: ${error}`);
  return { context, page };
}

// Opens `text` as a dropped file would be, and waits for the frame that
// shows it: { designerMs (open to the end of that frame, measured inside),
// pageMs (from the call to the animation frame after it) }.
async function open(page, text, name) {
  const pageMs = await page.evaluate(async ({ text, name }) => {
    const start = performance.now();
    const errors = window.tame.load(text, name);
    if (errors.length > 0) throw new Error(errors.slice(0, 3).join('\n'));
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    return performance.now() - start;
  }, { text, name });
  await page.waitForFunction(() => window.tame.stats().openMs >= 0);
  return { designerMs: (await page.evaluate(() => window.tame.stats())).openMs, pageMs };
}

// Drags the canvas with the right button for `panFrames` frames, a few
// pixels a frame, and returns the designer's stats after it.
async function pan(page) {
  const start = { x: 600, y: 400 };
  await page.mouse.move(start.x, start.y);
  await frames(page, 2);
  await page.mouse.down({ button: 'right' });
  for (let frame = 0; frame < panFrames; ++frame) {
    const t = frame / panFrames;
    await page.mouse.move(start.x - 200 * Math.sin(6.283 * t), start.y - 120 * t);
    await frames(page, 1);
  }
  const stats = await page.evaluate(() => window.tame.stats());
  await page.mouse.up({ button: 'right' });
  return stats;
}

async function downloadSize() {
  let raw = 0;
  let gzipped = 0;
  const files = [];
  for (const name of ['designer.wasm', 'designer.js', 'glue.js']) {
    const bytes = await fs.readFile(path.join(webDir, name));
    const zipped = zlib.gzipSync(bytes, { level: 9 }).length;
    raw += bytes.length;
    gzipped += zipped;
    files.push(`${name} ${(bytes.length / 1024).toFixed(0)} KB (${(zipped / 1024).toFixed(0)} KB gzipped)`);
  }
  return { raw, gzipped, files };
}

const results = [];
function report(name, value, unit, limit, reference) {
  const over = limit !== undefined && value > limit;
  let line = `${name.padEnd(44)} ${value.toFixed(unit === 'KB' ? 0 : 2).padStart(9)} ${unit}`;
  if (limit !== undefined) line += `   ${(value / limit).toFixed(2)} of the budget (${limit} ${unit})`;
  if (reference) line += `   ${(value / reference.value).toFixed(1)}x ${reference.name}`;
  console.log(line + (over ? '   OVER BUDGET' : ''));
  results.push({ name, value, unit, limit, over });
}

async function main() {
  await fs.access(path.join(webDir, 'designer.wasm')).catch(() => {
    throw new Error(`${webDir}/designer.wasm is missing; run make build first`);
  });
  const size = await downloadSize();
  console.log(`download: ${size.files.join(', ')}`);
  report('download, gzipped', size.gzipped / 1024, 'KB', budget.downloadKB);
  report('download, raw', size.raw / 1024, 'KB');

  const { server, origin } = await serve(webDir);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
           '--no-first-run', '--disable-background-networking', '--disable-component-update',
           '--disable-sync'],
  });
  try {
    // References: an empty canvas, and the 9-step example.
    let { context, page } = await openPage(browser, origin);
    const empty = await pan(page);
    const emptyRef = { name: 'an empty canvas', value: Math.max(empty.frameMs, 0.05) };
    report('pan, empty canvas: median frame', empty.frameMs, 'ms');
    const example = await fs.readFile(path.join(root, 'examples/ml-to-k8s.json'), 'utf8');
    const small = await open(page, example, 'ml-to-k8s.json');
    const smallRef = { name: 'the 9-step example', value: Math.max(small.designerMs, 0.05) };
    report('open the 9-step example', small.designerMs, 'ms');
    await context.close();

    for (const [levels, width, limit] of [[20, 50, budget.frame1k], [100, 100, budget.frame10k]]) {
      const steps = levels * width;
      ({ context, page } = await openPage(browser, origin));
      const text = generate(levels, width);
      const opened = await open(page, text, `bench-${steps}.json`);
      report(`open ${steps} steps (${(text.length / 1e6).toFixed(1)} MB) to first frame`,
             opened.designerMs, 'ms', steps >= 10000 ? budget.open10k : undefined, smallRef);
      report(`  the same, seen from the page`, opened.pageMs, 'ms');
      // Routing every edge around the nodes: at most 6 ms of the first
      // frame, the rest in the frames after it.
      await frames(page, 30);
      const routeMs = (await page.evaluate(() => window.tame.stats())).routeMs;
      if (routeMs !== undefined) report(`  routing the edges, over the first frames`, routeMs, 'ms');
      const stats = await pan(page);
      report(`pan ${steps} steps at ${(100 * stats.zoom).toFixed(0)}%: median frame`,
             stats.frameMs, 'ms', limit, emptyRef);
      console.log(`  ${stats.drawCalls} draw calls, ${stats.vertices} vertices a frame`);
      const errors = await page.evaluate((run) => window.tame.openReport(run), runReport(text));
      if (errors.length > 0) throw new Error(errors.slice(0, 3).join('\n'));
      const withRun = await pan(page);
      report(`  the same with a run shown`, withRun.frameMs, 'ms', limit, emptyRef);
      await page.evaluate(() => window.tame.closeRun());
      // Everything in view: nodes become blocks, edges lines.
      await page.keyboard.press('Shift+F');
      await frames(page, 3);
      const fitted = await pan(page);
      report(`pan ${steps} steps, all in view (${(100 * fitted.zoom).toFixed(1)}%)`,
             fitted.frameMs, 'ms', undefined, emptyRef);
      console.log(`  ${fitted.drawCalls} draw calls, ${fitted.vertices} vertices a frame`);
      await context.close();
    }
  } finally {
    await browser.close();
    server.closeAllConnections();
    server.close();
  }
  const over = results.filter((r) => r.over);
  console.log(over.length === 0 ? 'designer bench: every figure within its budget'
                                : `designer bench: ${over.length} over budget`);
  return over.length === 0 ? 0 : 1;
}

main().then((code) => { process.exitCode = code; }, (error) => {
  console.error(`designer bench: ${error.stack ?? error}`);
  process.exitCode = 1;
});
