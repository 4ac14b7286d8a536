#include "designer-wasm/source_view.h"

#include "designer-wasm/fields.h"
#include "imgui.h"

namespace tame::designer {

void SourceView::Draw(const Editor& editor) {
  const Document& doc = editor.doc();
  if (revision_ != doc.revision()) {
    revision_ = doc.revision();
    text_ = doc.Save();
    lines_.clear();
    size_t begin = 0;
    while (begin < text_.size()) {
      size_t end = text_.find('\n', begin);
      if (end == std::string::npos) end = text_.size();
      lines_.push_back({begin, end});
      begin = end + 1;
    }
  }
  ImGui::TextDisabled("%s as tame fmt writes it; it follows every edit.",
                      editor.file_name().c_str());
  ImGui::SameLine();
  if (ImGui::SmallButton("Copy")) {
    ImGui::SetClipboardText(text_.c_str());
  }
  fields::Mark("source/copy");
  ImGui::BeginChild("source-text", ImVec2(0, 0), true);
  fields::Mark("source/text");
  // Lines are clipped to the visible ones; a long one wraps, which only
  // those on screen pay for.
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(lines_.size()));
  ImGui::PushTextWrapPos(0.0f);
  while (clipper.Step()) {
    for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
      const char* begin = text_.data() + lines_[i].first;
      ImGui::TextUnformatted(begin, text_.data() + lines_[i].second);
    }
  }
  ImGui::PopTextWrapPos();
  ImGui::EndChild();
}

}  // namespace tame::designer
