// The panels around the canvas: the step palette, the problems list, the
// plan preview and the keyboard help.
#ifndef TAME_DESIGNER_WASM_PANELS_H_
#define TAME_DESIGNER_WASM_PANELS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "designer-wasm/canvas.h"
#include "designer-wasm/editor.h"
#include "designer-wasm/wrapped_rows.h"

namespace tame::designer {

/// The catalog's kinds by category, filtered by a search box; an entry is
/// dragged onto the canvas or double-clicked to add a step.
class Palette {
 public:
  void Draw(Editor& editor, const Canvas& canvas);

 private:
  char filter_[64] = "";
};

/// Every validation problem, grouped by step in plain words, with the line
/// `tame validate` prints as a tooltip or, ticked, instead; clicking one
/// selects its step and brings it into view.
class ProblemsPanel {
 public:
  void Draw(Editor& editor);

 private:
  struct Row {
    int step;     // -1 for the pipeline
    int problem;  // index into the problems; -1 for the group's heading
  };
  uint64_t revision_ = UINT64_MAX;
  std::string file_;
  std::vector<std::string> lines_;
  std::vector<Row> rows_;
  bool raw_ = false;
  WrappedRows heights_;  // the list's rows, wrapped to the panel's width
};

/// Whether the pipeline is empty and untouched: a first visit or File > New,
/// whose "no steps" is not shown as an error until the user does something.
bool QuietEmpty(const Editor& editor);

/// What the plan preview's choice selects: `flag` ("--from" or "--only";
/// empty when the whole pipeline runs), the steps it names, and core's
/// selection for them, as `tame plan` and `tame run` make it.
struct ScopedPlan {
  std::string flag;
  std::vector<int> steps;
  Selection selection;
};

/// The plan preview's choice applied to the document. "From a step" whose
/// step is gone starts at the first selected step instead; "only" with
/// nothing selected, or an empty pipeline, runs the whole pipeline.
ScopedPlan ScopePlan(const Editor& editor);

/// The command that runs what `scoped` shows: "tame run local-ml.json
/// --from select", words quoted for a POSIX shell where they need it.
std::string RunCommand(const Editor& editor, const ScopedPlan& scoped);

/// The Plan tab: a choice between the whole pipeline, a run from one step
/// and a run of only the selected steps; the levels core computes for it,
/// in `tame plan`'s words; and the command that runs it, with a Copy
/// button.
void DrawPlan(Editor& editor);

/// The keyboard shortcuts, mouse gestures and edge legend, in a window
/// that `open` shows and closes.
void DrawHelp(bool* open);

/// A free place near `want` for a new node: below any node already there.
Position FreeSpot(const Document& doc, Position want);

}  // namespace tame::designer

#endif  // TAME_DESIGNER_WASM_PANELS_H_
