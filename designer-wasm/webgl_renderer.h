// Draws Dear ImGui's draw lists with WebGL2. Unlike imgui_impl_opengl3 it
// keeps no other GL user's state safe: the designer owns the context, so it
// never reads GL state back. In a browser each such read waits for the GPU
// process to finish the previous frame, which took most of a frame's time.
#ifndef TAME_DESIGNER_WASM_WEBGL_RENDERER_H_
#define TAME_DESIGNER_WASM_WEBGL_RENDERER_H_

#include "imgui.h"

namespace tame::designer {

/// Compiles the shaders and uploads the font atlas of the current ImGui
/// context. Returns false when WebGL refused either.
bool InitRenderer();

/// Uploads the current ImGui context's font atlas again, after it was
/// rebuilt (for another pixel ratio), replacing the texture.
void UploadFonts();

/// Clears the framebuffer of `width` x `height` pixels and draws `data`.
void RenderFrame(const ImDrawData* data, int width, int height);

}  // namespace tame::designer

#endif  // TAME_DESIGNER_WASM_WEBGL_RENDERER_H_
