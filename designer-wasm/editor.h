// What the designer's panels share: the document, the selection, the status
// line, and the commands that menus, shortcuts and context menus run.
//
// Contents:
//   Platform   the page's services (files, clipboard, storage), for main.cc
//   Editor     the document and the view state around it, and the commands
//
// The pipeline lives in core's Document and nowhere else. The editor keeps
// view state only: which nodes are selected, what the status line says, and
// which file name a download gets.
#ifndef TAME_DESIGNER_WASM_EDITOR_H_
#define TAME_DESIGNER_WASM_EDITOR_H_

#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/document.h"
#include "core/export.h"

namespace tame::designer {

/// The page's services. Answers that take time (a picked file, the
/// clipboard's text, a share link) come back through the App.
class Platform {
 public:
  virtual ~Platform() = default;
  /// Offers `text` as a download named `file`.
  virtual void Download(const std::string& file, const std::string& text) = 0;
  /// Shows the browser's file picker.
  virtual void PickFile() = 0;
  /// Shows the browser's file picker for a run's report.json and its logs.
  virtual void PickReport() = 0;
  /// Puts `text` on the system clipboard.
  virtual void WriteClipboard(const std::string& text) = 0;
  /// Asks for the clipboard's text, to be pasted where the mouse is.
  virtual void ReadClipboard() = 0;
  /// Compresses `text` into a link to the page.
  virtual void MakeShareLink(const std::string& text) = 0;
  /// Keeps the pipeline in the browser's storage, to restore on reload.
  virtual void Autosave(const std::string& file, const std::string& text, bool modified) = 0;
  /// Sets the page's title.
  virtual void SetTitle(const std::string& title) = 0;
  /// Keeps the view's settings (panel sizes, which panels show) for the
  /// next visit.
  virtual void SaveSettings(const std::string& json) { (void)json; }
};

enum class Severity { kInfo, kError };

struct StatusMessage {
  std::string text;
  Severity severity = Severity::kInfo;
  double time = -1e9;  // ImGui::GetTime() when posted
};

/// An edge as the canvas selects it: `to` runs after `from`.
struct EdgeRef {
  NodeId from;
  NodeId to;
  bool operator==(const EdgeRef& o) const { return from == o.from && to == o.to; }
};

/// An export to another engine: what `tame export FILE --to TARGET` writes
/// for the saved file, and the fidelity report it prints.
struct ExportView {
  ExportTarget target = ExportTarget::kArgo;
  std::string file;                 // the download's name, as `tame export` suggests
  std::string text;                 // the YAML; empty when there are errors
  std::string fidelity;             // the report, as `tame export` prints it on stderr
  Diagnostics notes;                // its notes
  std::vector<std::string> errors;  // why nothing was exported
};

/// Which steps the plan preview runs: every one, or what `tame plan --from`
/// or `--only` selects.
enum class PlanScope { kWhole, kFrom, kOnly };

/// The plan preview's choice. The steps of kOnly are the selected nodes.
struct PlanChoice {
  PlanScope scope = PlanScope::kWhole;
  NodeId from;  // the step of kFrom
};

/// What the canvas should do with its view at the next frame.
/// Fits never zoom out below where ids can be read (they pan instead);
/// kShowAll zooms out as far as it takes, for an overview.
enum class ViewRequest { kNone, kFitAll, kFitSelection, kShowOpened, kShowAll };

class Editor {
 public:
  explicit Editor(Platform* platform) : platform_(platform) {}

  Document& doc() { return doc_; }
  const Document& doc() const { return doc_; }
  Platform& platform() { return *platform_; }

  // ---- Status line

  /// Shows `text` on the status line.
  void Post(Severity severity, std::string text);
  /// Posts a refused request's message; returns whether it was applied.
  bool Report(const EditResult& result);
  const StatusMessage& status() const { return status_; }

  // ---- Selection

  const std::vector<NodeId>& selection() const { return selection_; }
  bool IsSelected(NodeId node) const { return selected_.count(node) > 0; }
  void SetSelection(std::vector<NodeId> nodes);
  /// Selects `node` alone, or toggles it when `toggle` is set.
  void Select(NodeId node, bool toggle);
  void ClearSelection();
  /// The selected node when exactly one is, else NodeId().
  NodeId SingleSelected() const;
  /// Applies a selection change that waited for a field to commit.
  void ApplyDeferredSelection();
  /// Forgets selected nodes and edges the document no longer has.
  void Prune();
  std::optional<EdgeRef> selected_edge;

  /// Problems per step by index, for nodes and the inspector; recomputed
  /// once per document revision.
  const std::vector<int>& ProblemCounts() const;

  // ---- Commands

  /// Opens pipeline text as file `name`. Returns the messages `tame
  /// validate` prints for it (empty when valid). When the text does not
  /// load, the document is left as it was and the messages are shown in a
  /// dialog; otherwise its problems are listed in the problems panel.
  std::vector<std::string> Open(const std::string& name, const std::string& text);
  /// Open() without a history entry: what a reload restores.
  void Restore(const std::string& name, const std::string& text, bool modified);
  void NewPipeline();
  /// True until the pipeline File > New made is edited (or undone).
  bool FreshFromNew() const { return doc_.revision() == new_revision_; }
  void OpenTemplate(size_t index);
  void Save();
  void Share();
  void Undo();
  void Redo();
  void AddStep(const std::string& uses, Position at);
  void DeleteSelection();
  void DuplicateSelection();
  /// The selection as clipboard text, or "" when nothing is selected.
  std::string CopySelection();
  void Paste(const std::string& text, std::optional<Position> at);
  void SelectAll();
  void AutoLayout();
  /// The pipeline exported to `target`, from its saved text as the CLI
  /// reads it.
  ExportView Export(ExportTarget target) const;
  /// Exports to `target` and shows the result with its fidelity report,
  /// for the user to download.
  void ShowExport(ExportTarget target);
  /// Offers the shown export as a download.
  void DownloadExport();

  /// The file name downloads and messages use: the opened file's, else the
  /// pipeline's name with ".json".
  std::string file_name() const;
  /// Messages of the last Open() that was refused, shown in a dialog.
  std::vector<std::string> open_errors;
  bool show_open_errors = false;
  /// The line above open_errors: what could not be read.
  std::string open_errors_intro;
  /// The export shown in the export dialog.
  std::optional<ExportView> export_view;
  bool show_export = false;

  PlanChoice plan_choice;
  /// While the Plan tab shows a partial plan: which steps it runs, for the
  /// canvas to mark; set at the start of each frame.
  std::optional<Selection> plan_marks;

  ViewRequest view_request = ViewRequest::kNone;
  /// How wide, in canvas pixels, the canvas shows at a readable zoom: what
  /// auto-layout wraps its layers to. Set by the canvas every frame.
  double layout_width = 0;
  std::optional<Position> paste_at;  // where the next clipboard text lands
  NodeId focus_request;              // a node the canvas should bring into view

 private:
  Platform* platform_;
  Document doc_;
  StatusMessage status_;
  std::vector<NodeId> selection_;
  std::unordered_set<NodeId, NodeIdHash> selected_;
  std::optional<std::vector<NodeId>> deferred_selection_;
  void ReplaceSelection(std::vector<NodeId> nodes);  // SetSelection without waiting
  std::string file_name_;                            // empty for a pipeline made here
  mutable uint64_t counts_revision_ = UINT64_MAX;
  uint64_t new_revision_ = UINT64_MAX;  // the revision File > New made
  mutable std::vector<int> counts_;
};

/// "p.json: /steps/0/uses: ..." lines, as `tame validate` prints them.
std::vector<std::string> FormatProblems(const std::string& file, const Diagnostics& problems);

/// What template `index` does in one line: "9 steps: checkout > train > ...",
/// the steps it chains in file order.
std::string TemplateSummary(size_t index);

/// A problem's message without the leading `step "ID": `, for places that
/// show the step already.
std::string PlainMessage(const Diagnostic& d);

}  // namespace tame::designer

#endif  // TAME_DESIGNER_WASM_EDITOR_H_
