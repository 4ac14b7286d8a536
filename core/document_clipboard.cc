// Document's clipboard requests: Copy, Paste and Duplicate. The clipboard
// holds a pipeline document, so steps move between pipelines, files and
// other tools as the JSON everyone already reads.
#include <algorithm>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "core/auto_layout.h"
#include "core/document.h"
#include "core/document_edit.h"
#include "core/expression.h"
#include "core/save.h"

namespace tame {
namespace {

// The names of the params and secrets `step` refers to.
void CollectNames(const Step& step, std::set<std::string>* params, std::set<std::string>* secrets) {
  auto collect = [&](const Place&, const std::string& text) {
    if (text.find("${{") == std::string::npos) return;
    std::vector<Reference> refs;
    std::string error;
    ParseReferences(text, &refs, &error);
    for (const Reference& ref : refs) {
      if (ref.kind == RefKind::kParam) params->insert(ref.name);
      if (ref.kind == RefKind::kSecret) secrets->insert(ref.name);
    }
  };
  ForEachString(step.with, Place(), collect);
  for (const auto& [name, value] : step.env) collect(Place(), value);
}

}  // namespace

std::string Document::Copy(const std::vector<NodeId>& nodes) const {
  std::vector<int> indices;
  for (NodeId node : nodes) {
    const int index = IndexOf(node);
    if (index >= 0) indices.push_back(index);
  }
  std::sort(indices.begin(), indices.end());
  indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
  Pipeline copy;
  copy.name = pipeline_.name;
  std::set<std::string> params;
  std::set<std::string> secrets;
  for (int index : indices) {
    const Step& step = pipeline_.steps[index];
    copy.steps.push_back(step);
    auto position = pipeline_.layout.find(step.id);
    if (position != pipeline_.layout.end()) copy.layout.insert(*position);
    CollectNames(step, &params, &secrets);
  }
  for (const std::string& name : params) {
    auto it = pipeline_.params.find(name);
    if (it != pipeline_.params.end()) copy.params.insert(*it);
  }
  for (const std::string& name : secrets) {
    auto it = pipeline_.secrets.find(name);
    if (it != pipeline_.secrets.end()) copy.secrets.insert(*it);
  }
  return SavePipeline(copy);
}

EditResult Document::Paste(std::string_view text, std::optional<Position> at) {
  return PasteAs(text, at, "");
}

EditResult Document::Duplicate(const std::vector<NodeId>& nodes) {
  return PasteAs(Copy(nodes), std::nullopt, "duplicate");
}

EditResult Document::PasteAs(std::string_view text, std::optional<Position> at,
                             const std::string& label) {
  LoadResult loaded = LoadPipeline(text);
  if (!loaded.pipeline) {
    return EditResult::Refused("nothing to paste: the clipboard holds no pipeline (" +
                               FormatDiagnostic("clipboard", loaded.errors.front()) + ")");
  }
  Pipeline& source = *loaded.pipeline;
  if (source.steps.empty()) {
    return EditResult::Refused("nothing to paste: the pipeline on the clipboard has no steps");
  }

  // New ids: the same where free, else with a suffix.
  std::vector<std::string> taken;
  std::unordered_map<std::string, std::string> renames;
  for (const Step& step : source.steps) {
    const std::string base = IsValidStepId(step.id) ? step.id : DefaultStepId(step.uses);
    taken.push_back(UniqueId(base, taken));
    renames.emplace(step.id, taken.back());
  }

  // Where they land: the pasted group keeps its shape.
  std::optional<Position> corner;
  for (const Step& step : source.steps) {
    auto it = source.layout.find(step.id);
    if (it == source.layout.end()) continue;
    if (!corner) corner = it->second;
    corner->x = std::min(corner->x, it->second.x);
    corner->y = std::min(corner->y, it->second.y);
  }
  const Position origin = corner.value_or(Position{kLayoutLeft, kLayoutTop});
  const Position shift = at ? Position{at->x - origin.x, at->y - origin.y} : Position{40, 40};

  RebuildIndex();
  Splice splice;
  std::vector<NodeId> added;
  int unplaced = 0;
  for (size_t k = 0; k < source.steps.size(); ++k) {
    DocumentStep record;
    record.step = std::move(source.steps[k]);
    const std::string old_id = record.step.id;
    // Needs of steps outside the paste stay when this pipeline has them.
    std::vector<std::string>& needs = record.step.needs;
    needs.erase(std::remove_if(needs.begin(), needs.end(),
                               [&](const std::string& need) {
                                 return renames.count(need) == 0 && index_by_id_.count(need) == 0;
                               }),
                needs.end());
    RenameReferences(&record.step, renames);
    record.step.id = taken[k];
    auto position = source.layout.find(old_id);
    if (position != source.layout.end()) {
      record.position = Position{position->second.x + shift.x, position->second.y + shift.y};
    } else {
      record.position =
          Position{origin.x + shift.x + kLayoutColumn * unplaced++, origin.y + shift.y};
    }
    record.node = NewNode();
    added.push_back(record.node);
    splice.at.push_back(static_cast<int>(pipeline_.steps.size() + k));
    splice.records.push_back(std::move(record));
  }

  // Declarations the pasted steps bring along, where this pipeline lacks them.
  PipelineInfo info{pipeline_.name, pipeline_.description, pipeline_.params, pipeline_.secrets};
  bool declared = false;
  for (auto& [name, decl] : source.params) declared |= info.params.emplace(name, decl).second;
  for (auto& [name, decl] : source.secrets) declared |= info.secrets.emplace(name, decl).second;

  Edit edit;
  edit.label = label.empty() ? "paste" : label;
  edit.label += added.size() == 1 ? " " + taken[0] : " " + std::to_string(added.size()) + " steps";
  edit.ops.push_back(std::move(splice));
  if (declared) edit.ops.push_back(SwapInfo{std::move(info)});
  Record(std::move(edit));
  return EditResult{"", std::move(added)};
}

}  // namespace tame
