// The Source tab: the pipeline as `tame fmt` writes it, live, read-only.
#ifndef TAME_DESIGNER_WASM_SOURCE_VIEW_H_
#define TAME_DESIGNER_WASM_SOURCE_VIEW_H_

#include <cstdint>
#include <string>
#include <vector>

#include "designer-wasm/editor.h"

namespace tame::designer {

class SourceView {
 public:
  /// Draws the canonical text of the document into the current window,
  /// remade only when the document changed; long lines wrap.
  void Draw(const Editor& editor);
  /// The text shown, as of the last Draw().
  const std::string& text() const { return text_; }

 private:
  uint64_t revision_ = UINT64_MAX;
  std::string text_;
  std::vector<std::pair<size_t, size_t>> lines_;  // begin, end in text_
};

}  // namespace tame::designer

#endif  // TAME_DESIGNER_WASM_SOURCE_VIEW_H_
