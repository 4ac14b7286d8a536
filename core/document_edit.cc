#include "core/document_edit.h"

#include <algorithm>
#include <unordered_set>
#include <utility>

#include "core/auto_layout.h"
#include "core/expression.h"
#include "core/graph.h"

namespace tame {
namespace {

void Toggle(SwapSteps& op, Pipeline* p) {
  for (size_t k = 0; k < op.at.size(); ++k) std::swap(p->steps[op.at[k]], op.steps[k]);
}

void Toggle(SwapLayout& op, Pipeline* p) {
  for (size_t k = 0; k < op.ids.size(); ++k) {
    auto it = p->layout.find(op.ids[k]);
    std::optional<Position> was;
    if (it != p->layout.end()) was = it->second;
    if (op.positions[k]) {
      p->layout[op.ids[k]] = *op.positions[k];
    } else if (it != p->layout.end()) {
      p->layout.erase(it);
    }
    op.positions[k] = was;
  }
}

void Toggle(SwapInfo& op, Pipeline* p) {
  std::swap(p->name, op.info.name);
  std::swap(p->description, op.info.description);
  std::swap(p->params, op.info.params);
  std::swap(p->secrets, op.info.secrets);
}

void Toggle(SwapAll& op, Pipeline* p, std::vector<NodeId>* nodes) {
  std::swap(*p, op.pipeline);
  std::swap(*nodes, op.nodes);
}

// One pass over the steps either way, so deleting or pasting thousands of
// steps stays linear.
void Toggle(Splice& op, Pipeline* p, std::vector<NodeId>* nodes) {
  const size_t old_size = p->steps.size();
  std::vector<Step> steps;
  std::vector<NodeId> ids;
  if (!op.in_document) {
    const size_t new_size = old_size + op.records.size();
    steps.reserve(new_size);
    ids.reserve(new_size);
    size_t from_old = 0;
    size_t k = 0;
    for (size_t i = 0; i < new_size; ++i) {
      if (k < op.at.size() && static_cast<size_t>(op.at[k]) == i) {
        DocumentStep& record = op.records[k++];
        if (record.position) p->layout[record.step.id] = *record.position;
        steps.push_back(std::move(record.step));
        ids.push_back(record.node);
      } else {
        steps.push_back(std::move(p->steps[from_old]));
        ids.push_back((*nodes)[from_old]);
        ++from_old;
      }
    }
    op.records.clear();
  } else {
    steps.reserve(old_size - op.at.size());
    ids.reserve(old_size - op.at.size());
    op.records.clear();
    size_t k = 0;
    std::unordered_set<std::string> gone;
    for (size_t i = 0; i < old_size; ++i) {
      if (k < op.at.size() && static_cast<size_t>(op.at[k]) == i) {
        ++k;
        DocumentStep record;
        record.node = (*nodes)[i];
        auto it = p->layout.find(p->steps[i].id);
        if (it != p->layout.end()) record.position = it->second;
        gone.insert(p->steps[i].id);
        record.step = std::move(p->steps[i]);
        op.records.push_back(std::move(record));
      } else {
        steps.push_back(std::move(p->steps[i]));
        ids.push_back((*nodes)[i]);
      }
    }
    // A layout entry stays while a step with its id does (files with
    // duplicate ids).
    for (const Step& step : steps) gone.erase(step.id);
    for (const std::string& id : gone) p->layout.erase(id);
  }
  p->steps = std::move(steps);
  *nodes = std::move(ids);
  op.in_document = !op.in_document;
}

}  // namespace

Edit MakeEdit(std::string label, EditOp op) {
  Edit edit;
  edit.label = std::move(label);
  edit.ops.push_back(std::move(op));
  return edit;
}

bool ToggleOp(EditOp& op, Pipeline* pipeline, std::vector<NodeId>* nodes) {
  if (auto* swap = std::get_if<SwapSteps>(&op)) {
    Toggle(*swap, pipeline);
    return false;
  }
  if (auto* layout = std::get_if<SwapLayout>(&op)) {
    Toggle(*layout, pipeline);
    return false;
  }
  if (auto* info = std::get_if<SwapInfo>(&op)) {
    Toggle(*info, pipeline);
    return false;
  }
  if (auto* all = std::get_if<SwapAll>(&op)) {
    Toggle(*all, pipeline, nodes);
    return true;
  }
  Toggle(std::get<Splice>(op), pipeline, nodes);
  return true;
}

void MapStrings(Json* value, const std::function<std::string(const std::string&)>& fn) {
  if (value->is_string()) {
    *value = fn(value->get_ref<const std::string&>());
  } else if (value->is_array() || value->is_object()) {
    for (Json& item : *value) MapStrings(&item, fn);
  }
}

bool RenameReferences(Step* step, const std::unordered_map<std::string, std::string>& renames) {
  bool changed = false;
  for (std::string& need : step->needs) {
    auto it = renames.find(need);
    if (it != renames.end() && it->second != need) {
      need = it->second;
      changed = true;
    }
  }
  auto rename = [&](const std::string& text) {
    if (text.find("${{") == std::string::npos) return text;
    std::vector<Reference> refs;
    std::string error;
    if (!ParseReferences(text, &refs, &error)) return text;
    auto renamed = [&](const Reference& ref) -> const std::string* {
      if (ref.kind != RefKind::kStepOutput) return nullptr;
      auto it = renames.find(ref.step);
      return it == renames.end() || it->second == ref.step ? nullptr : &it->second;
    };
    if (std::none_of(refs.begin(), refs.end(), renamed)) return text;
    changed = true;
    return Substitute(text, refs, [&](const Reference& ref) {
      const std::string* new_id = renamed(ref);
      if (new_id == nullptr) return text.substr(ref.begin, ref.end - ref.begin);
      return "${{ steps." + *new_id + ".outputs." + ref.name + " }}";
    });
  };
  MapStrings(&step->with, rename);
  for (auto& [name, value] : step->env) value = rename(value);
  return changed;
}

void PlaceUnplacedSteps(Pipeline* pipeline) {
  std::vector<size_t> unplaced;
  double bottom = -1;  // below every placed step; -1 when none is placed
  for (size_t i = 0; i < pipeline->steps.size(); ++i) {
    auto it = pipeline->layout.find(pipeline->steps[i].id);
    if (it == pipeline->layout.end()) {
      unplaced.push_back(i);
    } else {
      bottom = std::max(bottom, it->second.y);
    }
  }
  if (unplaced.empty()) return;
  const Graph graph = BuildGraph(*pipeline);
  Plan plan;
  std::vector<Position> placed;
  if (MakePlan(graph, &plan)) {
    placed = LayoutByLevels(graph, plan);
  } else {
    // A cycle has no levels: a grid in file order will do until it is fixed.
    for (size_t i = 0; i < pipeline->steps.size(); ++i) {
      placed.push_back(Position{kLayoutLeft + kLayoutColumn * static_cast<double>(i % 8),
                                kLayoutTop + kLayoutRow * static_cast<double>(i / 8)});
    }
  }
  const double shift = bottom < 0 ? 0 : bottom + kLayoutRow - kLayoutTop + 40;
  for (size_t i : unplaced) {
    pipeline->layout.emplace(pipeline->steps[i].id, Position{placed[i].x, placed[i].y + shift});
  }
}

}  // namespace tame
