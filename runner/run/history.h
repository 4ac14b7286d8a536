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
#include "runner/run/report.h"
#include "runner/run/run_dir.h"
#include "runner/run/state.h"

namespace tame {

/// What a run's journal says: how it started and how each step ended.
struct RecordedRun {
  std::string id;
  std::string dir;                    // absolute
  Json started;                       // the run_started event
  std::map<std::string, Json> steps;  // step id -> its last step_ended event
};

/// Reads run `run_id` of `workspace` from its journal. Returns false with
/// `error` set when it cannot be read or `run_id` cannot name a run (it may
/// come from another journal).
bool ReadRecordedRun(const std::string& workspace, const std::string& run_id, RecordedRun* out,
                     std::string* error);

/// A step's record as a step_ended event of the journal holds it; `uses`,
/// the step's kind, says which details (KindDetailsKey()) it may carry.
RunStep RecordFromEvent(const Json& event, const std::string& uses);

/// The steps an earlier part of run `run` finished, from its journal's
/// `events`: the last step_ended of each step that succeeded and whose
/// output files are there. What the journal says is checked as input: a
/// declared output file's value is its declared path, whatever the journal
/// says; another output naming a path must be inside the workspace. Returns
/// false with `error` naming the journal's line and the field.
bool RestoredSteps(const RunState& state, const RunFolder& run, const std::vector<Json>& events,
                   std::map<int, RunStep>* out, std::string* error);

/// The records of the steps `selection` reuses, taken from `run`, each
/// with reused_from set (to the run the step really ran in). Fails, with
/// `error` naming the step, when one of them did not succeed in that run,
/// a declared output of it is gone or not recorded, or its definition
/// changed since (`definitions`: the current hash of each step, by index).
bool ReuseSteps(const RunState& state, const Selection& selection, const RecordedRun& run,
                const std::vector<std::string>& definitions, std::map<int, RunStep>* out,
                std::string* error);

/// What `tame show` prints of a report.json: a row per step (id, status,
/// attempts, duration, note), their tally, and the first failed step whose
/// log to show ("" when none, or when its id is not a valid step id). The
/// report is read back from a run folder: any shape is accepted.
struct ReportSummary {
  std::vector<std::vector<std::string>> rows;
  std::vector<StepTally> tally;
  std::string failed;
};
ReportSummary SummariseReport(const Json& report);

}  // namespace tame

#endif  // TAME_RUNNER_RUN_HISTORY_H_
