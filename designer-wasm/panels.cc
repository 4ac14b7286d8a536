#include "designer-wasm/panels.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>

#include "core/catalog.h"
#include "designer-wasm/fields.h"
#include "designer-wasm/theme.h"
#include "designer-wasm/wrapped_rows.h"
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
  const bool clicked =
      ImGui::Selectable("##kind", false, ImGuiSelectableFlags_AllowDoubleClick, size);
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

// Problems grouped by what they are about: the pipeline's settings first,
// then each step in file order under its id, each problem in plain words
// with the line `tame validate` prints as its tooltip (or, with "as tame
// validate prints them" ticked, those lines alone).
void ProblemsPanel::Draw(Editor& editor) {
  const Document& doc = editor.doc();
  const std::string file = editor.file_name();
  if (revision_ != doc.revision() || file_ != file) {
    lines_ = FormatProblems(file, doc.problems());
    rows_.clear();
    std::vector<std::vector<int>> by_step(doc.size() + 1);
    for (size_t i = 0; i < doc.problems().size(); ++i) {
      by_step[StepOfPointer(doc, doc.problems()[i].pointer) + 1].push_back(static_cast<int>(i));
    }
    for (size_t group = 0; group < by_step.size(); ++group) {
      if (by_step[group].empty()) continue;
      rows_.push_back(Row{static_cast<int>(group) - 1, -1});
      for (int i : by_step[group]) rows_.push_back(Row{static_cast<int>(group) - 1, i});
    }
    revision_ = doc.revision();
    file_ = file;
  }
  if (QuietEmpty(editor)) {
    ImGui::TextDisabled("An empty pipeline: start from a template, or add steps from the palette.");
    return;
  }
  if (lines_.empty()) {
    ImGui::TextColored(ToVec4(color::kOk), "No problems:");
    ImGui::SameLine();
    ImGui::TextDisabled("tame validate %s would accept this pipeline.", file.c_str());
    return;
  }
  ImGui::AlignTextToFramePadding();  // level with the checkbox
  ImGui::TextColored(ToVec4(color::kError), "%zu %s", lines_.size(),
                     lines_.size() == 1 ? "problem" : "problems");
  // The hint gives way to the checkbox in a narrow panel.
  const char* hint = "click one to show its step";
  const char* raw_label = "as tame validate prints them";
  const ImGuiStyle& style = ImGui::GetStyle();
  const float checkbox = ImGui::GetFrameHeight() + style.ItemInnerSpacing.x +
                         ImGui::CalcTextSize(raw_label).x + style.ItemSpacing.x;
  ImGui::SameLine();
  if (ImGui::GetCursorPosX() + ImGui::CalcTextSize(hint).x + style.ItemSpacing.x + checkbox <=
      ImGui::GetWindowContentRegionMax().x) {
    ImGui::TextDisabled("%s", hint);
    ImGui::SameLine();
  }
  ImGui::Checkbox(raw_label, &raw_);
  fields::Mark("problems/raw");
  // Rows wrap to the panel's width, their continuation indented; only the
  // rows in view are drawn.
  ImGui::BeginChild("problem-list");
  const int count = static_cast<int>(raw_ ? lines_.size() : rows_.size());
  auto row_text = [&](int r) {
    if (raw_) return lines_[r];
    const int step = rows_[r].step;
    if (rows_[r].problem < 0) {
      return step >= 0 ? "step " + doc.pipeline().steps[step].id : std::string("the pipeline");
    }
    const Diagnostic& d = doc.problems()[rows_[r].problem];
    return "    " + (d.field.empty() ? std::string() : d.field + ": ") + PlainMessage(d);
  };
  const float width = ImGui::GetContentRegionAvail().x;
  const float indent = ImGui::CalcTextSize(raw_ ? "    " : "      ").x;
  heights_.Update(count, width, HashText(file, doc.revision() * 2 + (raw_ ? 1 : 0)),
                  [&](int r) { return WrappedHeight(row_text(r), width, indent); });
  const float top = ImGui::GetCursorPosY();
  const auto [first, last] = heights_.Visible(top);
  ImDrawList* draw = ImGui::GetWindowDrawList();
  int clicked = -1;
  for (int r = first; r < last; ++r) {
    ImGui::SetCursorPosY(top + heights_.Top(r));
    const ImVec2 at = ImGui::GetCursorScreenPos();
    const ImVec2 size(width, heights_.Height(r));
    const std::string text = row_text(r);
    ImGui::PushID(r);
    if (!raw_ && rows_[r].problem < 0) {
      const int step = rows_[r].step;
      const KindSpec* kind = step >= 0 ? FindKind(doc.pipeline().steps[step].uses) : nullptr;
      ImGui::Dummy(size);
      DrawWrapped(draw, at, kind != nullptr ? KindTextColor(*kind) : color::kTextDim, text, width,
                  indent);
    } else {
      if (ImGui::Selectable("##row", false, 0, size)) clicked = raw_ ? r : rows_[r].problem;
      if (r == (raw_ ? 0 : 1)) fields::Mark("problems/0");
      if (!raw_) fields::Tooltip(lines_[rows_[r].problem]);
      DrawWrapped(draw, at, ImGui::GetColorU32(ImGuiCol_Text), text, width, indent);
    }
    ImGui::PopID();
  }
  heights_.End(top);
  ImGui::EndChild();
  if (clicked >= 0 && static_cast<size_t>(clicked) < doc.problems().size()) {
    const int step = StepOfPointer(doc, doc.problems()[clicked].pointer);
    if (step >= 0) {
      editor.SetSelection({doc.node(step)});
      editor.focus_request = doc.node(step);
    } else {
      editor.ClearSelection();  // the inspector shows the pipeline's settings
    }
  }
}

bool QuietEmpty(const Editor& editor) {
  const Document& doc = editor.doc();
  return doc.size() == 0 && ((!doc.CanUndo() && !doc.CanRedo()) || editor.FreshFromNew());
}

ScopedPlan ScopePlan(const Editor& editor) {
  const Document& doc = editor.doc();
  ScopedPlan scoped;
  const PlanChoice& choice = editor.plan_choice;
  if (choice.scope == PlanScope::kFrom) {
    int from = doc.IndexOf(choice.from);
    if (from < 0 && !editor.selection().empty()) from = doc.IndexOf(editor.selection()[0]);
    if (from >= 0) {
      scoped.flag = "--from";
      scoped.steps = {from};
    }
  } else if (choice.scope == PlanScope::kOnly && !editor.selection().empty()) {
    scoped.flag = "--only";
    for (NodeId node : editor.selection()) scoped.steps.push_back(doc.IndexOf(node));
    std::sort(scoped.steps.begin(), scoped.steps.end());  // file order, as the CLI lists them
  }
  std::vector<int> none;
  scoped.selection = SelectSteps(doc.graph(), scoped.flag == "--from" ? scoped.steps : none,
                                 scoped.flag == "--only" ? scoped.steps : none);
  return scoped;
}

namespace {

// `word` as a POSIX shell reads it: as it is when it is plain, else in
// single quotes.
std::string ShellWord(const std::string& word) {
  const bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("._-/,+=:@", c) != nullptr;
  });
  if (plain) return word;
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The radio buttons of the plan's scope; picking "from a step" starts it at
// the selected step, or the first step when none is selected.
void DrawScopeChoice(Editor& editor) {
  PlanChoice& choice = editor.plan_choice;
  const Document& doc = editor.doc();
  struct Option {
    PlanScope scope;
    const char* label;
    const char* mark;
  };
  static const Option kOptions[] = {{PlanScope::kWhole, "whole pipeline", "plan/scope/whole"},
                                    {PlanScope::kFrom, "from a step", "plan/scope/from"},
                                    {PlanScope::kOnly, "only these steps", "plan/scope/only"}};
  ImGui::TextDisabled("Preview a run of");
  for (const Option& option : kOptions) {
    if (ImGui::RadioButton(option.label, choice.scope == option.scope) &&
        choice.scope != option.scope) {
      choice.scope = option.scope;
      if (option.scope == PlanScope::kFrom) {
        choice.from = !editor.selection().empty() ? editor.selection()[0] : doc.node(0);
      }
    }
    fields::Mark(option.mark);
  }
  if (choice.scope == PlanScope::kFrom) {
    const int from = doc.IndexOf(choice.from);
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted("from");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(-FLT_MIN);
    const std::string current = from >= 0 ? doc.pipeline().steps[from].id : "";
    if (ImGui::BeginCombo("##from", current.c_str())) {
      for (size_t i = 0; i < doc.size(); ++i) {
        const std::string& id = doc.pipeline().steps[i].id;
        ImGui::PushID(static_cast<int>(i));
        if (ImGui::Selectable(id.c_str(), static_cast<int>(i) == from)) choice.from = doc.node(i);
        ImGui::PopID();
        fields::Mark("plan/from/" + id);
      }
      ImGui::EndCombo();
    }
    fields::Mark("plan/from");
  } else if (choice.scope == PlanScope::kOnly) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    ImGui::TextWrapped("%s", editor.selection().empty()
                                 ? "Select the steps to run on the canvas, or click them below."
                                 : "The selected steps; click a step below to add or remove it.");
    ImGui::PopStyleColor();
  }
}

// A button that copies the equivalent command, and the command, wrapped
// beside it: a long --only list stays in view.
void DrawRunCommand(Editor& editor, const ScopedPlan& scoped) {
  const std::string command = RunCommand(editor, scoped);
  if (ImGui::SmallButton("Copy")) {
    editor.platform().WriteClipboard(command);
    editor.Post(Severity::kInfo, "Copied: " + command);
  }
  fields::Mark("plan/copy");
  ImGui::SameLine();
  ImGui::PushStyleColor(ImGuiCol_Text, ToVec4(color::kAccent));
  ImGui::TextWrapped("%s", command.c_str());
  ImGui::PopStyleColor();
  fields::Mark("plan/command");
}

// A plan line as the panel shows it: as `tame plan` prints it when it fits
// `width`, else with the spaces that align its columns cut to two, so that
// one long id does not wrap every row.
std::string FitPlanLine(const std::string& line, float width) {
  if (ImGui::CalcTextSize(line.c_str()).x <= width) return line;
  const size_t indent = line.find_first_not_of(' ');
  if (indent == std::string::npos) return line;
  std::string out = line.substr(0, indent);
  for (size_t i = indent; i < line.size(); ++i) {
    if (line[i] == ' ' && i >= 2 && line[i - 1] == ' ' && line[i - 2] == ' ') continue;
    out += line[i];
  }
  return out;
}

// The plan's rows below its head: a heading per level, a line per step
// that selects it when clicked. Long lines wrap to the panel's width, their
// continuation indented; only the rows in view are drawn, so 10,000 steps
// cost what a screenful does once the rows are measured (when the lines or
// the width change).
void DrawPlanRows(Editor& editor, const std::vector<std::string>& lines, size_t head,
                  const std::vector<int>& row_step, const ScopedPlan& scoped) {
  static WrappedRows rows;
  const Document& doc = editor.doc();
  ImGui::BeginChild("plan-rows");
  const float width = ImGui::GetContentRegionAvail().x;
  const float indent = ImGui::CalcTextSize("      ").x;
  uint64_t key = HashText(scoped.flag);
  for (size_t i = head; i < lines.size(); ++i) key = HashText(lines[i], key);
  rows.Update(static_cast<int>(row_step.size()), width, key, [&](int r) {
    return WrappedHeight(FitPlanLine(lines[head + r], width), width, indent);
  });
  const float top = ImGui::GetCursorPosY();
  const auto [first, last] = rows.Visible(top);
  ImDrawList* draw = ImGui::GetWindowDrawList();
  for (int r = first; r < last; ++r) {
    ImGui::SetCursorPosY(top + rows.Top(r));
    const ImVec2 at = ImGui::GetCursorScreenPos();
    const std::string line = FitPlanLine(lines[head + r], width);
    const int step = row_step[r];
    if (step < 0) {
      ImGui::Dummy(ImVec2(width, rows.Height(r)));
      DrawWrapped(draw, at, ImGui::GetColorU32(ImGuiCol_TextDisabled), line, width, indent);
      continue;
    }
    const bool runs = scoped.selection.run[step];
    const NodeId node = doc.node(step);
    ImGui::PushID(step);
    if (ImGui::Selectable("##row", editor.IsSelected(node), 0, ImVec2(width, rows.Height(r)))) {
      if (editor.plan_choice.scope == PlanScope::kOnly) {
        editor.Select(node, /*toggle=*/true);
      } else {
        editor.SetSelection({node});
        editor.focus_request = node;
      }
    }
    ImGui::PopID();
    fields::Mark("plan/step/" + doc.pipeline().steps[step].id);
    DrawWrapped(draw, at, ImGui::GetColorU32(runs ? ImGuiCol_Text : ImGuiCol_TextDisabled), line,
                width, indent);
  }
  rows.End(top);
  ImGui::EndChild();
}

}  // namespace

std::string RunCommand(const Editor& editor, const ScopedPlan& scoped) {
  std::string command = "tame run " + ShellWord(editor.file_name());
  if (scoped.flag.empty()) return command;
  std::string ids;
  for (int step : scoped.steps) {
    ids += (ids.empty() ? "" : ",") + editor.doc().pipeline().steps[step].id;
  }
  return command + " " + scoped.flag + " " + ShellWord(ids);
}

void DrawPlan(Editor& editor) {
  const Document& doc = editor.doc();
  const Plan* plan = doc.plan();
  if (doc.size() == 0) {
    TextDimWrapped("Add steps to see the order they run in.");
    return;
  }
  if (plan == nullptr) {
    ImGui::PushStyleColor(ImGuiCol_Text, ToVec4(color::kError));
    ImGui::TextWrapped("No plan: %s",
                       DescribeCycle(doc.pipeline(), FindCycle(doc.graph())).c_str());
    ImGui::PopStyleColor();
    return;
  }
  DrawScopeChoice(editor);
  const ScopedPlan scoped = ScopePlan(editor);
  const bool partial = !scoped.flag.empty();
  DrawRunCommand(editor, scoped);
  ImGui::Separator();
  // The lines `tame plan` prints, a heading per level and a line per step
  // in level order; clipped, so 10,000 steps cost what a screenful does.
  const std::vector<std::string> lines =
      PlanText(doc.pipeline(), *plan, partial ? &scoped.selection : nullptr, scoped.flag);
  const size_t head = partial ? 2 : 1;
  ImGui::TextWrapped("%s", lines[0].c_str());
  fields::Mark("plan/heading");
  if (partial) {
    ImGui::TextWrapped("%s", lines[1].c_str());
    fields::Mark("plan/summary");
  } else {
    TextDimWrapped(
        "Steps of one level run side by side; each level waits for the one "
        "before.");
  }
  std::vector<int> row_step;  // by line after the head: the step, or -1 for a level
  row_step.reserve(lines.size() - head);
  for (const std::vector<int>& level : plan->levels) {
    row_step.push_back(-1);
    row_step.insert(row_step.end(), level.begin(), level.end());
  }
  DrawPlanRows(editor, lines, head, row_step, scoped);
}

void DrawHelp(bool* open) {
  if (!*open) return;
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  ImGui::SetNextWindowPos(ImVec2(0.5f * display.x, 0.5f * display.y), ImGuiCond_Appearing,
                          ImVec2(0.5f, 0.5f));
  const float em = ImGui::GetFontSize() / kDefaultTextSize;  // widths grow with the text
  ImGui::SetNextWindowSize(ImVec2(std::min(640 * em, display.x - 40), 0), ImGuiCond_Appearing);
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
      {"F", "fit the selection, or everything, in view (readable)"},
      {"Shift+F", "show everything, however small"},
      {"L", "auto-layout in layers that wrap to the canvas"},
      {"C", "connect the selected step to one picked from a list"},
      {"${{ or $", "in a field: pick a reference"},
      {"+, -, 0", "zoom in, out, to 100%"},
      {"Ctrl+=, Ctrl+-, Ctrl+0", "text larger, smaller, normal size (View > Text size)"},
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
    ImGui::TableSetupColumn("key", ImGuiTableColumnFlags_WidthFixed, 250.0f * em);
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
