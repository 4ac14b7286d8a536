#include "designer-wasm/wrapped_rows.h"

#include <algorithm>

namespace tame::designer {
namespace {

// Calls `line(begin, end, x)` for each line `text` wraps into, `x` being
// the line's indent; returns the number of lines. Newlines in the text end
// lines too.
template <typename LineFn>
int ForEachLine(std::string_view text, float width, float indent, LineFn line) {
  ImFont* font = ImGui::GetFont();
  const float scale = ImGui::GetFontSize() / font->FontSize;
  const char* s = text.data();
  const char* const end = text.data() + text.size();
  int lines = 0;
  while (true) {
    const char* paragraph_end = std::find(s, end, '\n');
    // One line at least, also for an empty paragraph.
    do {
      const float x = lines == 0 ? 0.0f : indent;
      const float room = std::max(1.0f, width - x);
      const char* eol = font->CalcWordWrapPositionA(scale, s, paragraph_end, room);
      // Before a word longer than a line ImGui breaks after the blanks
      // that lead to it, leaving a blank line: cut the word instead.
      if (std::all_of(s, eol, [](char c) { return c == ' ' || c == '\t'; })) {
        font->CalcTextSizeA(ImGui::GetFontSize(), room, 0.0f, s, paragraph_end, &eol);
      }
      if (eol <= s) eol = std::min(s + 1, paragraph_end);
      line(s, eol, x);
      ++lines;
      s = eol;
      while (s < paragraph_end && (*s == ' ' || *s == '\t')) ++s;
    } while (s < paragraph_end);
    if (paragraph_end == end) break;
    s = paragraph_end + 1;
  }
  return lines;
}

}  // namespace

float WrappedHeight(std::string_view text, float width, float indent) {
  const int lines = ForEachLine(text, width, indent, [](const char*, const char*, float) {});
  return static_cast<float>(lines) * ImGui::GetFontSize();
}

void DrawWrapped(ImDrawList* draw, ImVec2 at, ImU32 color, std::string_view text, float width,
                 float indent) {
  ImFont* font = ImGui::GetFont();
  const float size = ImGui::GetFontSize();
  float y = at.y;
  ForEachLine(text, width, indent, [&](const char* begin, const char* end, float x) {
    if (end > begin) draw->AddText(font, size, ImVec2(at.x + x, y), color, begin, end);
    y += size;
  });
}

void TextDimWrapped(const std::string& text) {
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  ImGui::TextWrapped("%s", text.c_str());
  ImGui::PopStyleColor();
}

void WrappedRows::Update(int count, float width, uint64_t key,
                         const std::function<float(int)>& height) {
  const float spacing = ImGui::GetStyle().ItemSpacing.y;
  if (static_cast<int>(tops_.size()) == count + 1 && width == width_ && key == key_ &&
      spacing == spacing_) {
    return;
  }
  width_ = width;
  key_ = key;
  spacing_ = spacing;
  tops_.assign(1, 0.0f);
  tops_.reserve(static_cast<size_t>(count) + 1);
  for (int row = 0; row < count; ++row) tops_.push_back(tops_.back() + height(row) + spacing);
}

std::pair<int, int> WrappedRows::Visible(float top) const {
  const float from = ImGui::GetScrollY() - top;
  const float to = from + ImGui::GetWindowHeight();
  const int count = static_cast<int>(tops_.size()) - 1;
  // The first row that ends below `from`, to the first that starts below `to`.
  const int first = static_cast<int>(std::upper_bound(tops_.begin() + 1, tops_.end(), from) -
                                     (tops_.begin() + 1));
  const int last =
      static_cast<int>(std::lower_bound(tops_.begin(), tops_.end() - 1, to) - tops_.begin());
  return {std::min(first, count), std::max(std::min(last, count), std::min(first, count))};
}

void WrappedRows::End(float top) const {
  ImGui::SetCursorPosY(top + tops_.back());
  ImGui::Dummy(ImVec2(0, 0));
}

uint64_t HashText(std::string_view text, uint64_t hash) {
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

}  // namespace tame::designer
