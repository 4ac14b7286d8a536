// Earlier runs of a workspace, as their run folders recorded them: listing
// them (`tame runs`), reading one back (`tame show`, `tame resume`), and
// taking the steps a partial run (`tame run --from` / `--only`) does not
// run from one of them.
#ifndef TAME_RUNNER_RUN_HISTORY_H_
#define TAME_RUNNER_RUN_HISTORY_H_

#include <map>
#include <string>
#include <vector>

#include "core/graph.h"
#include "runner/run/state.h"

namespace tame {

/// The ids of the run folders in <workspace>/.tame/runs, newest first (run
/// ids sort by their start time).
std::vector<std::string> ListRunIds(const std::string& workspace);

/// The run that RUN names in `workspace`: its id, or "latest". Returns
/// false with `error` set ("no run \"x\" in .tame/runs of this folder",
/// with a suggestion when one is close).
bool FindRun(const std::string& workspace, const std::string& run, std::string* run_id,
             std::string* error);

/// True when a tame still holds run `run_dir` (it is running or waiting).
bool RunInProgress(const std::string& run_dir);

/// What a run's journal says: how it started and how each step ended.
struct RecordedRun {
  std::string id;
  std::string dir;                    // absolute
  Json started;                       // the run_started event
  std::map<std::string, Json> steps;  // step id -> its last step_ended event
};

/// Reads run `run_id` of `workspace` from its journal. Returns false with
/// `error` set when it cannot be read.
bool ReadRecordedRun(const std::string& workspace, const std::string& run_id, RecordedRun* out,
                     std::string* error);

/// A step's record as a step_ended event of the journal holds it.
StepRecord RecordFromEvent(const Json& event);

/// The latest run in `workspace` of the pipeline named `pipeline`. Returns
/// false with `error` set when there is none.
bool FindLatestRunOf(const std::string& workspace, const std::string& pipeline, std::string* run_id,
                     std::string* error);

/// The records of the steps `selection` reuses, taken from `run`, each
/// with reused_from set (to the run the step really ran in). Fails, with
/// `error` naming the step, when one of them did not succeed in that run,
/// a declared output of it is gone or not recorded, or its definition
/// changed since (`definitions`: the current hash of each step, by index).
bool ReuseSteps(const RunState& state, const Selection& selection, const RecordedRun& run,
                const std::vector<std::string>& definitions, std::map<int, StepRecord>* out,
                std::string* error);

}  // namespace tame

#endif  // TAME_RUNNER_RUN_HISTORY_H_
