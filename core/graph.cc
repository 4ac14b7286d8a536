#include "core/graph.h"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "core/load.h"

namespace tame {
namespace {

// Calls fn(source, output) for each `${{ steps.SOURCE.outputs.OUTPUT }}` in
// the step's params and environment whose SOURCE is a step in `index`.
// Malformed references are Validate()'s to report; here they are skipped.
template <typename Fn>
void ForEachStepReference(const Step& step, const std::unordered_map<std::string, int>& index,
                          Fn&& fn) {
  auto scan = [&](const std::string& text) {
    if (text.find("${{") == std::string::npos) return;
    std::vector<Reference> refs;
    std::string error;
    ParseReferences(text, &refs, &error);
    for (const Reference& ref : refs) {
      if (ref.kind != RefKind::kStepOutput) continue;
      auto it = index.find(ref.step);
      if (it != index.end()) fn(it->second, ref.name);
    }
  };
  ForEachString(step.with, Place(), [&](const Place&, const std::string& text) { scan(text); });
  for (const auto& [name, value] : step.env) scan(value);
}

std::unordered_map<std::string, int> IndexSteps(const Pipeline& pipeline) {
  std::unordered_map<std::string, int> index;
  index.reserve(pipeline.steps.size());
  for (size_t i = 0; i < pipeline.steps.size(); ++i) {
    index.emplace(pipeline.steps[i].id, static_cast<int>(i));  // the first of an id wins
  }
  return index;
}

}  // namespace

Graph BuildGraph(const Pipeline& pipeline) {
  const size_t n = pipeline.steps.size();
  Graph graph;
  graph.index = IndexSteps(pipeline);
  const std::unordered_map<std::string, int>& index = graph.index;

  graph.deps.resize(n);
  graph.dependents.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const Step& step = pipeline.steps[i];
    std::vector<int>& deps = graph.deps[i];
    for (const std::string& need : step.needs) {
      auto it = index.find(need);
      if (it != index.end()) deps.push_back(it->second);
    }
    ForEachStepReference(step, index,
                         [&](int source, const std::string&) { deps.push_back(source); });
    std::sort(deps.begin(), deps.end());
    deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
    deps.erase(std::remove(deps.begin(), deps.end(), static_cast<int>(i)), deps.end());
    for (int d : deps) graph.dependents[d].push_back(static_cast<int>(i));
  }
  return graph;
}

std::vector<Edge> ListEdges(const Pipeline& pipeline) {
  const std::unordered_map<std::string, int> index = IndexSteps(pipeline);
  std::vector<Edge> edges;
  for (size_t i = 0; i < pipeline.steps.size(); ++i) {
    const Step& step = pipeline.steps[i];
    std::map<int, Edge> by_source;
    auto edge_from = [&](int from) -> Edge& {
      Edge& e = by_source[from];
      e.from = from;
      e.to = static_cast<int>(i);
      return e;
    };
    for (const std::string& need : step.needs) {
      auto it = index.find(need);
      if (it != index.end() && it->second != static_cast<int>(i)) {
        edge_from(it->second).needs = true;
      }
    }
    ForEachStepReference(step, index, [&](int source, const std::string& output) {
      if (source == static_cast<int>(i)) return;
      std::vector<std::string>& outputs = edge_from(source).outputs;
      if (std::find(outputs.begin(), outputs.end(), output) == outputs.end()) {
        outputs.push_back(output);
      }
    });
    for (auto& [from, edge] : by_source) {
      std::sort(edge.outputs.begin(), edge.outputs.end());
      edges.push_back(std::move(edge));
    }
  }
  return edges;
}

std::vector<int> FindCycle(const Graph& graph) {
  // Iterative depth-first search over deps (no recursion: a chain of 50,000
  // steps must not exhaust the stack, least of all under wasm).
  const size_t n = graph.deps.size();
  enum : char { kNew, kOnPath, kDone };
  std::vector<char> state(n, kNew);
  std::vector<std::pair<int, size_t>> path;  // step, next dep to visit
  for (size_t root = 0; root < n; ++root) {
    if (state[root] != kNew) continue;
    path.push_back({static_cast<int>(root), 0});
    state[root] = kOnPath;
    while (!path.empty()) {
      auto& [step, next] = path.back();
      if (next == graph.deps[step].size()) {
        state[step] = kDone;
        path.pop_back();
        continue;
      }
      int dep = graph.deps[step][next++];
      if (state[dep] == kOnPath) {
        // The cycle runs from dep's place on the path to here and back.
        // Deps point against execution order, so reverse it to read as
        // "a -> b": a runs before b.
        std::vector<int> cycle;
        size_t at = 0;
        while (path[at].first != dep) ++at;
        for (size_t k = at; k < path.size(); ++k) cycle.push_back(path[k].first);
        std::reverse(cycle.begin(), cycle.end());
        // Start at the step that comes first in the file, so the message
        // does not depend on where the search began.
        std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
        cycle.push_back(cycle.front());
        return cycle;
      }
      if (state[dep] == kNew) {
        state[dep] = kOnPath;
        path.push_back({dep, 0});
      }
    }
  }
  return {};
}

std::string DescribeCycle(const Pipeline& pipeline, const std::vector<int>& cycle) {
  std::string text = "dependency cycle: ";
  for (size_t i = 0; i < cycle.size(); ++i) {
    if (i > 0) text += " -> ";
    text += pipeline.steps[cycle[i]].id;
  }
  return text;
}

bool MakePlan(const Graph& graph, Plan* plan) {
  // Kahn's algorithm in file order; a step's level is fixed once all of its
  // deps are placed.
  const size_t n = graph.deps.size();
  std::vector<int> waiting(n);
  std::vector<int> queue;
  queue.reserve(n);
  plan->level_of.assign(n, 0);
  plan->levels.clear();
  for (size_t i = 0; i < n; ++i) {
    waiting[i] = static_cast<int>(graph.deps[i].size());
    if (waiting[i] == 0) queue.push_back(static_cast<int>(i));
  }
  for (size_t head = 0; head < queue.size(); ++head) {
    int step = queue[head];
    for (int next : graph.dependents[step]) {
      plan->level_of[next] = std::max(plan->level_of[next], plan->level_of[step] + 1);
      if (--waiting[next] == 0) queue.push_back(next);
    }
  }
  if (queue.size() != n) return false;
  for (size_t i = 0; i < n; ++i) {
    size_t level = static_cast<size_t>(plan->level_of[i]);
    if (plan->levels.size() <= level) plan->levels.resize(level + 1);
    plan->levels[level].push_back(static_cast<int>(i));
  }
  return true;
}

std::vector<bool> Downstream(const Graph& graph, const std::vector<int>& roots) {
  std::vector<bool> mask(graph.deps.size(), false);
  std::vector<int> stack;
  for (int r : roots) {
    if (!mask[r]) {
      mask[r] = true;
      stack.push_back(r);
    }
  }
  while (!stack.empty()) {
    int step = stack.back();
    stack.pop_back();
    for (int next : graph.dependents[step]) {
      if (!mask[next]) {
        mask[next] = true;
        stack.push_back(next);
      }
    }
  }
  return mask;
}

std::vector<bool> Upstream(const Graph& graph, const std::vector<int>& roots) {
  std::vector<bool> mask(graph.deps.size(), false);
  std::vector<int> stack(roots.begin(), roots.end());
  while (!stack.empty()) {
    int step = stack.back();
    stack.pop_back();
    for (int dep : graph.deps[step]) {
      if (!mask[dep]) {
        mask[dep] = true;
        stack.push_back(dep);
      }
    }
  }
  return mask;
}

Selection SelectSteps(const Graph& graph, const std::vector<int>& from,
                      const std::vector<int>& only) {
  const size_t n = graph.deps.size();
  Selection s;
  if (from.empty() && only.empty()) {
    s.run.assign(n, true);
    s.reuse.assign(n, false);
    return s;
  }
  s.run = Downstream(graph, from);
  for (int step : only) s.run[step] = true;
  std::vector<int> running;
  for (size_t i = 0; i < n; ++i) {
    if (s.run[i]) running.push_back(static_cast<int>(i));
  }
  s.reuse = Upstream(graph, running);
  for (size_t i = 0; i < n; ++i) {
    if (s.run[i]) s.reuse[i] = false;
  }
  return s;
}

const char* SelectionWord(const Selection& selection, int step) {
  return selection.run[step] ? "runs" : selection.reuse[step] ? "reused" : "not run";
}

std::string DescribeSelection(const Selection& selection, const std::string& flag) {
  const size_t runs = std::count(selection.run.begin(), selection.run.end(), true);
  const size_t reused = std::count(selection.reuse.begin(), selection.reuse.end(), true);
  return std::to_string(runs) + " of " + std::to_string(selection.run.size()) + " run (" + flag +
         "); " + std::to_string(reused) + " reused from an earlier run";
}

Json PlanJson(const Pipeline& pipeline, const Plan& plan, const Selection* partial) {
  Json levels = Json::array();
  for (const std::vector<int>& level : plan.levels) {
    Json ids = Json::array();
    for (int step : level) ids.push_back(pipeline.steps[step].id);
    levels.push_back(ids);
  }
  Json steps = Json::array();
  for (size_t i = 0; i < pipeline.steps.size(); ++i) {
    const Step& step = pipeline.steps[i];
    steps.push_back(Json{{"id", step.id},
                         {"uses", step.uses},
                         {"level", plan.level_of[i] + 1},
                         {"if", step.if_condition.empty() ? "success" : step.if_condition}});
    if (partial != nullptr)
      steps.back()["selection"] = SelectionWord(*partial, static_cast<int>(i));
  }
  return Json{{"pipeline", pipeline.name}, {"levels", levels}, {"steps", steps}};
}

std::vector<std::string> PlanText(const Pipeline& pipeline, const Plan& plan,
                                  const Selection* partial, const std::string& flag,
                                  const std::vector<std::string>& notes) {
  auto plural = [](size_t n, const char* word) {
    return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
  };
  std::vector<std::string> lines;
  lines.push_back(pipeline.name + ": " + plural(pipeline.steps.size(), "step") + " in " +
                  plural(plan.levels.size(), "level"));
  if (partial != nullptr) lines.push_back(DescribeSelection(*partial, flag));
  size_t width = 0;
  for (const Step& step : pipeline.steps) width = std::max(width, step.id.size());
  for (size_t l = 0; l < plan.levels.size(); ++l) {
    lines.push_back("level " + std::to_string(l + 1));
    for (int i : plan.levels[l]) {
      const Step& step = pipeline.steps[i];
      std::string line = "  " + step.id + std::string(width - step.id.size() + 2, ' ') + step.uses;
      if (!step.if_condition.empty() && step.if_condition != "success") {
        line += "  (if: " + step.if_condition + ")";
      }
      if (partial != nullptr && !partial->run[i]) {
        line += std::string("  (") + SelectionWord(*partial, i) + ")";
      } else if (static_cast<size_t>(i) < notes.size()) {
        line += notes[i];
      }
      lines.push_back(line);
    }
  }
  return lines;
}

bool ResolveStepIds(const Pipeline& pipeline, const std::vector<std::string>& ids,
                    std::vector<int>* out, std::string* error) {
  std::vector<std::string> known;
  for (const Step& step : pipeline.steps) known.push_back(step.id);
  out->clear();
  for (const std::string& item : ids) {
    size_t start = 0;
    while (true) {
      size_t comma = item.find(',', start);
      std::string id = item.substr(start, comma == std::string::npos ? comma : comma - start);
      int index = pipeline.FindStep(id);
      if (index < 0) {
        std::string suggestion = id.empty() ? "" : SuggestSpelling(id, known);
        *error = id.empty()
                     ? "an empty step id"
                     : "unknown step \"" + id + "\"" +
                           (suggestion.empty() ? "" : " (did you mean \"" + suggestion + "\"?)");
        return false;
      }
      if (std::find(out->begin(), out->end(), index) == out->end()) out->push_back(index);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return true;
}

}  // namespace tame
