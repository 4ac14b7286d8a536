// The panels around the canvas: the step palette, the problems list, the
// plan preview and the keyboard help.
#ifndef TAME_DESIGNER_WASM_PANELS_H_
#define TAME_DESIGNER_WASM_PANELS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "designer-wasm/canvas.h"
#include "designer-wasm/editor.h"

namespace tame::designer {

/// The catalog's kinds by category, filtered by a search box; an entry is
/// dragged onto the canvas or double-clicked to add a step.
class Palette {
 public:
  void Draw(Editor& editor, const Canvas& canvas);

 private:
  char filter_[64] = "";
};

/// Every validation problem as `tame validate` prints it; clicking one
/// selects its step and brings it into view.
class ProblemsPanel {
 public:
  void Draw(Editor& editor);

 private:
  uint64_t revision_ = UINT64_MAX;
  std::string file_;
  std::vector<std::string> lines_;
};

/// The execution levels core computes: what `tame plan` prints.
void DrawPlan(Editor& editor);

/// The keyboard shortcuts, mouse gestures and edge legend, in a window
/// that `open` shows and closes.
void DrawHelp(bool* open);

/// A free place near `want` for a new node: below any node already there.
Position FreeSpot(const Document& doc, Position want);

}  // namespace tame::designer

#endif  // TAME_DESIGNER_WASM_PANELS_H_
