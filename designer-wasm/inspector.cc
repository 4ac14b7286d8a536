#include "designer-wasm/inspector.h"

#include <algorithm>

#include "core/catalog.h"
#include "designer-wasm/fields.h"
#include "designer-wasm/keys.h"
#include "designer-wasm/param_widgets.h"
#include "designer-wasm/theme.h"
#include "imgui.h"

namespace tame::designer {
namespace {

const char* const kConditions[] = {"success", "failure", "always"};

void Heading(const char* text) {
  ImGui::Spacing();
  ImGui::TextDisabled("%s", text);
  ImGui::Separator();
}

}  // namespace

const FieldProblems& Inspector::ProblemsOf(const Editor& editor, int index) {
  const Document& doc = editor.doc();
  if (problems_revision_ == doc.revision() && problems_index_ == index) return problems_;
  problems_revision_ = doc.revision();
  problems_index_ = index;
  problems_.clear();
  for (const Diagnostic& d : doc.problems()) {
    if (StepOfPointer(doc, d.pointer) != index) continue;
    // A problem placed outside the step (its layout entry) shows at the top.
    problems_[d.step.empty() && index >= 0 ? "" : d.field].push_back(PlainMessage(d));
  }
  return problems_;
}

const std::vector<fields::RefChoice>& Inspector::RefChoicesOf(const Editor& editor, int index) {
  const Document& doc = editor.doc();
  if (choices_revision_ == doc.revision() && choices_index_ == index) return choices_;
  choices_revision_ = doc.revision();
  choices_index_ = index;
  choices_.clear();
  const Pipeline& p = doc.pipeline();
  const Graph& graph = doc.graph();
  const size_t n = p.steps.size();
  // Which steps run before this one (up) and after it (down: a reference
  // to them would make a cycle).
  auto reach = [&](const std::vector<std::vector<int>>& links) {
    std::vector<char> seen(n, 0);
    std::vector<int> stack = {index};
    while (!stack.empty()) {
      const int at = stack.back();
      stack.pop_back();
      if (at < 0 || static_cast<size_t>(at) >= links.size()) continue;
      for (int next : links[at]) {
        if (next >= 0 && static_cast<size_t>(next) < n && !seen[next]) {
          seen[next] = 1;
          stack.push_back(next);
        }
      }
    }
    return seen;
  };
  const std::vector<char> up = reach(graph.deps);
  const std::vector<char> down = reach(graph.dependents);
  std::vector<fields::RefChoice> later;
  for (size_t j = 0; j < n; ++j) {
    if (static_cast<int>(j) == index || down[j]) continue;
    const Step& source = p.steps[j];
    const KindSpec* kind = FindKind(source.uses);
    const ImU32 tint = kind != nullptr ? KindColor(*kind) : color::kTextDim;
    auto add = [&](const std::string& name, const std::string& detail) {
      fields::RefChoice choice{"steps." + source.id + ".outputs." + name, detail, tint, !up[j],
                               source.id};
      (up[j] ? choices_ : later).push_back(std::move(choice));
    };
    if (kind != nullptr) {
      for (const OutputSpec& out : kind->outputs) add(out.name, out.doc);
    }
    for (const auto& [name, decl] : source.outputs) {
      add(name,
          decl.path.empty() ? "a value the step writes to $TAME_OUTPUT" : "the file " + decl.path);
    }
  }
  choices_.insert(choices_.end(), later.begin(), later.end());
  for (const auto& [name, decl] : p.params) {
    choices_.push_back({"params." + name,
                        decl.description.empty() ? "a " + decl.type + " param" : decl.description,
                        0, false, ""});
  }
  for (const auto& [name, decl] : p.secrets) {
    choices_.push_back({"secrets." + name, "a secret, from " + decl.from, 0, false, ""});
  }
  choices_.push_back({"run.id", "this run's id", 0, false, ""});
  return choices_;
}

void Inspector::Draw(Editor& editor) {
  const NodeId node = editor.SingleSelected();
  const int index = node ? editor.doc().IndexOf(node) : -1;
  if (index >= 0) {
    ImGui::PushID(static_cast<int>(node.value()));
    DrawStep(editor, index);
    ImGui::PopID();
  } else if (editor.selection().size() > 1) {
    DrawSelection(editor);
  } else {
    DrawPipeline(editor);
  }
  // A selected chip holds the keyboard, which keeps Backspace from the
  // canvas; undo and redo still act on the pipeline.
  const ImGuiIO& io = ImGui::GetIO();
  if (fields::ChipSelected() && (io.KeyCtrl || io.KeySuper)) {
    const bool undo = ImGui::IsKeyPressed(kKeyZ) && !io.KeyShift;
    const bool redo = (ImGui::IsKeyPressed(kKeyZ) && io.KeyShift) || ImGui::IsKeyPressed(kKeyY);
    if (undo || redo) {
      fields::LetGoOfChip();
      undo ? editor.Undo() : editor.Redo();
    }
  }
}

void Inspector::DrawStep(Editor& editor, int index) {
  Document& doc = editor.doc();
  const Step& step = doc.pipeline().steps[index];
  const NodeId node = doc.node(index);
  const KindSpec* kind = FindKind(step.uses);
  const auto& problems = ProblemsOf(editor, index);
  fields::SetRefChoices(&RefChoicesOf(editor, index));

  // The kind, with its doc as a tooltip.
  const ImVec2 at = ImGui::GetCursorScreenPos();
  const float side = ImGui::GetTextLineHeight();
  ImGui::GetWindowDrawList()->AddRectFilled(at, ImVec2(at.x + side, at.y + side),
                                            kind ? KindColor(*kind) : color::kTextDim, 3.0f);
  ImGui::Dummy(ImVec2(side, side));
  ImGui::SameLine();
  ImGui::TextUnformatted(kind ? kind->title.c_str() : "Unknown kind");
  ImGui::SameLine();
  ImGui::TextDisabled("%s (?)", step.uses.c_str());
  if (kind != nullptr) fields::Tooltip(kind->doc);
  FieldErrors(problems, "");

  Heading("Step");
  ImGui::TextUnformatted("id");
  fields::Tooltip(
      "The step's name in the file: needs and ${{ steps.ID.outputs... }} refer to "
      "it. Renaming rewrites them.");
  std::string text;
  if (fields::Text("##id", step.id, &text)) editor.Report(doc.RenameStep(node, text));
  fields::Mark("inspector/id");
  FieldErrors(problems, "id");
  ImGui::TextUnformatted("name");
  fields::Tooltip("A title for logs and reports; the id when empty.");
  if (fields::Text("##name", step.name, &text, "optional")) {
    Step changed = step;
    changed.name = text;
    editor.Report(doc.UpdateStep(node, std::move(changed)));
  }
  fields::Mark("inspector/name");
  FieldErrors(problems, "name");
  ImGui::TextUnformatted("kind");
  fields::Tooltip(
      "What the step does. Params the new kind does not have are kept and marked, "
      "to be removed or carried over by hand.");
  ImGui::SetNextItemWidth(-FLT_MIN);
  if (ImGui::BeginCombo("##uses", step.uses.c_str())) {
    for (const KindSpec& choice : Catalog()) {
      const std::string label = choice.title + "  (" + choice.uses + ")";
      const bool chosen = ImGui::Selectable(label.c_str(), choice.uses == step.uses);
      fields::Mark("inspector/uses/" + choice.uses);
      if (chosen && choice.uses != step.uses) {
        Step changed = step;
        changed.uses = choice.uses;
        editor.Report(doc.UpdateStep(node, std::move(changed)));
      }
    }
    ImGui::EndCombo();
  }
  fields::Mark("inspector/uses");
  FieldErrors(problems, "uses");

  if (kind != nullptr && !kind->params.empty()) {
    Heading("Params");
    DrawParams(editor, index);
  }
  DrawRunSettings(editor, index);
  DrawOutputsAndNeeds(editor, index);
}

void Inspector::DrawParams(Editor& editor, int index) {
  Document& doc = editor.doc();
  const Step& step = doc.pipeline().steps[index];
  const KindSpec& kind = *FindKind(step.uses);
  const auto& problems = ProblemsOf(editor, index);
  for (const ParamSpec& spec : kind.params) {
    ImGui::PushID(spec.name.c_str());
    ParamLabel(spec);
    const Json* value = nullptr;
    auto it = step.with.is_object() ? step.with.find(spec.name) : step.with.end();
    if (step.with.is_object() && it != step.with.end()) value = &*it;
    const ParamPlace place{"inspector/with/" + spec.name, "with/" + spec.name, &problems};
    std::optional<Json> edited = ParamWidget(editor, spec, value, place);
    fields::Mark(place.mark);
    FieldErrors(problems, place.field, /*nested=*/true);
    ImGui::PopID();
    if (edited) {
      editor.Report(doc.SetParam(doc.node(index), spec.name, *edited));
      break;  // the step changed under the widgets that follow
    }
  }
  // Params the kind does not have: shown so they can be removed.
  if (!step.with.is_object()) return;
  for (auto it = step.with.begin(); it != step.with.end(); ++it) {
    if (FindParam(kind, it.key()) != nullptr) continue;
    ImGui::PushID(it.key().c_str());
    ImGui::TextColored(ToVec4(color::kError), "%s", it.key().c_str());
    ImGui::SameLine();
    const bool remove = fields::SmallButton("remove", "x", "Remove this param");
    FieldErrors(problems, "with/" + it.key(), /*nested=*/true);
    ImGui::PopID();
    if (remove) {
      editor.Report(doc.SetParam(doc.node(index), it.key(), nullptr));
      break;
    }
  }
}

void Inspector::DrawRunSettings(Editor& editor, int index) {
  Document& doc = editor.doc();
  const Step& step = doc.pipeline().steps[index];
  const NodeId node = doc.node(index);
  const auto& problems = ProblemsOf(editor, index);
  Heading("Run settings");
  std::optional<Step> changed;
  auto edit = [&]() -> Step& {
    if (!changed) changed = step;
    return *changed;
  };

  ImGui::TextUnformatted("if");
  fields::Tooltip(
      "When the step runs: success (all it needs succeeded), failure (one failed) "
      "or always.");
  const std::string condition = step.if_condition.empty() ? "success" : step.if_condition;
  ImGui::SetNextItemWidth(-FLT_MIN);
  if (ImGui::BeginCombo("##if", condition.c_str())) {
    for (const char* choice : kConditions) {
      if (ImGui::Selectable(choice, condition == choice)) {
        edit().if_condition = std::string(choice) == "success" ? "" : choice;
      }
    }
    ImGui::EndCombo();
  }
  FieldErrors(problems, "if");

  std::string text;
  ImGui::TextUnformatted("timeout");
  fields::Tooltip("How long the step may run before it is stopped, such as 90s, 20m or 1h30m.");
  if (fields::Text("##timeout", step.timeout, &text, "none")) edit().timeout = text;
  fields::Mark("inspector/timeout");
  FieldErrors(problems, "timeout");

  ImGui::TextUnformatted("retries");
  fields::Tooltip("Further tries after a failure; 0 or empty for none.");
  const std::string retries = step.retries ? std::to_string(step.retries->max) : "";
  if (fields::Text("##retries", retries, &text, "0")) {
    Json parsed = Json::parse(text, nullptr, false);
    if (text.empty() || (parsed.is_number_integer() && parsed.get<int64_t>() == 0)) {
      edit().retries.reset();
    } else if (parsed.is_number_integer() && parsed.get<int64_t>() > 0 &&
               parsed.get<int64_t>() <= 100) {
      Retries r = step.retries.value_or(Retries{});
      r.max = static_cast<int>(parsed.get<int64_t>());
      edit().retries = r;
    } else {
      editor.Post(Severity::kError, "retries must be a whole number from 0 to 100");
      fields::Refuse("retries must be a whole number from 0 to 100");
    }
  }
  FieldErrors(problems, "retries");

  bool keep_going = step.continue_on_error.value_or(false);
  if (ImGui::Checkbox("continue on error", &keep_going)) {
    edit().continue_on_error = keep_going ? std::optional<bool>(true) : std::nullopt;
  }
  fields::Tooltip("Let the steps that need this one run even when it fails.");
  if (changed) editor.Report(doc.UpdateStep(node, std::move(*changed)));
}

void Inspector::DrawOutputsAndNeeds(Editor& editor, int index) {
  Document& doc = editor.doc();
  const Step& step = doc.pipeline().steps[index];
  const NodeId node = doc.node(index);
  const KindSpec* kind = FindKind(step.uses);
  const auto& problems = ProblemsOf(editor, index);

  // What it publishes: click a reference to copy it for another step.
  std::vector<std::pair<std::string, std::string>> outputs;
  if (kind != nullptr) {
    for (const OutputSpec& out : kind->outputs) outputs.push_back({out.name, out.doc});
  }
  for (const auto& [name, decl] : step.outputs) {
    outputs.push_back(
        {name, decl.path.empty() ? "a value written to $TAME_OUTPUT" : "the file " + decl.path});
  }
  if (!outputs.empty() || (kind != nullptr && kind->declares_outputs)) {
    Heading("Outputs");
    for (const auto& [name, doc_text] : outputs) {
      const std::string ref = "${{ steps." + step.id + ".outputs." + name + " }}";
      if (ImGui::Selectable(ref.c_str())) {
        editor.platform().WriteClipboard(ref);
        editor.Post(Severity::kInfo, "Copied " + ref + "; paste it into another step's params");
      }
      fields::Tooltip(doc_text + "\nClick to copy the reference.");
    }
    if (kind != nullptr && kind->declares_outputs) {
      std::optional<std::map<std::string, OutputDecl>> changed =
          OutputsEditor(editor, step.outputs);
      if (changed) {
        Step edited = step;
        edited.outputs = std::move(*changed);
        editor.Report(doc.UpdateStep(node, std::move(edited)));
      }
    }
    FieldErrors(problems, "outputs");
  }

  Heading("Needs");
  if (step.needs.empty()) ImGui::TextDisabled("Drag from another step's right port to here.");
  for (const std::string& need : step.needs) {
    ImGui::PushID(need.c_str());
    const bool remove = fields::SmallButton("remove", "x", "Remove this dependency");
    ImGui::SameLine();
    const NodeId other = doc.Find(need);
    if (ImGui::Selectable(need.c_str()) && other) {
      editor.SetSelection({other});
      editor.focus_request = other;
    }
    ImGui::PopID();
    if (remove && other) {
      editor.Report(doc.Disconnect(other, node));
      break;
    }
  }
  FieldErrors(problems, "needs");
}

void Inspector::DrawSelection(Editor& editor) {
  ImGui::Text("%zu steps selected", editor.selection().size());
  ImGui::Spacing();
  if (ImGui::Button("Duplicate")) editor.DuplicateSelection();
  ImGui::SameLine();
  if (ImGui::Button("Delete")) editor.DeleteSelection();
  ImGui::SameLine();
  if (ImGui::Button("Fit to view")) editor.view_request = ViewRequest::kFitSelection;
}

void Inspector::DrawPipeline(Editor& editor) {
  Document& doc = editor.doc();
  const Pipeline& p = doc.pipeline();
  const auto& problems = ProblemsOf(editor, -1);
  ImGui::TextDisabled("Nothing selected: the pipeline's settings.");
  FieldErrors(problems, "");
  PipelineInfo info{p.name, p.description, p.params, p.secrets};
  bool changed = false;

  Heading("Pipeline");
  std::string text;
  ImGui::TextUnformatted("name");
  if (fields::Text("##pipeline-name", p.name, &text, "required")) {
    info.name = text;
    changed = true;
  }
  fields::Mark("inspector/pipeline-name");
  FieldErrors(problems, "name");
  ImGui::TextUnformatted("description");
  if (fields::MultilineText("##description", p.description, &text, 3)) {
    info.description = text;
    changed = true;
  }
  FieldErrors(problems, "description");

  Heading("Params");
  fields::Tooltip("Values a run can set with --param NAME=VALUE; steps use ${{ params.NAME }}.");
  changed |= PipelineParamsEditor(editor, &info.params);
  FieldErrors(problems, "params");

  Heading("Secrets");
  changed |= SecretsEditor(&info.secrets, new_secret_, sizeof new_secret_);
  FieldErrors(problems, "secrets");
  if (changed) editor.Report(doc.SetInfo(std::move(info)));

  Heading("Summary");
  const Plan* plan = doc.plan();
  auto count = [](size_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  ImGui::Text("%s, %s", count(doc.size(), "step", "steps").c_str(),
              count(doc.edges().size(), "edge", "edges").c_str());
  if (plan != nullptr) {
    ImGui::Text("%s in the plan", count(plan->levels.size(), "level", "levels").c_str());
  }
}

}  // namespace tame::designer
