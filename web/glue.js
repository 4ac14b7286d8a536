// The page's side of the designer: the Emscripten Module settings, the
// loading message, and `window.tame`, the API the end-to-end tests drive.
'use strict';

(function () {
  const canvas = document.getElementById('canvas');
  const status = document.getElementById('status');

  function fail(text) {
    window.tame.error = text;
    status.textContent = text;
    status.className = 'error';
    status.hidden = false;
  }

  window.tame = {
    /** True once the designer has drawn its first complete frame. */
    ready: false,
    /** Text of the error that stopped the designer, or null. */
    error: null,
    /** The palette's step kinds: [{uses, title, category, color}]. */
    palette() {
      return JSON.parse(Module.UTF8ToString(Module._tame_palette_json()));
    },
  };

  window.Module = {
    canvas,
    onDesignerReady() {
      status.hidden = true;
      window.tame.ready = true;
    },
    printErr(text) {
      console.error(text);
      if (text.startsWith('tame designer:')) fail(text);
    },
    onAbort(what) {
      fail('The designer stopped: ' + what);
    },
  };

  // The canvas takes keyboard input once clicked; the context menu would
  // cover the canvas on right-click.
  canvas.addEventListener('mousedown', () => canvas.focus());
  canvas.addEventListener('contextmenu', (event) => event.preventDefault());
})();
