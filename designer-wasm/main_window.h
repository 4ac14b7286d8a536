// The designer's main window: the step palette on the left and the pipeline
// canvas filling the rest of the page. Plain Dear ImGui, no platform code.
#ifndef TAME_DESIGNER_WASM_MAIN_WINDOW_H_
#define TAME_DESIGNER_WASM_MAIN_WINDOW_H_

#include "imgui.h"

namespace tame::designer {

/// Width of the palette panel, in pixels.
inline constexpr float kPaletteWidth = 260.0f;

/// What the window remembers between frames. It is view state only: the
/// pipeline itself belongs to core.
struct ViewState {
  ImVec2 scroll{0.0f, 0.0f};  // canvas offset, changed by dragging the canvas
};

/// Draws the palette and the canvas over the whole display. Call once per
/// frame, between ImGui::NewFrame() and ImGui::Render().
void DrawMainWindow(ViewState& view);

/// Sets the colours of the designer's dark theme on the current ImGui context.
void ApplyTheme();

}  // namespace tame::designer

#endif  // TAME_DESIGNER_WASM_MAIN_WINDOW_H_
