// Inspector widgets that report an edit once the user is done with it
// (Enter, Tab, or a click elsewhere), so that typing a word is one history
// entry and not one per letter. The text being typed is the only state they
// keep; what they show otherwise comes from the document every frame.
#ifndef TAME_DESIGNER_WASM_FIELDS_H_
#define TAME_DESIGNER_WASM_FIELDS_H_

#include <cfloat>
#include <map>
#include <string>

#include "imgui.h"

namespace tame::designer::fields {

/// A text field showing `value` (or `hint` while empty), `width` wide (the
/// rest of the line by default). Returns true with `*out` set when the user
/// committed a change.
bool Text(const char* id, const std::string& value, std::string* out, const char* hint = "",
          float width = -FLT_MIN);

/// The same for several lines; Enter starts a new line, Ctrl+Enter commits.
bool MultilineText(const char* id, const std::string& value, std::string* out, float lines);

/// A small square button with `label`, such as "x" to remove a row.
bool SmallButton(const char* id, const char* label, const char* tooltip);

/// Shows `text` as a wrapped tooltip when the last item is hovered.
void Tooltip(const std::string& text);

/// Remembers the last item's screen rectangle as `name`, for the page's
/// test API (window.tame.widgetRect).
void Mark(const std::string& name);

struct Rect {
  ImVec2 min;
  ImVec2 max;
};
/// What Mark() recorded during the last frame.
const std::map<std::string, Rect>& Marks();
/// Starts a frame's marks; call before drawing the panels.
void BeginFrame();

}  // namespace tame::designer::fields

#endif  // TAME_DESIGNER_WASM_FIELDS_H_
