// The dependency graph of a pipeline and its plan: which step waits for
// which, in what levels the steps can run, and a cycle when there is one.
#ifndef TAME_CORE_GRAPH_H_
#define TAME_CORE_GRAPH_H_

#include <string>
#include <unordered_map>
#include <vector>

#include "core/diagnostic.h"
#include "core/expression.h"
#include "core/pipeline.h"

namespace tame {

struct Graph {
  /// deps[i]: the steps step i waits for, from `needs` and from
  /// `${{ steps.X.outputs.Y }}` references; sorted, without repeats.
  std::vector<std::vector<int>> deps;
  /// dependents[i]: the steps that wait for step i; sorted.
  std::vector<std::vector<int>> dependents;
  /// The index of the first step with each id.
  std::unordered_map<std::string, int> index;
};

/// Builds the graph. Names of steps that do not exist, and a step's edge to
/// itself, are left out: Validate() reports them.
Graph BuildGraph(const Pipeline& pipeline);

/// A cycle as step indices, first repeated last ([a, b, c, a]); empty when
/// the graph has none.
std::vector<int> FindCycle(const Graph& graph);

/// "dependency cycle: a -> b -> c -> a".
std::string DescribeCycle(const Pipeline& pipeline, const std::vector<int>& cycle);

struct Plan {
  std::vector<std::vector<int>> levels;  // level 0 needs nothing; file order
  std::vector<int> level_of;             // level of each step
};

/// The steps in levels: a step's level is one more than its deepest
/// dependency's. Returns false, leaving `plan` unspecified, on a cycle.
bool MakePlan(const Graph& graph, Plan* plan);

/// Every step reachable from `roots` through dependents, roots included,
/// as a mask over steps.
std::vector<bool> Downstream(const Graph& graph, const std::vector<int>& roots);

/// Every step that some step in `roots` waits for, directly or through
/// others, as a mask over steps (a root is in it only when another root
/// waits for it).
std::vector<bool> Upstream(const Graph& graph, const std::vector<int>& roots);

/// Which steps a partial run (`tame run --from` / `--only`) runs, and which
/// it takes from an earlier run.
struct Selection {
  std::vector<bool> run;    // the step runs
  std::vector<bool> reuse;  // it does not run; steps that run need its outputs
  /// Neither: the step has nothing to do with the steps that run.
  bool Excluded(int step) const { return !run[step] && !reuse[step]; }
};

/// The steps that run are `from` and everything downstream of it, plus the
/// steps in `only`; the steps they wait for, directly or not, and that do
/// not run themselves are reused. Both empty: every step runs.
Selection SelectSteps(const Graph& graph, const std::vector<int>& from,
                      const std::vector<int>& only);

/// A step's part in a partial run, in `tame plan`'s words: "runs",
/// "reused" or "not run".
const char* SelectionWord(const Selection& selection, int step);

/// The line `tame plan` prints above the levels of a partial plan: "3 of 7
/// run (--from); 3 reused from an earlier run". `flag` is "--from" or
/// "--only".
std::string DescribeSelection(const Selection& selection, const std::string& flag);

/// The plan as `tame plan --json` prints it, less the cache verdicts (they
/// depend on a workspace): {"pipeline", "levels": [[id, ...], ...],
/// "steps": [{"id", "uses", "level", "if", "selection"}]}, "level" counting
/// from 1 and "selection" (SelectionWord) only when `partial` is given.
Json PlanJson(const Pipeline& pipeline, const Plan& plan, const Selection* partial);

/// The lines `tame plan` prints: "NAME: 7 steps in 5 levels", for a
/// partial plan (`partial` given) its DescribeSelection() line, then
/// "level N" above the steps of each level, one "  ID  USES" line each
/// with the ids padded to one width, "(if: ...)" for a condition other
/// than success, and "(reused)" or "(not run)" for a step a partial plan
/// does not run. `notes[i]`, when there, ends the line of step i when it
/// runs (`tame plan` puts its cache verdicts there).
std::vector<std::string> PlanText(const Pipeline& pipeline, const Plan& plan,
                                  const Selection* partial, const std::string& flag,
                                  const std::vector<std::string>& notes = {});

/// The indices of the steps named in `ids`, each item of which may be a
/// comma-separated list ("a,b"). Returns false with `error` set for an
/// empty or unknown id, suggesting a close one: `unknown step "trian" (did
/// you mean "train"?)`.
bool ResolveStepIds(const Pipeline& pipeline, const std::vector<std::string>& ids,
                    std::vector<int>* out, std::string* error);

/// One edge for display: `from` runs before `to`.
struct Edge {
  int from = 0;
  int to = 0;
  bool needs = false;                // listed in `to`'s needs
  std::vector<std::string> outputs;  // outputs of `from` that `to` references, sorted
};

/// Every edge of the pipeline, sorted by (to, from). Edges to missing steps
/// and self-edges are left out, as in BuildGraph().
std::vector<Edge> ListEdges(const Pipeline& pipeline);

/// Calls fn(place, text) for every string inside `value`, which sits at
/// `at`; the place of each string is `at` extended by its keys and indices.
template <typename Fn>
void ForEachString(const Json& value, const Place& at, Fn&& fn) {
  if (value.is_string()) {
    fn(at, value.get_ref<const std::string&>());
  } else if (value.is_array()) {
    size_t index = 0;
    for (const Json& item : value) {
      Place place(at, index++);
      ForEachString(item, place, fn);
    }
  } else if (value.is_object()) {
    for (auto it = value.begin(); it != value.end(); ++it) {
      Place place(at, it.key());
      ForEachString(*it, place, fn);
    }
  }
}

}  // namespace tame

#endif  // TAME_CORE_GRAPH_H_
