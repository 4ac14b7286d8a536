// Text that wraps to the width of its panel, in lists of thousands of rows:
// the Plan tab's lines and the Run tab's steps with their reasons. A wrapped
// row is as tall as its lines, so the list measures each row once per width
// and content and draws only the rows in view, as ImGuiListClipper does for
// rows of one height.
#ifndef TAME_DESIGNER_WASM_WRAPPED_ROWS_H_
#define TAME_DESIGNER_WASM_WRAPPED_ROWS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "imgui.h"

namespace tame::designer {

/// The height of `text` in the current font wrapped to `width`, its lines
/// after the first indented by `indent`; words longer than a line are cut.
/// One line's height for empty text.
float WrappedHeight(std::string_view text, float width, float indent = 0);

/// Draws `text` as WrappedHeight() measures it, its first line at `at`.
void DrawWrapped(ImDrawList* draw, ImVec2 at, ImU32 color, std::string_view text, float width,
                 float indent = 0);

/// `text` in the disabled colour, wrapped at the window's edge.
void TextDimWrapped(const std::string& text);

/// The heights of a list's rows and where each starts, for a list drawn in
/// the current window (a scrolling child of its own).
class WrappedRows {
 public:
  /// Measures every row again when `count`, `width` or `key` (which changes
  /// whenever a row's text does) changed since the last call; `height(row)`
  /// gives a row's height, spacing excluded.
  void Update(int count, float width, uint64_t key, const std::function<float(int)>& height);
  /// The rows [first, last) that show in the window, which starts the list
  /// at cursor position `top` (ImGui::GetCursorPosY() before the first row).
  std::pair<int, int> Visible(float top) const;
  /// Where `row` starts, from the list's top.
  float Top(int row) const { return tops_[row]; }
  /// A row's height, spacing excluded.
  float Height(int row) const { return tops_[row + 1] - tops_[row] - spacing_; }
  /// Moves the cursor past the whole list, so that the window scrolls over
  /// all of it; call after drawing the visible rows.
  void End(float top) const;

 private:
  std::vector<float> tops_ = {0};  // a row's top; the last entry is the total height
  float spacing_ = 0;
  float width_ = -1;
  uint64_t key_ = 0;
};

/// A 64-bit FNV-1a hash of `text` added to `hash`, for WrappedRows' keys.
uint64_t HashText(std::string_view text, uint64_t hash = 1469598103934665603ull);

}  // namespace tame::designer

#endif  // TAME_DESIGNER_WASM_WRAPPED_ROWS_H_
