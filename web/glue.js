// The page's side of the designer: the Emscripten Module settings, the
// services designer-wasm/main.cc asks for (download, file picker, clipboard,
// share links, autosave), the browser events it cannot see itself (dropped
// files, clipboard events, wheel), restoring the last visit, run reports
// and their logs (picked, dropped, or fetched for ?report=), and
// `window.tame`, the API end-to-end tests and integrations drive.
'use strict';

(function () {
  const canvas = document.getElementById('canvas');
  const status = document.getElementById('status');
  const fileInput = document.getElementById('file-input');
  const reportInput = document.getElementById('report-input');
  const dropHint = document.getElementById('drop-hint');
  const autosaveKey = 'tame.autosave';
  const shareParam = '#p=';
  const reportParam = 'report';
  // `tame designer FILE` serves FILE beside the page and names it with ?open=.
  const openParam = 'open';
  const logTailBytes = 64 * 1024;  // the designer keeps less; no need to copy more

  // Until the designer draws, the page's colours follow the theme chosen on
  // the last visit, else the system's (designer.css).
  try {
    const theme = JSON.parse(localStorage.getItem('tame.view') || '{}').theme;
    if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme;
  } catch (error) {
    // unreadable settings: the designer ignores them too
  }

  function fail(text) {
    window.tame.error = text;
    status.textContent = text;
    status.className = 'error';
    status.hidden = false;
  }

  // Calls an exported C function. Strings are copied into the module's heap
  // (they may be megabytes, too large for its stack) and freed after; a
  // `const char*` result is read back as a string when `returnsText`.
  function call(name, args, returnsText) {
    const pointers = [];
    const values = args.map((arg) => {
      if (typeof arg !== 'string') return arg;
      const size = Module.lengthBytesUTF8(arg) + 1;
      const pointer = Module._malloc(size);
      Module.stringToUTF8(arg, pointer, size);
      pointers.push(pointer);
      return pointer;
    });
    try {
      const result = Module['_' + name](...values);
      return returnsText ? Module.UTF8ToString(result) : result;
    } finally {
      pointers.forEach((pointer) => Module._free(pointer));
    }
  }
  const text = (name, ...args) => call(name, args, true);
  const json = (name, ...args) => JSON.parse(call(name, args, true));

  // ---- Compression for share links and autosaves -------------------------

  async function gzip(data) {
    const stream = new Blob([data]).stream().pipeThrough(new CompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }

  async function gunzip(bytes) {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Response(stream).text();
  }

  function toBase64Url(bytes) {
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000) {
      binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    }
    return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function fromBase64Url(textIn) {
    const binary = atob(textIn.replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  }

  function fileNameOf(pipelineText, fallback) {
    try {
      const name = JSON.parse(pipelineText).name;
      if (typeof name === 'string' && name) return name.replace(/[^A-Za-z0-9._-]/g, '-') + '.json';
    } catch (error) {
      // not JSON: the designer will say so
    }
    return fallback;
  }

  // ---- Opening files ---------------------------------------------------------

  function openFile(name, contents) {
    return json('tame_open', name, contents);
  }

  async function openBlob(file) {
    if (!file) return;
    openFile(file.name, await file.text());
  }

  // ---- Run reports and their logs ------------------------------------------

  // A report, not a pipeline: report.json has a "run"; a pipeline file
  // cannot (its unknown keys are errors).
  function looksLikeReport(contents) {
    try {
      const value = JSON.parse(contents);
      return value !== null && typeof value === 'object' && 'run' in value && 'steps' in value;
    } catch (error) {
      return false;
    }
  }

  // Shows a report; then hands in each step's log that `fetchLog(path)`
  // finds (a promise of its text, or null). Returns the report's errors.
  async function openReport(name, contents, fetchLog) {
    const errors = json('tame_open_report', name, contents);
    if (errors.length > 0) return errors;
    const logs = json('tame_run_info').logs;
    await Promise.all(logs.map(async ({ id, path: logPath }) => {
      const log = await fetchLog(logPath).catch(() => null);
      if (log !== null) call('tame_run_log', [id, log.slice(-logTailBytes)]);
    }));
    return errors;
  }

  // A pipeline file fetched relative to the page, opened as the Open menu does.
  async function openFileUrl(address) {
    let response;
    try {
      response = await fetch(new URL(address, location.href));
    } catch (error) {
      response = { ok: false, statusText: error.message };
    }
    if (!response.ok) {
      call('tame_post', [`Could not fetch ${address}: ` +
                         `${response.status ?? ''} ${response.statusText}`.trim(), 1]);
      return;
    }
    openFile(address.split('/').pop(), await response.text());
  }

  // A report fetched relative to the page, its logs relative to the report.
  async function openReportUrl(address) {
    const url = new URL(address, location.href);
    let response;
    try {
      response = await fetch(url);
    } catch (error) {
      response = { ok: false, statusText: error.message };
    }
    if (!response.ok) {
      call('tame_post', [`Could not fetch the run report ${address}: ` +
                         `${response.status ?? ''} ${response.statusText}`.trim(), 1]);
      return;
    }
    await openReport(address, await response.text(), async (logPath) => {
      const log = await fetch(new URL(logPath, url));
      return log.ok ? log.text() : null;
    });
  }

  // Files picked or dropped together: the report (report.json, else the
  // first JSON file) and logs matched by their file names.
  async function openReportFiles(files) {
    const report = files.find((file) => file.name === 'report.json') ??
                   files.find((file) => file.name.endsWith('.json'));
    if (!report) {
      call('tame_post', ['No report.json among the files: pick a run\'s report.json ' +
                         'with its logs', 1]);
      return;
    }
    await openReport(report.name, await report.text(), async (logPath) => {
      const base = logPath.split('/').pop();
      const file = files.find((f) => (f.webkitRelativePath || f.name).endsWith(logPath)) ??
                   files.find((f) => f.name === base);
      return file ? file.text() : null;
    });
  }

  async function openDropped(files) {
    if (files.length === 0) return;
    if (files.length > 1) {
      await openReportFiles(files);
      return;
    }
    const contents = await files[0].text();
    if (looksLikeReport(contents)) {
      await openReport(files[0].name, contents, async () => null);
    } else {
      openFile(files[0].name, contents);
    }
  }

  reportInput.addEventListener('change', () => {
    const files = Array.from(reportInput.files);
    reportInput.value = '';
    openReportFiles(files);
  });

  fileInput.addEventListener('change', () => {
    const file = fileInput.files[0];
    fileInput.value = '';  // so that picking the same file again opens it again
    openBlob(file);
  });

  let dragDepth = 0;
  window.addEventListener('dragenter', (event) => {
    if (!event.dataTransfer || !Array.from(event.dataTransfer.types).includes('Files')) return;
    ++dragDepth;
    dropHint.hidden = false;
  });
  window.addEventListener('dragleave', () => {
    if (--dragDepth <= 0) {
      dragDepth = 0;
      dropHint.hidden = true;
    }
  });
  window.addEventListener('dragover', (event) => {
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
  });
  window.addEventListener('drop', (event) => {
    event.preventDefault();
    dragDepth = 0;
    dropHint.hidden = true;
    if (window.tame.ready && event.dataTransfer) openDropped(Array.from(event.dataTransfer.files));
  });

  // ---- Clipboard, wheel and keys ---------------------------------------------

  document.addEventListener('copy', (event) => onCopy(event, false));
  document.addEventListener('cut', (event) => onCopy(event, true));
  function onCopy(event, cut) {
    if (!window.tame.ready) return;
    const copied = text('tame_copy_text', cut ? 1 : 0);
    if (!copied) return;
    event.clipboardData.setData('text/plain', copied);
    event.preventDefault();
  }
  document.addEventListener('paste', (event) => {
    if (!window.tame.ready) return;
    const pasted = event.clipboardData.getData('text/plain');
    if (pasted) call('tame_paste_text', [pasted]);
    event.preventDefault();
  });

  // Wheel deltas in pixels whatever the browser counts in; ctrl+wheel and
  // trackpad pinches (which arrive as ctrl+wheel) zoom.
  canvas.addEventListener('wheel', (event) => {
    event.preventDefault();
    if (!window.tame.ready) return;
    const scale = event.deltaMode === 1 ? 33 : event.deltaMode === 2 ? 600 : 1;
    Module._tame_wheel(event.deltaX * scale, event.deltaY * scale,
                       event.ctrlKey || event.metaKey ? 1 : 0);
  }, { passive: false });

  // Keys the designer uses that the browser would act on itself; Ctrl+=,
  // Ctrl+- and Ctrl+0 size the designer's text instead of zooming the page.
  window.addEventListener('keydown', (event) => {
    const key = event.key.toLowerCase();
    if ((event.ctrlKey || event.metaKey) &&
        ['s', 'o', 'd', 'a', 'z', 'y', '=', '+', '-', '_', '0'].includes(key)) {
      event.preventDefault();
    } else if (key === 'f1') {
      event.preventDefault();
    }
  }, true);

  // The canvas takes keyboard input once clicked; the context menu would
  // cover the canvas on right-click.
  canvas.addEventListener('mousedown', () => canvas.focus());
  canvas.addEventListener('contextmenu', (event) => event.preventDefault());

  // ---- An outline for screen readers ----------------------------------------

  // The steps (id, kind, what they need, their problems) and the problems in
  // plain words, as lists in the page; remade at most twice a second while
  // the pipeline changes.
  let outlineRevision = -1;
  function updateOutline() {
    if (!window.tame.ready) return;
    const revision = Module._tame_revision();
    if (revision === outlineRevision) return;
    outlineRevision = revision;
    const outline = json('tame_outline');
    const fill = (list, items) => {
      list.replaceChildren(...items.map((line) => {
        const item = document.createElement('li');
        item.textContent = line;
        return item;
      }));
    };
    fill(document.getElementById('outline-steps'), outline.steps.map((step) =>
      `${step.id}, ${step.uses}` + (step.needs.length ? `, after ${step.needs.join(', ')}` : '') +
      (step.problems ? `, ${step.problems} ${step.problems === 1 ? 'problem' : 'problems'}` : '')));
    fill(document.getElementById('outline-problems'), outline.problems);
  }
  setInterval(updateOutline, 500);

  // ---- The services main.cc asks for -----------------------------------------

  let autosaveSerial = 0;

  // The screen's pixel density: the designer draws that many pixels per
  // CSS pixel; a window moved to another screen, or a browser zoom, changes it.
  function followPixelRatio() {
    Module._tame_set_pixel_ratio(window.devicePixelRatio || 1);
    const query = matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`);
    query.addEventListener('change', followPixelRatio, { once: true });
  }

  // The system's light or dark preference, which the designer follows while
  // View > Theme is "System".
  function followColorScheme() {
    const light = matchMedia('(prefers-color-scheme: light)');
    const tell = () => Module._tame_set_system_theme(light.matches ? 1 : 0);
    tell();
    light.addEventListener('change', tell);
  }

  const page = {
    ready() {
      followPixelRatio();
      followColorScheme();
      const view = localStorage.getItem('tame.view');
      if (view) call('tame_load_view', [view]);
      restore().catch((error) => console.warn('tame: could not restore:', error))
        .finally(() => {
          status.hidden = true;
          window.tame.ready = true;
        });
    },
    // The theme shown, for the page's own colours (loading, drop hint) on
    // this visit and the next.
    themeShown(light) {
      document.documentElement.dataset.theme = light ? 'light' : 'dark';
    },
    download(name, contents) {
      const type = /\.ya?ml$/.test(name) ? 'application/yaml' : 'application/json';
      const url = URL.createObjectURL(new Blob([contents], { type }));
      const link = document.createElement('a');
      link.href = url;
      link.download = name;
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    },
    pickFile() {
      fileInput.click();
    },
    pickReport() {
      reportInput.click();
    },
    writeClipboard(contents) {
      if (navigator.clipboard) navigator.clipboard.writeText(contents).catch(() => {});
    },
    readClipboard() {
      if (!navigator.clipboard || !navigator.clipboard.readText) {
        call('tame_post', ['This browser lets the page read the clipboard only with Ctrl+V', 1]);
        return;
      }
      navigator.clipboard.readText().then((pasted) => call('tame_paste_text', [pasted]), () => {
        call('tame_post', ['The browser did not let the page read the clipboard; use Ctrl+V', 1]);
      });
    },
    share(contents) {
      gzip(contents).then((bytes) => {
        const url = location.origin + location.pathname + shareParam + toBase64Url(bytes);
        page.writeClipboard(url);
        window.tame.shareUrl = url;
        call('tame_share_ready', [url]);
      });
    },
    // Autosaves are compressed (a 10,000-step pipeline is megabytes of JSON
    // but a fraction of that gzipped); only the newest one is written.
    autosave(name, contents, modified) {
      const serial = ++autosaveSerial;
      gzip(contents).then((bytes) => {
        if (serial !== autosaveSerial) return;
        const entry = JSON.stringify({ name, modified, gzip: toBase64Url(bytes) });
        try {
          localStorage.setItem(autosaveKey, entry);
          window.tame.autosaves = serial;
        } catch (error) {
          console.warn('tame: autosave skipped:', error.message);
        }
      });
    },
  };

  // What the page opens with: the last visit's autosave, then a shared
  // pipeline from the link (undoable, so the autosave is one Ctrl+Z away),
  // then a run's report named by ?report=, shown on that pipeline.
  async function restore() {
    const saved = localStorage.getItem(autosaveKey);
    if (saved) {
      const entry = JSON.parse(saved);
      const contents = await gunzip(fromBase64Url(entry.gzip));
      call('tame_restore', [entry.name, contents, entry.modified ? 1 : 0]);
    }
    if (location.hash.startsWith(shareParam)) {
      const contents = await gunzip(fromBase64Url(location.hash.slice(shareParam.length)));
      history.replaceState(null, '', location.pathname + location.search);
      openFile(fileNameOf(contents, 'shared.json'), contents);
    }
    const served = new URLSearchParams(location.search).get(openParam);
    if (served) await openFileUrl(served);
    const report = new URLSearchParams(location.search).get(reportParam);
    if (report) await openReportUrl(report);
  }

  // ---- window.tame -----------------------------------------------------------

  window.tame = {
    /** True once the designer drew its first frames and restored the last visit. */
    ready: false,
    /** Text of the error that stopped the designer, or null. */
    error: null,
    /** How many autosaves reached localStorage. */
    autosaves: 0,
    /** The last share link made, or null. */
    shareUrl: null,
    /** Core's export targets, as the Export menu lists them: [{ name, title, file_suffix }]. */
    exportTargets: () => json('tame_export_targets'),
    /**
     * The pipeline exported to one of exportTargets()' names:
     * { text, fidelity, file, errors }, the bytes `tame export` writes, the
     * report it prints, the download's name, and why nothing was exported.
     */
    exportTo: (target) => json('tame_export_to', target),
    /** Shows a run's report.json on the pipeline; returns why it could not be read. */
    openReport: (jsonText, name = 'report.json') => json('tame_open_report', name, jsonText),
    /** Hands in the text of a step's log for the run shown. */
    runLog: (id, logText) => call('tame_run_log', [id, logText]),
    /** { stepId: status } of the run shown; {} when none is. */
    runStatus: () => json('tame_run_status'),
    /** { open, run, status, hashMatches, pipelineOnly, runOnly, logs: [{id, path, loaded}] } */
    runInfo: () => json('tame_run_info'),
    /** Returns to editing: the run is no longer shown. */
    closeRun: () => Module._tame_close_run(),
    /**
     * The plan `tame plan FILE --from ID --json` prints (or --only, or
     * neither), for {from: 'id'}, {only: ['a', 'b']} or {}: { pipeline,
     * levels: [[id, ...], ...], steps: [{id, uses, level, if, selection}] },
     * without the cache verdicts only a workspace has; { error } for an
     * unknown step, both keys, or a cycle.
     */
    plan: (request = {}) => json('tame_plan', JSON.stringify(request)),
    /** What the Plan tab shows: { scope, steps, command, lines }. */
    planView: () => json('tame_plan_view'),
    /** The palette's step kinds: [{uses, title, category, color}]. */
    palette: () => json('tame_palette_json'),
    /**
     * Opens pipeline text as the Open menu does; returns `tame validate`'s
     * messages. A name ending in .yml or .yaml imports a GitHub Actions or
     * GitLab CI workflow; the messages are then the fidelity report's lines.
     */
    load: (jsonText, name = 'pipeline.json') => openFile(name, jsonText),
    /** The last import's fidelity report, as `tame import` prints it. */
    importReport: () => text('tame_import_report'),
    /** The pipeline in canonical form, byte for byte what `tame fmt` writes. */
    exportJson: () => text('tame_export_json'),
    /** Adds a step (id '' picks one); returns '' or why it was refused. */
    addStep: (kind, id, x, y) => text('tame_add_step', kind, id || '', x, y),
    /** Makes `toId` need `fromId`; returns '' or why it was refused. */
    connect: (fromId, toId) => text('tame_connect', fromId, toId),
    /** { steps, frameMs (median CPU ms of recent frames), drawCalls, vertices, frames, openMs, ... } */
    stats: () => json('tame_stats'),
    /** A step's node on the page: { x, y, w, h, in: {x, y}, out: {x, y} }, or null. */
    nodeRect: (id) => json('tame_node_rect', id),
    /** A widget's place on the page ('palette/shell', 'inspector/with/run', ...), or null. */
    widgetRect: (name) => json('tame_widget_rect', name),
    /** The reference chips the inspector drew: [{mark, expr, color: '#rrggbb', selected, doc, x, y, w, h}]. */
    chips: () => json('tame_chips'),
    /** The problems panel's lines. */
    problems: () => json('tame_problems'),
    /** The problems in plain words: [{step, field, text, line}]; [] for an untouched empty pipeline. */
    problemList: () => json('tame_problem_list'),
    /** The messages of the last file that could not be opened. */
    openErrors: () => json('tame_open_errors'),
    /** The ids of the selected steps. */
    selection: () => json('tame_selection'),
    /** Why a field's last edit was refused, as shown below the field; '' when none is. */
    fieldRefusal: () => text('tame_field_refusal'),
    /** The status line's text. */
    status: () => text('tame_status'),
    /**
     * The look in use: { theme ('system', 'light' or 'dark', as chosen),
     * light (the theme shown), textSize, fontSize, fontPixels, pixelRatio }.
     */
    look: () => json('tame_look'),
    /** Moves the canvas view by pixels. */
    scroll: (dx, dy) => Module._tame_scroll(dx, dy),
    /**
     * Every edge as the canvas routes it, on the page: { edges: [{ from, to,
     * points: [[x, y], ...], routed, faded, label: {x, y, w, h} or null }],
     * ms, routed, unrouted } (the last routing's time and counts).
     */
    edgeRoutes: () => json('tame_edge_routes'),
  };

  window.Module = {
    canvas,
    tamePage: page,
    printErr(message) {
      console.error(message);
      if (message.startsWith('tame designer:')) fail(message);
    },
    onAbort(what) {
      fail('The designer stopped: ' + what);
    },
  };
})();
