// The designer's look: its colours, sizes and the ImGui style.
#ifndef TAME_DESIGNER_WASM_THEME_H_
#define TAME_DESIGNER_WASM_THEME_H_

#include "core/catalog.h"
#include "imgui.h"

namespace tame::designer {

namespace color {
inline constexpr ImU32 kCanvas = IM_COL32(22, 23, 29, 255);
inline constexpr ImU32 kGridMinor = IM_COL32(31, 33, 41, 255);
inline constexpr ImU32 kGridMajor = IM_COL32(42, 45, 56, 255);
inline constexpr ImU32 kNode = IM_COL32(40, 43, 54, 255);
inline constexpr ImU32 kNodeHovered = IM_COL32(48, 52, 65, 255);
inline constexpr ImU32 kNodeBorder = IM_COL32(66, 70, 86, 255);
inline constexpr ImU32 kText = IM_COL32(232, 234, 240, 255);
inline constexpr ImU32 kTextDim = IM_COL32(150, 156, 172, 255);
inline constexpr ImU32 kAccent = IM_COL32(90, 169, 255, 255);
inline constexpr ImU32 kAccentFaint = IM_COL32(90, 169, 255, 40);
inline constexpr ImU32 kError = IM_COL32(236, 84, 88, 255);
inline constexpr ImU32 kOk = IM_COL32(76, 178, 96, 255);
inline constexpr ImU32 kWarning = IM_COL32(232, 186, 72, 255);
inline constexpr ImU32 kNeedsEdge = IM_COL32(140, 148, 170, 255);
inline constexpr ImU32 kDataEdge = IM_COL32(230, 170, 70, 255);
inline constexpr ImU32 kPort = IM_COL32(24, 25, 31, 255);
inline constexpr ImU32 kMinimap = IM_COL32(14, 15, 19, 220);
inline constexpr ImU32 kMinimapView = IM_COL32(230, 232, 240, 150);
}  // namespace color

/// The same colours as ImVec4, for ImGui::TextColored.
inline ImVec4 ToVec4(ImU32 color) { return ImGui::ColorConvertU32ToFloat4(color); }

/// A kind's accent colour from the catalog.
inline ImU32 KindColor(const KindSpec& kind) {
  return IM_COL32((kind.color >> 16) & 0xFF, (kind.color >> 8) & 0xFF, kind.color & 0xFF, 255);
}

/// Widths of the panels around the canvas, in pixels.
inline constexpr float kPaletteWidth = 240.0f;
inline constexpr float kInspectorWidth = 340.0f;
inline constexpr float kProblemsHeight = 150.0f;

/// Sets the designer's dark theme on the current ImGui context.
void ApplyTheme();

}  // namespace tame::designer

#endif  // TAME_DESIGNER_WASM_THEME_H_
