#include "designer-wasm/fields.h"

#include "imgui_stdlib.h"

namespace tame::designer::fields {
namespace {

// The field being typed in, and its text so far. Only one field has the
// keyboard at a time.
ImGuiID editing_id = 0;
std::string editing_text;
std::string scratch;

std::map<std::string, Rect> marks_now;
std::map<std::string, Rect> marks_last;

// Runs `input` on the buffer that belongs to field `id` and tracks the edit.
template <typename Input>
bool Edit(const char* id, const std::string& value, std::string* out, Input input) {
  const ImGuiID key = ImGui::GetID(id);
  std::string* buffer = &editing_text;
  if (editing_id != key) {
    scratch = value;
    buffer = &scratch;
  }
  input(buffer);
  if (ImGui::IsItemActive() && editing_id != key) {
    editing_id = key;
    editing_text = *buffer;
  }
  bool committed = false;
  if (ImGui::IsItemDeactivated()) {
    if (ImGui::IsItemDeactivatedAfterEdit() && *buffer != value) {
      *out = *buffer;
      committed = true;
    }
    if (editing_id == key) editing_id = 0;
  }
  return committed;
}

}  // namespace

bool Text(const char* id, const std::string& value, std::string* out, const char* hint,
          float width) {
  return Edit(id, value, out, [&](std::string* buffer) {
    ImGui::SetNextItemWidth(width);
    ImGui::InputTextWithHint(id, hint, buffer);
  });
}

bool MultilineText(const char* id, const std::string& value, std::string* out, float lines) {
  return Edit(id, value, out, [&](std::string* buffer) {
    const ImVec2 size(-FLT_MIN,
                      ImGui::GetTextLineHeight() * lines + 2 * ImGui::GetStyle().FramePadding.y);
    ImGui::InputTextMultiline(id, buffer, size);
  });
}

bool SmallButton(const char* id, const char* label, const char* tooltip) {
  ImGui::PushID(id);
  const float side = ImGui::GetFrameHeight();
  const bool pressed = ImGui::Button(label, ImVec2(side, side));
  ImGui::PopID();
  if (tooltip != nullptr && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tooltip);
  return pressed;
}

void Tooltip(const std::string& text) {
  if (text.empty() || !ImGui::IsItemHovered()) return;
  ImGui::BeginTooltip();
  ImGui::PushTextWrapPos(ImGui::GetFontSize() * 26.0f);
  ImGui::TextUnformatted(text.c_str());
  ImGui::PopTextWrapPos();
  ImGui::EndTooltip();
}

void Mark(const std::string& name) {
  marks_now[name] = Rect{ImGui::GetItemRectMin(), ImGui::GetItemRectMax()};
}

const std::map<std::string, Rect>& Marks() { return marks_last; }

void BeginFrame() {
  marks_last.swap(marks_now);
  marks_now.clear();
}

}  // namespace tame::designer::fields
