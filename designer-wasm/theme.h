// The designer's look: its two palettes (dark and light), the text size,
// panel sizes and the ImGui style built from them.
//
// Draw code names colours by role (color::kCanvas, color::kError, ...),
// never by value: each role reads the palette of the theme in use, which
// ApplyLook() switches between frames. Kind colours come from core's catalog
// and are the same in both themes; KindTextColor() darkens them where they
// colour text on the light theme's pale panels.
#ifndef TAME_DESIGNER_WASM_THEME_H_
#define TAME_DESIGNER_WASM_THEME_H_

#include "core/catalog.h"
#include "imgui.h"

namespace tame::designer {

/// Every colour the designer draws with, by role.
struct ThemeColors {
  ImU32 canvas;
  ImU32 grid_minor;
  ImU32 grid_major;
  ImU32 node;
  ImU32 node_hovered;
  ImU32 node_border;
  ImU32 text;
  ImU32 text_dim;
  ImU32 accent;
  ImU32 accent_faint;
  ImU32 error;
  ImU32 ok;
  ImU32 warning;
  ImU32 needs_edge;
  ImU32 data_edge;
  ImU32 port;
  ImU32 minimap;
  ImU32 minimap_view;
  // Run statuses beyond ok, error, warning and accent.
  ImU32 skipped;
  ImU32 cached;
  ImU32 cancelled;
  ImU32 not_run;
  ImU32 unknown;
  ImU32 icon_ink;   // the mark inside a status icon's filled circle
  ImU32 badge_ink;  // text on an error-coloured badge
  ImU32 log_background;
};

/// The two palettes.
const ThemeColors& DarkColors();
const ThemeColors& LightColors();

namespace internal {
// The palette in use; only ApplyLook() changes it.
inline ThemeColors active_colors = {};
}  // namespace internal

// The roles, as read-only names for the palette in use. They keep the
// constant-like names draw code has always used.
namespace color {
inline const ImU32& kCanvas = internal::active_colors.canvas;
inline const ImU32& kGridMinor = internal::active_colors.grid_minor;
inline const ImU32& kGridMajor = internal::active_colors.grid_major;
inline const ImU32& kNode = internal::active_colors.node;
inline const ImU32& kNodeHovered = internal::active_colors.node_hovered;
inline const ImU32& kNodeBorder = internal::active_colors.node_border;
inline const ImU32& kText = internal::active_colors.text;
inline const ImU32& kTextDim = internal::active_colors.text_dim;
inline const ImU32& kAccent = internal::active_colors.accent;
inline const ImU32& kAccentFaint = internal::active_colors.accent_faint;
inline const ImU32& kError = internal::active_colors.error;
inline const ImU32& kOk = internal::active_colors.ok;
inline const ImU32& kWarning = internal::active_colors.warning;
inline const ImU32& kNeedsEdge = internal::active_colors.needs_edge;
inline const ImU32& kDataEdge = internal::active_colors.data_edge;
inline const ImU32& kPort = internal::active_colors.port;
inline const ImU32& kMinimap = internal::active_colors.minimap;
inline const ImU32& kMinimapView = internal::active_colors.minimap_view;
inline const ImU32& kSkipped = internal::active_colors.skipped;
inline const ImU32& kCached = internal::active_colors.cached;
inline const ImU32& kCancelled = internal::active_colors.cancelled;
inline const ImU32& kNotRun = internal::active_colors.not_run;
inline const ImU32& kUnknown = internal::active_colors.unknown;
inline const ImU32& kIconInk = internal::active_colors.icon_ink;
inline const ImU32& kBadgeInk = internal::active_colors.badge_ink;
inline const ImU32& kLogBackground = internal::active_colors.log_background;
}  // namespace color

/// The same colours as ImVec4, for ImGui::TextColored.
inline ImVec4 ToVec4(ImU32 color) { return ImGui::ColorConvertU32ToFloat4(color); }

/// A kind's accent colour from the catalog, for swatches, strips and fills.
inline ImU32 KindColor(const KindSpec& kind) {
  return IM_COL32((kind.color >> 16) & 0xFF, (kind.color >> 8) & 0xFF, kind.color & 0xFF, 255);
}

/// A kind's colour for text: KindColor(), darkened on the light theme so
/// that yellow and cyan kinds stay readable on pale panels.
ImU32 KindTextColor(const KindSpec& kind);

/// `color` with its alpha replaced by `alpha` (0 to 255).
inline ImU32 WithAlpha(ImU32 color, int alpha) {
  return (color & ~IM_COL32_A_MASK) | (static_cast<ImU32>(alpha) << IM_COL32_A_SHIFT);
}

/// Widths of the panels around the canvas, in pixels.
inline constexpr float kPaletteWidth = 240.0f;
inline constexpr float kInspectorWidth = 340.0f;
inline constexpr float kProblemsHeight = 150.0f;

// ---- Theme and text size ------------------------------------------------------

/// What View > Theme offers: the system's choice (prefers-color-scheme, as
/// the page reports it), or one of the two themes whatever the system says.
enum class ThemeChoice { kSystem, kLight, kDark };

/// "system", "light", "dark"; ParseThemeChoice() reads them back.
const char* ThemeChoiceName(ThemeChoice choice);
/// False for any other text.
bool ParseThemeChoice(const char* text, ThemeChoice* choice);

/// The text sizes View > Text size offers, in CSS pixels, smallest first;
/// kDefaultTextSize is the designer's own.
inline constexpr float kTextSizes[] = {10, 11, 12, 13, 14, 15, 16, 18, 20, 22};
inline constexpr float kDefaultTextSize = 13;
/// The offered size nearest `size`.
float NearestTextSize(float size);
/// The next size up (`steps` > 0) or down from `size`, kept in range.
float StepTextSize(float size, int steps);

/// The font the canvas draws with: the default text size whatever the
/// text size setting, since nodes have a fixed size and the canvas its own
/// zoom. Null until the page built its fonts (ImGui then uses its default).
ImFont* CanvasFont();
/// Set by the page each time it builds the font atlas.
void SetCanvasFont(ImFont* font);

/// Makes `light` or dark the palette in use and sets the ImGui style for it,
/// its sizes scaled for text of `text_size` pixels. Call between frames.
void ApplyLook(bool light, float text_size);
/// Whether the light palette is in use.
bool LightInUse();

/// Sets the designer's dark theme at its default size (the first frame's).
inline void ApplyTheme() { ApplyLook(/*light=*/false, kDefaultTextSize); }

}  // namespace tame::designer

#endif  // TAME_DESIGNER_WASM_THEME_H_
