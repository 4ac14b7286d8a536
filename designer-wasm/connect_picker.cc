#include "designer-wasm/connect_picker.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "core/catalog.h"
#include "designer-wasm/fields.h"
#include "designer-wasm/theme.h"
#include "imgui.h"
#include "imgui_stdlib.h"

namespace tame::designer {

void ConnectPicker::Open(NodeId from) {
  open_ = true;
  appearing_ = true;
  from_ = from;
  filter_.clear();
  cursor_ = 0;
}

void ConnectPicker::Draw(Editor& editor) {
  if (!open_) return;
  Document& doc = editor.doc();
  const int from = doc.IndexOf(from_);
  if (from < 0) {
    open_ = false;
    return;
  }
  const Pipeline& p = doc.pipeline();
  std::string needle = filter_;
  for (char& c : needle) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::vector<int> shown;
  for (size_t i = 0; i < p.steps.size(); ++i) {
    const NodeId to = doc.node(static_cast<int>(i));
    if (static_cast<int>(i) == from || !doc.CheckConnect(from_, to).empty()) continue;
    if (!needle.empty() && p.steps[i].id.find(needle) == std::string::npos &&
        p.steps[i].uses.find(needle) == std::string::npos) {
      continue;
    }
    shown.push_back(static_cast<int>(i));
  }
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  ImGui::SetNextWindowPos(ImVec2(0.5f * display.x, 0.3f * display.y), ImGuiCond_Always,
                          ImVec2(0.5f, 0.0f));
  ImGui::SetNextWindowSize(ImVec2(std::min(380.0f, display.x - 20), 0));
  if (appearing_) ImGui::SetNextWindowFocus();
  ImGui::Begin("##connect-picker", nullptr,
               ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoMove |
                   ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_AlwaysAutoResize);
  ImGui::Text("Connect %s to the step that runs after it", p.steps[from].id.c_str());
  if (appearing_) ImGui::SetKeyboardFocusHere();
  ImGui::SetNextItemWidth(-FLT_MIN);
  ImGui::InputTextWithHint("##filter", "filter by id or kind", &filter_);
  fields::Mark("connect/filter");
  if (ImGui::IsItemEdited()) cursor_ = 0;
  const int n = static_cast<int>(shown.size());
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_DownArrow)) && n > 0) {
    cursor_ = (cursor_ + 1) % n;
  }
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_UpArrow)) && n > 0) {
    cursor_ = (cursor_ + n - 1) % n;
  }
  cursor_ = std::min(cursor_, std::max(0, n - 1));
  int chosen = -1;
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Enter)) && n > 0) chosen = shown[cursor_];
  ImGui::BeginChild(
      "##targets", ImVec2(0, std::min(12, std::max(1, n)) * ImGui::GetTextLineHeightWithSpacing()));
  if (n == 0) ImGui::TextDisabled("No step can run after this one without a cycle.");
  for (int k = 0; k < n; ++k) {
    const Step& step = p.steps[shown[k]];
    const KindSpec* kind = FindKind(step.uses);
    ImGui::PushID(k);
    ImGui::PushStyleColor(ImGuiCol_Text,
                          ToVec4(kind != nullptr ? KindColor(*kind) : color::kTextDim));
    ImGui::Bullet();
    ImGui::PopStyleColor();
    ImGui::SameLine();
    const std::string label = step.id + "   " + step.uses;
    if (ImGui::Selectable(label.c_str(), k == cursor_)) chosen = shown[k];
    fields::Mark("connect/item/" + step.id);
    ImGui::PopID();
  }
  ImGui::EndChild();
  const bool focused = ImGui::IsWindowFocused(ImGuiFocusedFlags_RootAndChildWindows);
  ImGui::End();
  if (chosen >= 0) {
    const std::string to = p.steps[chosen].id;
    const std::string id = p.steps[from].id;
    if (editor.Report(doc.Connect(from_, doc.node(chosen)))) {
      editor.Post(Severity::kInfo, to + " now runs after " + id);
    }
    open_ = false;
  } else if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape)) ||
             (!appearing_ && !focused)) {
    open_ = false;
  }
  appearing_ = false;
}

}  // namespace tame::designer
