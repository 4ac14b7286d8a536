// The property inspector: the selected step's fields, generated from its
// kind's params in core's catalog, with the validator's errors beside the
// fields they are about; or, with nothing selected, the pipeline's own
// settings (name, params, secrets).
#ifndef TAME_DESIGNER_WASM_INSPECTOR_H_
#define TAME_DESIGNER_WASM_INSPECTOR_H_

#include <map>
#include <string>
#include <vector>

#include "designer-wasm/editor.h"
#include "designer-wasm/fields.h"
#include "designer-wasm/param_widgets.h"

namespace tame::designer {

class Inspector {
 public:
  /// Draws into the current window.
  void Draw(Editor& editor);

 private:
  void DrawStep(Editor& editor, int index);
  void DrawParams(Editor& editor, int index);
  void DrawRunSettings(Editor& editor, int index);
  void DrawOutputsAndNeeds(Editor& editor, int index);
  void DrawPipeline(Editor& editor);
  void DrawSelection(Editor& editor);
  // The problems of step `index` (or of the pipeline itself, for -1), by
  // the field they are about: "id", "with/run", "with/ingress.host",
  // "timeout"; "" for the rest.
  const FieldProblems& ProblemsOf(const Editor& editor, int index);

  // What step `index`'s fields may reference: outputs of the steps that do
  // not run after it (upstream ones first), params, secrets and run.id.
  const std::vector<fields::RefChoice>& RefChoicesOf(const Editor& editor, int index);

  uint64_t choices_revision_ = UINT64_MAX;
  int choices_index_ = -2;
  std::vector<fields::RefChoice> choices_;
  uint64_t problems_revision_ = UINT64_MAX;
  int problems_index_ = -2;
  FieldProblems problems_;
  char new_secret_[64] = "";
};

}  // namespace tame::designer

#endif  // TAME_DESIGNER_WASM_INSPECTOR_H_
