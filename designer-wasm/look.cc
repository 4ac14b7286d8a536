#include "designer-wasm/look.h"

#include <cstdio>
#include <string>

#include "designer-wasm/fields.h"
#include "designer-wasm/keys.h"

namespace tame::designer {

bool Look::light() const {
  return theme_ == ThemeChoice::kSystem ? system_light_ : theme_ == ThemeChoice::kLight;
}

void Look::Update() {
  if (applied_size_ == text_size_ && applied_light_ == light()) return;
  applied_size_ = text_size_;
  applied_light_ = light();
  ApplyLook(applied_light_, applied_size_);
}

// Items are marked "menu/View/Theme/Light", "menu/View/Text size/Larger" for
// the page's test API.
bool Look::DrawMenus() {
  bool changed = false;
  const bool theme_open = ImGui::BeginMenu("Theme");
  fields::Mark("menu/View/Theme");
  if (theme_open) {
    struct Item {
      ThemeChoice choice;
      const char* label;
    };
    static const Item kItems[] = {{ThemeChoice::kSystem, "System"},
                                  {ThemeChoice::kLight, "Light"},
                                  {ThemeChoice::kDark, "Dark"}};
    for (const Item& item : kItems) {
      if (ImGui::MenuItem(item.label, nullptr, theme_ == item.choice) && theme_ != item.choice) {
        theme_ = item.choice;
        changed = true;
      }
      fields::Mark(std::string("menu/View/Theme/") + item.label);
    }
    ImGui::EndMenu();
  }
  const bool size_open = ImGui::BeginMenu("Text size");
  fields::Mark("menu/View/Text size");
  if (size_open) {
    const float before = text_size_;
    if (ImGui::MenuItem("Larger", "Ctrl+=", false, text_size_ < StepTextSize(text_size_, 1))) {
      text_size_ = StepTextSize(text_size_, 1);
    }
    fields::Mark("menu/View/Text size/Larger");
    if (ImGui::MenuItem("Smaller", "Ctrl+-", false, text_size_ > StepTextSize(text_size_, -1))) {
      text_size_ = StepTextSize(text_size_, -1);
    }
    fields::Mark("menu/View/Text size/Smaller");
    if (ImGui::MenuItem("Normal", "Ctrl+0", false, text_size_ != kDefaultTextSize)) {
      text_size_ = kDefaultTextSize;
    }
    fields::Mark("menu/View/Text size/Normal");
    ImGui::Separator();
    for (float size : kTextSizes) {
      char label[32];
      std::snprintf(label, sizeof label, "%.0f px%s", size,
                    size == kDefaultTextSize ? " (normal)" : "");
      if (ImGui::MenuItem(label, nullptr, text_size_ == size)) text_size_ = size;
    }
    changed |= text_size_ != before;
    ImGui::EndMenu();
  }
  return changed;
}

bool Look::HandleShortcuts() {
  const ImGuiIO& io = ImGui::GetIO();
  if (!(io.KeyCtrl || io.KeySuper) || io.KeyAlt) return false;
  auto pressed = [](int key) { return ImGui::IsKeyPressed(key, true); };
  const float before = text_size_;
  if (pressed(kKeyEqual) || pressed(kKeyPadAdd)) text_size_ = StepTextSize(text_size_, 1);
  if (pressed(kKeyMinus) || pressed(kKeyPadSubtract)) text_size_ = StepTextSize(text_size_, -1);
  if (ImGui::IsKeyPressed(kKey0, false)) text_size_ = kDefaultTextSize;
  return text_size_ != before;
}

void Look::Save(Json* settings) const {
  (*settings)["theme"] = ThemeChoiceName(theme_);
  (*settings)["textSize"] = text_size_;
}

void Look::Load(const Json& settings) {
  auto theme = settings.find("theme");
  if (theme != settings.end() && theme->is_string()) {
    ParseThemeChoice(theme->get_ref<const std::string&>().c_str(), &theme_);
  }
  auto size = settings.find("textSize");
  if (size != settings.end() && size->is_number()) SetTextSize(size->get<float>());
}

}  // namespace tame::designer
