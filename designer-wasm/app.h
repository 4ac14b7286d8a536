// The designer's window: menu bar, palette, canvas, inspector and plan,
// problems, status line and dialogs, laid out over the whole page; the
// keyboard shortcuts; and what the page hands in (files, clipboard text,
// share links, wheel input). Plain Dear ImGui: main.cc owns the platform.
#ifndef TAME_DESIGNER_WASM_APP_H_
#define TAME_DESIGNER_WASM_APP_H_

#include <string>
#include <vector>

#include "core/import.h"
#include "designer-wasm/canvas.h"
#include "designer-wasm/connect_picker.h"
#include "designer-wasm/editor.h"
#include "designer-wasm/inspector.h"
#include "designer-wasm/look.h"
#include "designer-wasm/panels.h"
#include "designer-wasm/run_view.h"
#include "designer-wasm/source_view.h"
#include "designer-wasm/theme.h"

namespace tame::designer {

/// CPU time and draw calls of recent frames, for window.tame.stats().
class FrameStats {
 public:
  void Add(double ms, int draw_calls, int vertices);
  /// The median of the last kWindow frames' CPU times, in milliseconds.
  double MedianMs() const;
  int draw_calls() const { return draw_calls_; }
  int vertices() const { return vertices_; }
  int frames() const { return frames_; }

  static constexpr int kWindow = 120;

 private:
  std::vector<double> times_;
  int next_ = 0;
  int frames_ = 0;
  int draw_calls_ = 0;
  int vertices_ = 0;
};

class App {
 public:
  explicit App(Platform* platform) : editor_(platform) { canvas_.set_run(&run_); }

  /// Builds this frame's UI; call between ImGui::NewFrame() and Render().
  void Frame();

  /// True when the UI has something going that needs frames even without
  /// input: a text field or menu open, a drag, a pending autosave.
  bool busy() const { return busy_; }

  Editor& editor() { return editor_; }
  Canvas& canvas() { return canvas_; }
  RunView& run() { return run_; }
  FrameStats& stats() { return stats_; }

  // ---- From the page

  /// A file to open (picked, dropped, a template, a share link): the
  /// messages `tame validate` prints for it. A .yml or .yaml file is a
  /// GitHub Actions or GitLab CI workflow: it is imported as `tame import
  /// --keep-unknown` does, and the messages are the fidelity report's lines.
  std::vector<std::string> OpenText(const std::string& name, const std::string& text);
  /// The last import's fidelity report, as `tame import` prints it.
  const std::string& import_report() const { return import_report_; }
  /// A run's report.json to show on the pipeline (picked, dropped, or
  /// fetched for ?report=): the messages of a report that could not be
  /// read, which are also shown in a dialog.
  std::vector<std::string> OpenReport(const std::string& name, const std::string& text);
  /// Clipboard text pasted with Ctrl+V or Edit > Paste: into the text field
  /// being typed in, else as steps.
  void PasteText(const std::string& text);
  /// What Ctrl+C or Ctrl+X puts on the clipboard: the selected steps as
  /// pipeline JSON (cut also deletes them), or "" to leave the page's own
  /// copy alone (a text field has the keyboard).
  std::string CopyText(bool cut);
  /// A share link the page made.
  void ShareReady(const std::string& url);
  /// Panel sizes, which panels show, the theme and the text size, as
  /// SaveSettings() wrote them on an earlier visit (JSON); anything
  /// unreadable is ignored.
  void LoadLayout(const std::string& text);
  /// The theme and text size; main.cc builds the font for look().text_size()
  /// and then calls look().Update() before each frame.
  Look& look() { return look_; }
  /// Milliseconds from the page handing in a file to the end of the frame
  /// showing it, or -1; set by main.cc.
  double last_open_ms = -1;

 private:
  void HandleShortcuts();
  void DrawMenuBar();
  void DrawPanels(float top, float bottom);
  void DrawSide(float x, float top, float width, float height);
  bool Splitter(const char* name, ImVec2 at, ImVec2 size, bool horizontal, float* value);
  void SaveLayout();
  void DrawStatusBar(float height);
  void DrawDialogs();
  void DrawExportDialog();
  void DrawImportReport();
  std::vector<std::string> ImportText(const std::string& name, const std::string& text);
  void AfterFrame();

  Editor editor_;
  Canvas canvas_;
  Inspector inspector_;
  Palette palette_;
  ProblemsPanel problems_;
  RunView run_;
  SourceView source_;
  ConnectPicker connect_;
  FrameStats stats_;
  Look look_;

  bool show_problems_ = true;
  bool show_palette_ = true;
  bool show_side_ = true;
  // Panel sizes in pixels, as the user dragged them.
  struct Layout {
    float palette = kPaletteWidth;
    float side = kInspectorWidth;
    float problems = kProblemsHeight;
  };
  Layout layout_;
  bool plan_tab_shown_ = false;  // in the last frame
  bool show_help_ = false;
  bool open_share_ = false;
  std::string share_url_;
  std::string field_paste_;  // text pasted into the focused field, typed at the next frame
  bool save_next_frame_ = false;
  bool busy_ = true;

  uint64_t seen_revision_ = UINT64_MAX;
  double changed_at_ = 0;
  uint64_t autosaved_revision_ = 0;
  std::string title_;
  std::string import_report_;  // the last import's report, as tame import prints it
  std::vector<ImportItem> import_items_;
  std::string import_header_;
  bool show_import_report_ = false;
};

}  // namespace tame::designer

#endif  // TAME_DESIGNER_WASM_APP_H_
