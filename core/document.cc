#include "core/document.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>
#include <variant>

#include "core/auto_layout.h"
#include "core/catalog.h"
#include "core/document_edit.h"
#include "core/expression.h"
#include "core/save.h"
#include "core/validate.h"

namespace tame {

// The derived views, each stamped with the revision it was made for.
struct Document::Caches {
  uint64_t positions_revision = UINT64_MAX;
  std::vector<Position> positions;
  uint64_t problems_revision = UINT64_MAX;
  Diagnostics problems;
  uint64_t graph_revision = UINT64_MAX;
  Graph graph;
  uint64_t edges_revision = UINT64_MAX;
  std::vector<Edge> edges;
  uint64_t plan_revision = UINT64_MAX;
  bool has_plan = false;
  Plan plan;
};

namespace {

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

std::string Join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : sep) + item;
  return out;
}

// The shortest chain of dependents from `start` to `target`, both included,
// or empty when `target` does not (transitively) wait for `start`.
std::vector<int> FindPath(const Graph& graph, int start, int target) {
  std::vector<int> parent(graph.deps.size(), -1);
  std::vector<int> queue{start};
  parent[start] = start;
  for (size_t head = 0; head < queue.size(); ++head) {
    const int step = queue[head];
    if (step == target) {
      std::vector<int> path;
      for (int at = target; at != start; at = parent[at]) path.push_back(at);
      path.push_back(start);
      std::reverse(path.begin(), path.end());
      return path;
    }
    for (int next : graph.dependents[step]) {
      if (parent[next] == -1) {
        parent[next] = step;
        queue.push_back(next);
      }
    }
  }
  return {};
}

bool Finite(Position p) { return std::isfinite(p.x) && std::isfinite(p.y); }

}  // namespace

Document::Document() : caches_(std::make_unique<Caches>()) { pipeline_.name = kUntitledName; }

Document::~Document() = default;

// ---- Reading -------------------------------------------------------------

void Document::RebuildIndex() const {
  if (index_revision_ == revision_) return;
  index_by_id_.clear();
  index_by_node_.clear();
  index_by_id_.reserve(nodes_.size());
  index_by_node_.reserve(nodes_.size());
  for (size_t i = 0; i < nodes_.size(); ++i) {
    index_by_id_.emplace(pipeline_.steps[i].id, static_cast<int>(i));
    index_by_node_.emplace(nodes_[i], static_cast<int>(i));
  }
  index_revision_ = revision_;
}

int Document::IndexOf(NodeId node) const {
  RebuildIndex();
  auto it = index_by_node_.find(node);
  return it == index_by_node_.end() ? -1 : it->second;
}

NodeId Document::Find(const std::string& id) const {
  RebuildIndex();
  auto it = index_by_id_.find(id);
  return it == index_by_id_.end() ? NodeId() : nodes_[it->second];
}

std::string Document::Save() const { return SavePipeline(pipeline_); }

const std::vector<Position>& Document::positions() const {
  Caches& c = *caches_;
  if (c.positions_revision != revision_) {
    RebuildIndex();
    c.positions.assign(pipeline_.steps.size(), Position{});
    for (const auto& [id, position] : pipeline_.layout) {
      auto it = index_by_id_.find(id);
      if (it != index_by_id_.end()) c.positions[it->second] = position;
    }
    // Later steps that repeat an id (an invalid file) share its position.
    for (size_t i = 0; i < pipeline_.steps.size(); ++i) {
      auto it = index_by_id_.find(pipeline_.steps[i].id);
      if (it->second != static_cast<int>(i)) c.positions[i] = c.positions[it->second];
    }
    c.positions_revision = revision_;
  }
  return c.positions;
}

// The edges are the graph's, with what each is made of; deriving the graph
// from them saves a second walk over every string of every step, which is
// most of the work for a large pipeline.
const Graph& Document::graph() const {
  Caches& c = *caches_;
  if (c.graph_revision != revision_) {
    const size_t n = pipeline_.steps.size();
    Graph& g = c.graph;
    g.deps.assign(n, {});
    g.dependents.assign(n, {});
    RebuildIndex();
    g.index = index_by_id_;
    for (const Edge& e : edges()) {  // sorted by (to, from)
      g.deps[e.to].push_back(e.from);
      g.dependents[e.from].push_back(e.to);
    }
    c.graph_revision = revision_;
  }
  return c.graph;
}

const Diagnostics& Document::problems() const {
  Caches& c = *caches_;
  if (c.problems_revision != revision_) {
    c.problems = Validate(pipeline_);
    c.problems_revision = revision_;
  }
  return c.problems;
}

const std::vector<Edge>& Document::edges() const {
  Caches& c = *caches_;
  if (c.edges_revision != revision_) {
    c.edges = ListEdges(pipeline_);
    c.edges_revision = revision_;
  }
  return c.edges;
}

const Plan* Document::plan() const {
  Caches& c = *caches_;
  if (c.plan_revision != revision_) {
    c.has_plan = MakePlan(graph(), &c.plan);
    c.plan_revision = revision_;
  }
  return c.has_plan ? &c.plan : nullptr;
}

int StepOfPointer(const Document& document, const std::string& pointer) {
  auto token_after = [&](const char* prefix) -> std::optional<std::string> {
    const size_t n = std::char_traits<char>::length(prefix);
    if (pointer.compare(0, n, prefix) != 0) return std::nullopt;
    std::string token = pointer.substr(n, pointer.find('/', n) - n);
    std::string unescaped;  // RFC 6901: "~1" is '/', "~0" is '~'
    for (size_t i = 0; i < token.size(); ++i) {
      if (token[i] == '~' && i + 1 < token.size()) {
        unescaped += token[++i] == '1' ? '/' : '~';
      } else {
        unescaped += token[i];
      }
    }
    return unescaped;
  };
  if (auto token = token_after("/steps/")) {
    if (token->empty() || token->size() > 9 ||
        token->find_first_not_of("0123456789") != std::string::npos) {
      return -1;
    }
    const int index = std::stoi(*token);
    return index < static_cast<int>(document.size()) ? index : -1;
  }
  if (auto token = token_after("/layout/")) {
    NodeId node = document.Find(*token);
    return node ? document.IndexOf(node) : -1;
  }
  return -1;
}

std::string DefaultStepId(const std::string& uses) {
  std::string base = uses.substr(uses.rfind('.') == std::string::npos ? 0 : uses.rfind('.') + 1);
  std::string id;
  for (char c : base) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    id += ok ? c : '-';
  }
  if (id.empty() || id[0] < 'a' || id[0] > 'z') id = "step-" + id;
  return id.substr(0, 40);
}

// ---- History ---------------------------------------------------------------

void Document::Changed(bool structure) {
  (void)structure;  // every view is stamped with the revision
  ++revision_;
}

void Document::Record(Edit edit) {
  edit.serial_before = current_serial_;
  edit.serial_after = next_edit_serial_++;
  bool structure = false;
  for (EditOp& op : edit.ops) structure |= ToggleOp(op, &pipeline_, &nodes_);
  edit.structure = structure;
  current_serial_ = edit.serial_after;
  undo_.push_back(std::move(edit));
  if (undo_.size() > kHistoryLimit) undo_.erase(undo_.begin());
  redo_.clear();
  Changed(structure);
}

bool Document::CanUndo() const { return !undo_.empty(); }
bool Document::CanRedo() const { return !redo_.empty(); }
std::string Document::UndoLabel() const { return undo_.empty() ? "" : undo_.back().label; }
std::string Document::RedoLabel() const { return redo_.empty() ? "" : redo_.back().label; }

bool Document::Undo() {
  if (undo_.empty()) return false;
  Edit edit = std::move(undo_.back());
  undo_.pop_back();
  for (auto it = edit.ops.rbegin(); it != edit.ops.rend(); ++it) {
    ToggleOp(*it, &pipeline_, &nodes_);
  }
  current_serial_ = edit.serial_before;
  Changed(edit.structure);
  redo_.push_back(std::move(edit));
  return true;
}

bool Document::Redo() {
  if (redo_.empty()) return false;
  Edit edit = std::move(redo_.back());
  redo_.pop_back();
  for (EditOp& op : edit.ops) ToggleOp(op, &pipeline_, &nodes_);
  current_serial_ = edit.serial_after;
  Changed(edit.structure);
  undo_.push_back(std::move(edit));
  return true;
}

void Document::MarkSaved() { saved_serial_ = current_serial_; }
bool Document::Modified() const { return saved_serial_ != current_serial_; }

void Document::ForgetHistory() {
  undo_.clear();
  redo_.clear();
}

// ---- Requests --------------------------------------------------------------

Document::OpenResult Document::Open(std::string_view text) {
  LoadResult loaded = LoadAndValidate(text);
  OpenResult result{loaded.pipeline.has_value(), std::move(loaded.errors)};
  if (!result.opened) return result;
  SwapAll swap;
  swap.pipeline = std::move(*loaded.pipeline);
  PlaceUnplacedSteps(&swap.pipeline);
  swap.nodes.reserve(swap.pipeline.steps.size());
  for (size_t i = 0; i < swap.pipeline.steps.size(); ++i) swap.nodes.push_back(NewNode());
  const std::string label = "open " + swap.pipeline.name;
  Record(MakeEdit(label, std::move(swap)));
  // Placing steps touches only the layout, which Validate() reads for
  // names alone, so the problems found on loading still hold.
  caches_->problems = result.errors;
  caches_->problems_revision = revision_;
  return result;
}

EditResult Document::New(const std::string& name) {
  SwapAll swap;
  swap.pipeline.name = name;
  Record(MakeEdit("new pipeline", std::move(swap)));
  return {};
}

std::string Document::UniqueId(const std::string& base,
                               const std::vector<std::string>& taken) const {
  RebuildIndex();
  auto free = [&](const std::string& id) {
    return index_by_id_.count(id) == 0 && std::find(taken.begin(), taken.end(), id) == taken.end();
  };
  if (free(base)) return base;
  // "train-2" taken goes on as "train-3", not "train-2-2".
  std::string stem = base;
  const size_t dash = base.find_last_of('-');
  if (dash != std::string::npos && dash > 0 && dash + 1 < base.size() &&
      base.find_first_not_of("0123456789", dash + 1) == std::string::npos) {
    stem = base.substr(0, dash);
  }
  for (int n = 2;; ++n) {
    const std::string suffix = "-" + std::to_string(n);
    std::string id = stem.substr(0, 63 - suffix.size()) + suffix;
    if (free(id)) return id;
  }
}

EditResult Document::AddStep(const std::string& uses, const std::string& id, Position at) {
  if (FindKind(uses) == nullptr) {
    std::vector<std::string> names;
    for (const KindSpec& kind : Catalog()) names.push_back(kind.uses);
    std::string message = "unknown step kind " + Quote(uses);
    std::string suggestion = SuggestSpelling(uses, names);
    if (!suggestion.empty()) message += " (did you mean " + Quote(suggestion) + "?)";
    return EditResult::Refused(message);
  }
  if (!Finite(at)) return EditResult::Refused("a step's position must be finite");
  std::string step_id = id.empty() ? UniqueId(DefaultStepId(uses), {}) : id;
  if (std::string error = CheckNewId(step_id); !error.empty()) {
    return EditResult::Refused(error);
  }
  Splice splice;
  splice.at.push_back(static_cast<int>(pipeline_.steps.size()));
  DocumentStep record;
  record.step.id = step_id;
  record.step.uses = uses;
  record.node = NewNode();
  record.position = at;
  const NodeId node = record.node;
  splice.records.push_back(std::move(record));
  Record(MakeEdit("add " + step_id, std::move(splice)));
  return EditResult{"", {node}};
}

std::string Document::CheckNewId(const std::string& id) const {
  if (!IsValidStepId(id)) {
    return Quote(id) +
           " is not a valid step id: start with a lowercase letter, "
           "then use a-z, 0-9, _ and -, 63 characters at most";
  }
  RebuildIndex();
  if (index_by_id_.count(id) > 0) return "there is already a step " + Quote(id);
  return "";
}

std::string Document::CheckConnect(NodeId from, NodeId to) const {
  const int a = IndexOf(from);
  const int b = IndexOf(to);
  if (a < 0 || b < 0) return "that step no longer exists";
  const std::string& from_id = pipeline_.steps[a].id;
  const Step& target = pipeline_.steps[b];
  if (a == b) return "cannot connect " + Quote(from_id) + " to itself: a step cannot need itself";
  if (std::find(target.needs.begin(), target.needs.end(), from_id) != target.needs.end()) {
    return Quote(target.id) + " already needs " + Quote(from_id);
  }
  const std::vector<int>& deps = graph().deps[b];
  if (std::binary_search(deps.begin(), deps.end(), a)) {
    return Quote(target.id) + " already depends on " + Quote(from_id) +
           " through a reference to its outputs";
  }
  std::vector<int> path = FindPath(graph(), b, a);
  if (!path.empty()) {
    std::vector<std::string> ids{from_id};
    for (int step : path) ids.push_back(pipeline_.steps[step].id);
    return "connecting " + from_id + " to " + target.id +
           " would make a dependency cycle: " + Join(ids, " -> ");
  }
  return "";
}

EditResult Document::Connect(NodeId from, NodeId to) {
  if (std::string error = CheckConnect(from, to); !error.empty()) {
    return EditResult::Refused(error);
  }
  const int b = IndexOf(to);
  const std::string& from_id = pipeline_.steps[IndexOf(from)].id;
  SwapSteps swap;
  swap.at.push_back(b);
  swap.steps.push_back(pipeline_.steps[b]);
  swap.steps.back().needs.push_back(from_id);
  Record(MakeEdit("connect " + from_id + " to " + pipeline_.steps[b].id, std::move(swap)));
  return {};
}

EditResult Document::Disconnect(NodeId from, NodeId to) {
  const int a = IndexOf(from);
  const int b = IndexOf(to);
  if (a < 0 || b < 0) return EditResult::Refused("that step no longer exists");
  const std::string& from_id = pipeline_.steps[a].id;
  const Step& target = pipeline_.steps[b];
  auto need = std::find(target.needs.begin(), target.needs.end(), from_id);
  if (need == target.needs.end()) {
    const std::vector<int>& deps = graph().deps[b];
    if (std::binary_search(deps.begin(), deps.end(), a)) {
      return EditResult::Refused(Quote(target.id) + " uses outputs of " + Quote(from_id) +
                                 " (${{ steps." + from_id +
                                 ".outputs... }}); remove the reference from its "
                                 "params to disconnect them");
    }
    return EditResult::Refused(Quote(target.id) + " does not need " + Quote(from_id));
  }
  SwapSteps swap;
  swap.at.push_back(b);
  swap.steps.push_back(target);
  std::vector<std::string>& needs = swap.steps.back().needs;
  needs.erase(std::remove(needs.begin(), needs.end(), from_id), needs.end());
  Record(MakeEdit("disconnect " + from_id + " from " + target.id, std::move(swap)));
  return {};
}

EditResult Document::DeleteSteps(const std::vector<NodeId>& nodes) {
  std::vector<int> doomed;
  for (NodeId node : nodes) {
    const int index = IndexOf(node);
    if (index >= 0) doomed.push_back(index);
  }
  std::sort(doomed.begin(), doomed.end());
  doomed.erase(std::unique(doomed.begin(), doomed.end()), doomed.end());
  if (doomed.empty()) return {};
  std::unordered_set<std::string> gone;
  std::vector<bool> is_doomed(pipeline_.steps.size(), false);
  for (int i : doomed) {
    gone.insert(pipeline_.steps[i].id);
    is_doomed[i] = true;
  }
  // Survivors stop needing the deleted steps.
  SwapSteps rewired;
  for (size_t i = 0; i < pipeline_.steps.size(); ++i) {
    const Step& step = pipeline_.steps[i];
    if (is_doomed[i]) continue;
    if (std::none_of(step.needs.begin(), step.needs.end(),
                     [&](const std::string& n) { return gone.count(n) > 0; })) {
      continue;
    }
    Step copy = step;
    copy.needs.erase(std::remove_if(copy.needs.begin(), copy.needs.end(),
                                    [&](const std::string& n) { return gone.count(n) > 0; }),
                     copy.needs.end());
    rewired.at.push_back(static_cast<int>(i));
    rewired.steps.push_back(std::move(copy));
  }
  Splice splice;
  splice.at = doomed;
  splice.in_document = true;
  const std::string label = doomed.size() == 1
                                ? "delete " + pipeline_.steps[doomed[0]].id
                                : "delete " + std::to_string(doomed.size()) + " steps";
  Edit edit;
  edit.label = label;
  if (!rewired.at.empty()) edit.ops.push_back(std::move(rewired));
  edit.ops.push_back(std::move(splice));
  Record(std::move(edit));
  return {};
}

EditResult Document::MoveSteps(const std::vector<std::pair<NodeId, Position>>& moves) {
  return Move(moves, "");
}

EditResult Document::Move(const std::vector<std::pair<NodeId, Position>>& moves,
                          const std::string& label) {
  SwapLayout swap;
  for (const auto& [node, position] : moves) {
    if (!Finite(position)) return EditResult::Refused("a step's position must be finite");
    const int index = IndexOf(node);
    if (index < 0) continue;
    const std::string& id = pipeline_.steps[index].id;
    auto it = pipeline_.layout.find(id);
    if (it != pipeline_.layout.end() && it->second == position) continue;
    if (std::find(swap.ids.begin(), swap.ids.end(), id) != swap.ids.end()) continue;
    swap.ids.push_back(id);
    swap.positions.push_back(position);
  }
  if (swap.ids.empty()) return {};
  std::string text = label;
  if (text.empty()) {
    text = swap.ids.size() == 1 ? "move " + swap.ids[0]
                                : "move " + std::to_string(swap.ids.size()) + " steps";
  }
  Record(MakeEdit(text, std::move(swap)));
  return {};
}

std::string Document::CheckNewDeps(size_t index, const Step& step) const {
  RebuildIndex();
  std::vector<int> deps;
  auto add = [&](const std::string& id) {
    auto it = index_by_id_.find(id);
    if (it != index_by_id_.end() && it->second != static_cast<int>(index)) {
      deps.push_back(it->second);
    }
  };
  for (const std::string& need : step.needs) add(need);
  auto add_refs = [&](const Place&, const std::string& text) {
    if (text.find("${{") == std::string::npos) return;
    std::vector<Reference> refs;
    std::string error;
    ParseReferences(text, &refs, &error);
    for (const Reference& ref : refs) {
      if (ref.kind == RefKind::kStepOutput) add(ref.step);
    }
  };
  ForEachString(step.with, Place(), add_refs);
  for (const auto& [name, value] : step.env) add_refs(Place(), value);
  const std::vector<int>& old_deps = graph().deps[index];
  for (int dep : deps) {
    if (std::binary_search(old_deps.begin(), old_deps.end(), dep)) continue;
    std::vector<int> path = FindPath(graph(), static_cast<int>(index), dep);
    if (path.empty()) continue;
    std::vector<std::string> ids{pipeline_.steps[dep].id};
    for (int s : path) ids.push_back(pipeline_.steps[s].id);
    return "step " + Quote(step.id) + ": that would make a dependency cycle: " + Join(ids, " -> ");
  }
  return "";
}

EditResult Document::SetParam(NodeId node, const std::string& name, const Json& value) {
  const int index = IndexOf(node);
  if (index < 0) return EditResult::Refused("that step no longer exists");
  Step step = pipeline_.steps[index];
  const KindSpec* kind = FindKind(step.uses);
  if (kind != nullptr && FindParam(*kind, name) == nullptr && !step.with.contains(name)) {
    return EditResult::Refused(kind->uses + " has no param " + Quote(name));
  }
  if (!step.with.is_object()) step.with = Json::object();
  if (value.is_null()) {
    step.with.erase(name);
  } else {
    step.with[name] = value;
  }
  return UpdateStep(node, std::move(step));
}

EditResult Document::UpdateStep(NodeId node, Step step) {
  const int index = IndexOf(node);
  if (index < 0) return EditResult::Refused("that step no longer exists");
  const Step& current = pipeline_.steps[index];
  if (step.id != current.id) {
    return EditResult::Refused("step " + Quote(current.id) +
                               ": a step's id changes only by renaming it");
  }
  if (step == current) return {};
  if (std::string error = CheckNewDeps(index, step); !error.empty()) {
    return EditResult::Refused(error);
  }
  SwapSteps swap;
  swap.at.push_back(index);
  swap.steps.push_back(std::move(step));
  Record(MakeEdit("edit " + current.id, std::move(swap)));
  return {};
}

EditResult Document::RenameStep(NodeId node, const std::string& new_id) {
  const int index = IndexOf(node);
  if (index < 0) return EditResult::Refused("that step no longer exists");
  const std::string old_id = pipeline_.steps[index].id;
  if (new_id == old_id) return {};
  if (std::string error = CheckNewId(new_id); !error.empty()) {
    return EditResult::Refused(error);
  }
  // Only a step that owns its id (the first with it) takes the needs and
  // references that name it along.
  const bool owns_id = Find(old_id) == node;
  const std::unordered_map<std::string, std::string> renames{{old_id, new_id}};
  SwapSteps swap;
  for (size_t i = 0; i < pipeline_.steps.size(); ++i) {
    Step copy = pipeline_.steps[i];
    bool changed = static_cast<int>(i) == index;
    if (changed) copy.id = new_id;
    if (owns_id) changed |= RenameReferences(&copy, renames);
    if (!changed) continue;
    swap.at.push_back(static_cast<int>(i));
    swap.steps.push_back(std::move(copy));
  }
  Edit edit = MakeEdit("rename " + old_id + " to " + new_id, std::move(swap));
  auto position = pipeline_.layout.find(old_id);
  if (position != pipeline_.layout.end()) {
    SwapLayout layout;
    if (owns_id) {
      layout.ids.push_back(old_id);
      layout.positions.push_back(std::nullopt);
    }
    layout.ids.push_back(new_id);
    layout.positions.push_back(position->second);
    edit.ops.push_back(std::move(layout));
  }
  Record(std::move(edit));
  return {};
}

EditResult Document::SetInfo(PipelineInfo info) {
  if (info.name == pipeline_.name && info.description == pipeline_.description &&
      info.params == pipeline_.params && info.secrets == pipeline_.secrets) {
    return {};
  }
  Record(MakeEdit("edit pipeline settings", SwapInfo{std::move(info)}));
  return {};
}

EditResult Document::AutoLayout(double max_width) {
  const Plan* levels = plan();
  if (levels == nullptr) {
    return EditResult::Refused("auto-layout needs a pipeline without a " +
                               DescribeCycle(pipeline_, FindCycle(graph())));
  }
  std::vector<Position> placed =
      max_width > 0 ? LayoutLayered(graph(), *levels, max_width) : LayoutByLevels(graph(), *levels);
  std::vector<std::pair<NodeId, Position>> moves;
  moves.reserve(placed.size());
  for (size_t i = 0; i < placed.size(); ++i) moves.push_back({nodes_[i], placed[i]});
  return Move(moves, "auto-layout");
}

}  // namespace tame
