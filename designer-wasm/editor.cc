#include "designer-wasm/editor.h"

#include <algorithm>

#include "core/templates.h"
#include "core/validate.h"
#include "designer-wasm/fields.h"
#include "imgui.h"

namespace tame::designer {

std::vector<std::string> FormatProblems(const std::string& file, const Diagnostics& problems) {
  std::vector<std::string> lines;
  lines.reserve(problems.size());
  for (const Diagnostic& d : problems) lines.push_back(FormatDiagnostic(file, d));
  return lines;
}

std::string PlainMessage(const Diagnostic& d) {
  const std::string prefix = "step \"" + d.step + "\": ";
  if (d.step.empty() || d.message.rfind(prefix, 0) != 0) return d.message;
  return d.message.substr(prefix.size());
}

void Editor::Post(Severity severity, std::string text) {
  status_ = StatusMessage{std::move(text), severity, ImGui::GetTime()};
}

bool Editor::Report(const EditResult& result) {
  if (!result.ok()) {
    Post(Severity::kError, result.error);
    fields::Refuse(result.error);
  }
  return result.ok();
}

std::string Editor::file_name() const {
  if (!file_name_.empty()) return file_name_;
  std::string name;
  for (char c : doc_.pipeline().name) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '_' || c == '.';
    name += plain ? c : '-';
  }
  return (name.empty() ? std::string("pipeline") : name) + ".json";
}

// ---- Selection -------------------------------------------------------------

// While a field has uncommitted text, the inspector must still draw it in
// this frame so that it commits: the new selection waits for the next one.
void Editor::SetSelection(std::vector<NodeId> nodes) {
  if (fields::Editing()) {
    deferred_selection_ = std::move(nodes);
    return;
  }
  deferred_selection_.reset();
  ReplaceSelection(std::move(nodes));
}

void Editor::ReplaceSelection(std::vector<NodeId> nodes) {
  selection_ = std::move(nodes);
  selected_.clear();
  selected_.insert(selection_.begin(), selection_.end());
  selected_edge.reset();
}

void Editor::Select(NodeId node, bool toggle) {
  if (!toggle) {
    SetSelection({node});
    return;
  }
  std::vector<NodeId> nodes = selection_;
  if (IsSelected(node)) {
    nodes.erase(std::remove(nodes.begin(), nodes.end(), node), nodes.end());
  } else {
    nodes.push_back(node);
  }
  SetSelection(std::move(nodes));
}

void Editor::ClearSelection() { SetSelection({}); }

void Editor::ApplyDeferredSelection() {
  if (deferred_selection_ && !fields::Editing()) SetSelection(std::move(*deferred_selection_));
}

NodeId Editor::SingleSelected() const { return selection_.size() == 1 ? selection_[0] : NodeId(); }

void Editor::Prune() {
  if (std::any_of(selection_.begin(), selection_.end(),
                  [&](NodeId node) { return doc_.IndexOf(node) < 0; })) {
    std::vector<NodeId> kept;
    for (NodeId node : selection_) {
      if (doc_.IndexOf(node) >= 0) kept.push_back(node);
    }
    ReplaceSelection(std::move(kept));
  }
  if (selected_edge) {
    const int from = doc_.IndexOf(selected_edge->from);
    const int to = doc_.IndexOf(selected_edge->to);
    const bool exists = from >= 0 && to >= 0 &&
                        std::any_of(doc_.edges().begin(), doc_.edges().end(),
                                    [&](const Edge& e) { return e.from == from && e.to == to; });
    if (!exists) selected_edge.reset();
  }
}

const std::vector<int>& Editor::ProblemCounts() const {
  if (counts_revision_ != doc_.revision()) {
    counts_.assign(doc_.size(), 0);
    for (const Diagnostic& d : doc_.problems()) {
      const int step = StepOfPointer(doc_, d.pointer);
      if (step >= 0) ++counts_[step];
    }
    counts_revision_ = doc_.revision();
  }
  return counts_;
}

// ---- Commands --------------------------------------------------------------

std::vector<std::string> Editor::Open(const std::string& name, const std::string& text) {
  Document::OpenResult result = doc_.Open(text);
  std::vector<std::string> lines = FormatProblems(name, result.errors);
  if (!result.opened) {
    open_errors = lines;
    open_errors_intro = "tame validate reports:";
    show_open_errors = true;
    Post(Severity::kError, "Could not open " + name + "; nothing was changed");
    return lines;
  }
  file_name_ = name;
  doc_.MarkSaved();  // as opened is as on disk; Ctrl+Z still brings back what was there
  ClearSelection();
  view_request = ViewRequest::kShowOpened;
  const size_t steps = doc_.size();
  std::string summary =
      "Opened " + name + ": " + std::to_string(steps) + (steps == 1 ? " step" : " steps");
  if (!lines.empty()) {
    summary += ", " + std::to_string(lines.size()) + (lines.size() == 1 ? " problem" : " problems");
  }
  Post(lines.empty() ? Severity::kInfo : Severity::kError, summary);
  return lines;
}

void Editor::Restore(const std::string& name, const std::string& text, bool modified) {
  if (!doc_.Open(text).opened) return;  // an old or damaged copy is not worth a dialog
  doc_.ForgetHistory();
  if (!modified) doc_.MarkSaved();
  file_name_ = name;
  view_request = ViewRequest::kShowOpened;
  Post(Severity::kInfo, "Restored " + name + " from the last visit");
}

void Editor::NewPipeline() {
  doc_.New();
  new_revision_ = doc_.revision();
  file_name_.clear();
  ClearSelection();
  view_request = ViewRequest::kShowOpened;
  Post(Severity::kInfo, "New pipeline (Ctrl+Z brings the last one back)");
}

std::string TemplateSummary(size_t index) {
  static std::vector<std::string>* summaries = nullptr;
  if (summaries == nullptr) {
    summaries = new std::vector<std::string>();
    for (const Template& t : Templates()) {
      const Json file = Json::parse(t.text, nullptr, /*allow_exceptions=*/false);
      std::string chain;
      size_t count = 0;
      const Json* steps = file.is_object() && file.contains("steps") ? &file["steps"] : nullptr;
      if (steps != nullptr && steps->is_array()) {
        for (const Json& step : *steps) {
          if (!step.is_object() || !step.contains("id") || !step["id"].is_string()) continue;
          chain += (chain.empty() ? "" : " > ") + step["id"].get<std::string>();
          ++count;
        }
      }
      summaries->push_back(std::to_string(count) + " steps: " + chain);
    }
  }
  return index < summaries->size() ? (*summaries)[index] : std::string();
}

void Editor::OpenTemplate(size_t index) {
  if (index >= Templates().size()) return;
  const Template& t = Templates()[index];
  Open(t.file, t.text);
}

void Editor::Save() {
  const std::string name = file_name();
  platform_->Download(name, doc_.Save());
  doc_.MarkSaved();
  const size_t problems = doc_.problems().size();
  if (problems == 0) {
    Post(Severity::kInfo, "Saved " + name);
  } else {
    Post(Severity::kError, "Saved " + name + " with " + std::to_string(problems) +
                               (problems == 1 ? " problem" : " problems") +
                               "; tame run will refuse it until they are fixed");
  }
}

void Editor::Share() { platform_->MakeShareLink(doc_.Save()); }

void Editor::Undo() {
  const std::string label = doc_.UndoLabel();
  if (doc_.Undo()) {
    Post(Severity::kInfo, "Undid " + label);
  } else {
    Post(Severity::kInfo, "Nothing to undo");
  }
}

void Editor::Redo() {
  const std::string label = doc_.RedoLabel();
  if (doc_.Redo()) {
    Post(Severity::kInfo, "Redid " + label);
  } else {
    Post(Severity::kInfo, "Nothing to redo");
  }
}

void Editor::AddStep(const std::string& uses, Position at) {
  EditResult result = doc_.AddStep(uses, "", at);
  if (Report(result)) SetSelection(result.added);
}

void Editor::DeleteSelection() {
  if (selected_edge) {
    if (Report(doc_.Disconnect(selected_edge->from, selected_edge->to))) {
      selected_edge.reset();
    }
    return;
  }
  if (selection_.empty()) return;
  if (Report(doc_.DeleteSteps(selection_))) {
    Post(Severity::kInfo, "Deleted; Ctrl+Z brings it back");
    ClearSelection();
  }
}

void Editor::DuplicateSelection() {
  if (selection_.empty()) return;
  EditResult result = doc_.Duplicate(selection_);
  if (Report(result)) SetSelection(result.added);
}

std::string Editor::CopySelection() {
  if (selection_.empty()) return "";
  const size_t n = selection_.size();
  Post(Severity::kInfo,
       "Copied " + std::to_string(n) + (n == 1 ? " step" : " steps") + " as pipeline JSON");
  return doc_.Copy(selection_);
}

void Editor::Paste(const std::string& text, std::optional<Position> at) {
  EditResult result = doc_.Paste(text, at);
  if (Report(result)) SetSelection(result.added);
}

void Editor::SelectAll() {
  std::vector<NodeId> all;
  all.reserve(doc_.size());
  for (size_t i = 0; i < doc_.size(); ++i) all.push_back(doc_.node(i));
  SetSelection(std::move(all));
}

void Editor::AutoLayout() {
  if (Report(doc_.AutoLayout(layout_width))) {
    Post(Severity::kInfo, "Laid out by plan levels");
    view_request = ViewRequest::kShowOpened;
  }
}

// ---- Exports ---------------------------------------------------------------

// The document's pipeline may hold more than its file says (positions for
// steps the file did not place), so the export starts from the saved text,
// as the CLI does from the file.
ExportView Editor::Export(ExportTarget target) const {
  ExportView view;
  view.target = target;
  const std::string file = file_name();
  LoadResult loaded = LoadAndValidate(doc_.Save());
  Diagnostics errors = loaded.errors;
  ExportResult result;
  if (errors.empty()) {
    result = ExportPipeline(*loaded.pipeline, target);
    errors = result.errors;
  }
  if (!errors.empty()) {
    view.errors = FormatProblems(file, errors);
    return view;
  }
  view.file = ExportFileName(*loaded.pipeline, target);
  view.text = std::move(result.text);
  view.fidelity = FormatFidelityReport(file, target, loaded.pipeline->steps.size(), result.notes);
  view.notes = std::move(result.notes);
  return view;
}

void Editor::ShowExport(ExportTarget target) {
  export_view = Export(target);
  show_export = true;
}

void Editor::DownloadExport() {
  if (!export_view || export_view->text.empty()) return;
  platform_->Download(export_view->file, export_view->text);
  Post(Severity::kInfo,
       "Exported " + export_view->file + " for " + ExportTargetTitle(export_view->target));
}

}  // namespace tame::designer
