#include "designer-wasm/panels.h"

#include <cmath>

#include "core/catalog.h"
#include "designer-wasm/fields.h"
#include "designer-wasm/theme.h"
#include "imgui.h"

namespace tame::designer {
namespace {

// One palette entry: the kind's colour swatch, its title, and below it the
// `uses` name a pipeline file refers to it by.
bool KindEntry(const KindSpec& kind, int index) {
  const ImGuiStyle& style = ImGui::GetStyle();
  const float line = ImGui::GetTextLineHeight();
  const ImVec2 min = ImGui::GetCursorScreenPos();
  const ImVec2 size(ImGui::GetContentRegionAvail().x, 2.0f * line + style.ItemInnerSpacing.y);
  ImGui::PushID(kind.uses.c_str());
  const bool clicked = ImGui::Selectable("##kind", false, ImGuiSelectableFlags_AllowDoubleClick,
                                         size);
  const bool added = clicked && ImGui::IsMouseDoubleClicked(0);
  ImGui::PopID();
  fields::Mark("palette/" + kind.uses);
  if (ImGui::BeginDragDropSource()) {
    ImGui::SetDragDropPayload(kKindPayload, &index, sizeof index);
    ImGui::Text("Add %s", kind.title.c_str());
    ImGui::EndDragDropSource();
  } else {
    fields::Tooltip(kind.doc + "\n\nDrag onto the canvas, or double-click to add.");
  }
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const float swatch = line + style.ItemInnerSpacing.y;
  const float top = min.y + 0.5f * (size.y - swatch);
  draw->AddRectFilled(ImVec2(min.x + 2.0f, top), ImVec2(min.x + 2.0f + swatch, top + swatch),
                      KindColor(kind), 3.0f);
  const float text_x = min.x + 2.0f + swatch + style.ItemSpacing.x;
  draw->AddText(ImVec2(text_x, min.y), ImGui::GetColorU32(ImGuiCol_Text), kind.title.c_str());
  draw->AddText(ImVec2(text_x, min.y + line + style.ItemInnerSpacing.y),
                ImGui::GetColorU32(ImGuiCol_TextDisabled), kind.uses.c_str());
  return added;
}

}  // namespace

Position FreeSpot(const Document& doc, Position want) {
  const std::vector<Position>& positions = doc.positions();
  for (int tries = 0; tries < 100; ++tries) {
    bool taken = false;
    for (const Position& p : positions) {
      if (std::fabs(p.x - want.x) < 0.5 * kNodeWidth && std::fabs(p.y - want.y) < kNodeHeight) {
        taken = true;
        break;
      }
    }
    if (!taken) break;
    want.y += 80;
  }
  return want;
}

void Palette::Draw(Editor& editor, const Canvas& canvas) {
  ImGui::TextUnformatted("Steps");
  ImGui::SetNextItemWidth(-FLT_MIN);
  ImGui::InputTextWithHint("##search", "Search steps", filter_, sizeof filter_);
  fields::Mark("palette/search");
  ImGui::BeginChild("kinds");
  bool any = false;
  for (int c = 0; c <= static_cast<int>(Category::kNotify); ++c) {
    const Category category = static_cast<Category>(c);
    bool heading = false;
    for (size_t i = 0; i < Catalog().size(); ++i) {
      const KindSpec& kind = Catalog()[i];
      if (kind.category != category || !KindMatches(kind, filter_)) continue;
      if (!heading) {
        ImGui::Spacing();
        ImGui::TextDisabled("%s", CategoryName(category));
        ImGui::Separator();
        heading = any = true;
      }
      if (KindEntry(kind, static_cast<int>(i))) {
        const Position center = canvas.ViewCenter();
        const Position at{std::round((center.x - 0.5 * kNodeWidth) / 8) * 8,
                          std::round((center.y - 0.5 * kNodeHeight) / 8) * 8};
        editor.AddStep(kind.uses, FreeSpot(editor.doc(), at));
      }
    }
  }
  if (!any) ImGui::TextDisabled("No step kind matches \"%s\".", filter_);
  ImGui::Spacing();
  ImGui::PushTextWrapPos(0);
  ImGui::TextDisabled("Drag a step onto the canvas, or double-click it to add it in the middle.");
  ImGui::PopTextWrapPos();
  ImGui::EndChild();
}

void ProblemsPanel::Draw(Editor& editor) {
  const Document& doc = editor.doc();
  const std::string file = editor.file_name();
  if (revision_ != doc.revision() || file_ != file) {
    lines_ = FormatProblems(file, doc.problems());
    revision_ = doc.revision();
    file_ = file;
  }
  if (lines_.empty()) {
    ImGui::TextColored(ToVec4(color::kOk), "No problems:");
    ImGui::SameLine();
    ImGui::TextDisabled("tame validate %s would accept this pipeline.", file.c_str());
    return;
  }
  ImGui::TextColored(ToVec4(color::kError), "%zu %s", lines_.size(),
                     lines_.size() == 1 ? "problem" : "problems");
  ImGui::SameLine();
  ImGui::TextDisabled("as tame validate reports them; click one to show its step");
  ImGui::BeginChild("problem-list");
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(lines_.size()));
  while (clipper.Step()) {
    for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
      ImGui::PushID(i);
      ImGui::PushStyleColor(ImGuiCol_Text, ToVec4(color::kError));
      const bool clicked = ImGui::Selectable(lines_[i].c_str());
      ImGui::PopStyleColor();
      if (i == 0) fields::Mark("problems/0");
      ImGui::PopID();
      if (clicked && static_cast<size_t>(i) < doc.problems().size()) {
        const int step = StepOfPointer(doc, doc.problems()[i].pointer);
        if (step >= 0) {
          editor.SetSelection({doc.node(step)});
          editor.focus_request = doc.node(step);
        } else {
          editor.ClearSelection();  // the inspector shows the pipeline's settings
        }
      }
    }
  }
  ImGui::EndChild();
}

void DrawPlan(Editor& editor) {
  const Document& doc = editor.doc();
  const Plan* plan = doc.plan();
  if (doc.size() == 0) {
    ImGui::TextDisabled("Add steps to see the order they run in.");
    return;
  }
  if (plan == nullptr) {
    ImGui::PushStyleColor(ImGuiCol_Text, ToVec4(color::kError));
    ImGui::TextWrapped("No plan: %s", DescribeCycle(doc.pipeline(), FindCycle(doc.graph())).c_str());
    ImGui::PopStyleColor();
    return;
  }
  ImGui::TextWrapped("%zu steps in %zu levels, as tame plan shows them. Steps of one level run "
                     "side by side; each level waits for the one before.",
                     doc.size(), plan->levels.size());
  ImGui::Separator();
  // Rows: a heading per level, then its steps; clipped, so 10,000 steps
  // cost what a screenful does.
  std::vector<std::pair<int, int>> rows;  // (level, step or -1)
  rows.reserve(doc.size() + plan->levels.size());
  for (size_t l = 0; l < plan->levels.size(); ++l) {
    rows.push_back({static_cast<int>(l), -1});
    for (int step : plan->levels[l]) rows.push_back({static_cast<int>(l), step});
  }
  ImGui::BeginChild("plan-rows");
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(rows.size()));
  while (clipper.Step()) {
    for (int r = clipper.DisplayStart; r < clipper.DisplayEnd; ++r) {
      const auto [level, step] = rows[r];
      if (step < 0) {
        ImGui::TextDisabled("level %d", level + 1);
        continue;
      }
      const Step& s = doc.pipeline().steps[step];
      std::string label = "   " + s.id + "  " + s.uses;
      if (!s.if_condition.empty() && s.if_condition != "success") {
        label += "  (if: " + s.if_condition + ")";
      }
      ImGui::PushID(step);
      if (ImGui::Selectable(label.c_str(), editor.IsSelected(doc.node(step)))) {
        editor.SetSelection({doc.node(step)});
        editor.focus_request = doc.node(step);
      }
      ImGui::PopID();
    }
  }
  ImGui::EndChild();
}

void DrawHelp(bool* open) {
  if (!*open) return;
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  ImGui::SetNextWindowPos(ImVec2(0.5f * display.x, 0.5f * display.y), ImGuiCond_Appearing,
                          ImVec2(0.5f, 0.5f));
  ImGui::SetNextWindowSize(ImVec2(640, 0), ImGuiCond_Appearing);
  if (!ImGui::Begin("Keyboard and mouse", open,
                    ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings)) {
    ImGui::End();
    return;
  }
  static const char* const kRows[][2] = {
      {"Ctrl+Z", "undo"},
      {"Ctrl+Shift+Z, Ctrl+Y", "redo"},
      {"Ctrl+C, Ctrl+X, Ctrl+V", "copy, cut, paste steps (as pipeline JSON)"},
      {"Ctrl+D", "duplicate the selection"},
      {"Delete, Backspace", "delete the selected steps or dependency"},
      {"Ctrl+A", "select every step"},
      {"Escape", "cancel a drag, or clear the selection"},
      {"Arrow keys", "nudge the selection (Shift: further)"},
      {"F", "fit the selection, or everything, in view"},
      {"L", "auto-layout by plan levels"},
      {"+, -, 0", "zoom in, out, to 100%"},
      {"Ctrl+S", "save (download) the pipeline file"},
      {"Ctrl+O", "open a pipeline file"},
      {"F1, ?", "this help"},
      {"drag a step's right port", "to another step: it needs this one"},
      {"drag on empty canvas", "select with a box (Shift: add to it)"},
      {"right or middle drag, Space+drag", "pan"},
      {"wheel, Shift+wheel", "pan; Ctrl+wheel or pinch zooms"},
      {"right click", "menu of the step, dependency or canvas"},
      {"double-click the canvas", "add a step there"},
  };
  if (ImGui::BeginTable("keys", 2, ImGuiTableFlags_RowBg)) {
    ImGui::TableSetupColumn("key", ImGuiTableColumnFlags_WidthFixed, 250.0f);
    ImGui::TableSetupColumn("does", ImGuiTableColumnFlags_WidthStretch);
    for (const auto& row : kRows) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextColored(ToVec4(color::kAccent), "%s", row[0]);
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(row[1]);
    }
    ImGui::EndTable();
  }
  ImGui::Spacing();
  ImGui::TextDisabled("Edges");
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const float line = ImGui::GetTextLineHeight();
  ImVec2 at = ImGui::GetCursorScreenPos();
  draw->AddLine(ImVec2(at.x, at.y + 0.5f * line), ImVec2(at.x + 40, at.y + 0.5f * line),
                color::kNeedsEdge, 2.0f);
  ImGui::Dummy(ImVec2(48, line));
  ImGui::SameLine();
  ImGui::TextUnformatted("needs: runs after, nothing passed along");
  at = ImGui::GetCursorScreenPos();
  for (int k = 0; k < 4; ++k) {
    draw->AddLine(ImVec2(at.x + 11.0f * k, at.y + 0.5f * line),
                  ImVec2(at.x + 11.0f * k + 6, at.y + 0.5f * line), color::kDataEdge, 2.0f);
  }
  ImGui::Dummy(ImVec2(48, line));
  ImGui::SameLine();
  ImGui::TextUnformatted("data: uses ${{ steps.X.outputs.NAME }}, labelled NAME");
  ImGui::End();
}

}  // namespace tame::designer
