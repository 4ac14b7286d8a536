// A run shown on the pipeline: a report.json that `tame run` wrote, read by
// core's run report reader and lined up with the open pipeline by step id.
// The canvas colours each node by its step's status; the Run tab lists the
// run and the selected step's attempts, outputs, gate rows, approvals and
// log tail; a banner over the canvas says what run is shown, which steps do
// not line up, and whether the run was of this very pipeline.
//
// The run is view state: it never changes the document, and editing the
// pipeline while a run is shown re-matches it.
#ifndef TAME_DESIGNER_WASM_RUN_VIEW_H_
#define TAME_DESIGNER_WASM_RUN_VIEW_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/run_report.h"
#include "designer-wasm/editor.h"
#include "designer-wasm/wrapped_rows.h"
#include "imgui.h"

namespace tame::designer {

/// A status's colour on nodes and in the panel.
ImU32 StatusColor(StepRunStatus status);

/// Draws a status's icon (a check, a cross, ...) in a circle of `radius`
/// about `center`.
void DrawStatusIcon(ImDrawList* draw, ImVec2 center, float radius, StepRunStatus status);

/// "4.2 s", "850 ms", "3 min 20 s".
std::string FormatDuration(int64_t ms);

class RunView {
 public:
  /// Reads report text from file `name` and shows it. Returns the messages
  /// of a report that could not be read (then the run shown before stays).
  std::vector<std::string> Open(const std::string& name, const std::string& text);
  void Close();
  bool is_open() const { return report_.has_value(); }
  const RunReport& report() const { return *report_; }
  /// The report's name or URL, as the page handed it in.
  const std::string& name() const { return name_; }

  /// Keeps the tail of step `id`'s log, as the page fetched or was given it.
  void SetLog(const std::string& id, const std::string& text);
  /// Whether a log was handed in for step `id`.
  bool HasLog(const std::string& id) const { return logs_.count(id) > 0; }

  /// Lines the run up with the document again when it changed; call once a
  /// frame before the accessors below.
  void Sync(const Document& doc);
  /// The run's record of pipeline step `index`, or nullptr when the run has
  /// no step with its id (or no run is shown).
  const StepRun* StepOf(int index) const;
  /// The run's steps (indices into report().steps) that the pipeline has no
  /// step for.
  const std::vector<int>& RunOnly() const { return match_.run_only; }
  /// The pipeline's steps (indices) that are not in the run.
  const std::vector<int>& PipelineOnly() const { return pipeline_only_; }
  /// Whether the report's pipeline_hash is the open pipeline's.
  bool HashMatches() const { return hash_matches_; }

  /// The height of the banner over the canvas when `width` wide, 0 while
  /// no run is shown.
  float BannerHeight(float width) const;
  /// The banner: which run is shown, which steps do not line up, whether
  /// it ran this pipeline, and a button that closes the run.
  void DrawBanner();
  /// The Run tab: the run and the selected step's record.
  void DrawPanel(Editor& editor);

  /// Set when a report was opened, for the side panel to show the Run tab.
  bool select_tab = false;

 private:
  // A word of the banner's first line, in its colour.
  struct Word {
    std::string text;
    ImU32 color;
  };
  std::vector<Word> BannerWords() const;
  // The lines the banner's first part takes in a canvas `content_width` wide.
  int BannerHeadLines(float content_width) const;
  void UpdateNotes(const Document& doc);
  void DrawSummary(Editor& editor);
  void DrawStepList(Editor& editor);
  void DrawStep(const StepRun& step);
  void DrawLog(const StepRun& step);

  std::optional<RunReport> report_;
  std::string name_;
  std::map<std::string, std::string> logs_;  // step id -> the log's tail
  uint64_t report_serial_ = 0;               // counts reports opened
  WrappedRows rows_;                         // the Run tab's list of steps

  // The match with the document, per document revision.
  uint64_t revision_ = UINT64_MAX;
  RunMatch match_;
  std::vector<int> pipeline_only_;
  bool hash_matches_ = false;
  // The banner's lines below its first: (the test API's name, text).
  std::vector<std::pair<std::string, std::string>> notes_;
};

}  // namespace tame::designer

#endif  // TAME_DESIGNER_WASM_RUN_VIEW_H_
