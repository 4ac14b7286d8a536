// The user's choice of look: the theme (the system's, light or dark) and the
// text size, with the View menu's items and shortcuts that change them and
// their place in the view settings the page keeps across visits.
#ifndef TAME_DESIGNER_WASM_LOOK_H_
#define TAME_DESIGNER_WASM_LOOK_H_

#include "core/pipeline.h"
#include "designer-wasm/theme.h"

namespace tame::designer {

class Look {
 public:
  /// Whether the light theme shows: the choice, or the system's when the
  /// choice is "system".
  bool light() const;
  ThemeChoice theme() const { return theme_; }
  /// The text size in CSS pixels, one of kTextSizes.
  float text_size() const { return text_size_; }

  /// What the page read from prefers-color-scheme, at start and whenever
  /// it changes.
  void SetSystemLight(bool light) { system_light_ = light; }
  void SetTheme(ThemeChoice theme) { theme_ = theme; }
  /// Sets the text size, the offered size nearest `size`.
  void SetTextSize(float size) { text_size_ = NearestTextSize(size); }

  /// Applies the theme and text size to ImGui when they changed since the
  /// last call; call between frames, after the font atlas was built for
  /// text_size().
  void Update();

  /// View > Theme and View > Text size. Returns true when the user changed
  /// something, which the caller then saves.
  bool DrawMenus();
  /// Ctrl+= (or Ctrl++), Ctrl+- and Ctrl+0 change the text size, also
  /// while a text field has the keyboard. Returns true on a change.
  bool HandleShortcuts();

  /// Adds "theme" and "textSize" to the view settings.
  void Save(Json* settings) const;
  /// Reads them back; a missing or unreadable value keeps the current one.
  void Load(const Json& settings);

 private:
  ThemeChoice theme_ = ThemeChoice::kSystem;
  float text_size_ = kDefaultTextSize;
  bool system_light_ = false;
  // What Update() last applied; a size of 0 means nothing yet.
  bool applied_light_ = false;
  float applied_size_ = 0;
};

}  // namespace tame::designer

#endif  // TAME_DESIGNER_WASM_LOOK_H_
