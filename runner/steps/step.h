// Step kinds other than `shell` run as a process of their own, tame itself
// started as `tame __step KIND` by the run session. So every kind gets what
// shell steps get, with no code of its own: its own process group, output
// through the secret masker into its log and the console, timeouts and
// cancel that end the whole tree, retries, and the journal.
//
// The contract between the session and a step process:
//   argv          tame __step KIND
//   TAME_PARAMS   the step's params as a JSON object: every param of the
//                 kind, with catalog defaults filled in and `${{ }}`
//                 references already replaced by their values (secrets too:
//                 the masker hides them in what the process prints)
//   TAME_OUTPUT   a file to append NAME=value lines to, one per output
//   TAME_DETAILS  a file to (re)write, atomically, with a JSON object of
//                 structured results for the run's report: "gate" (the
//                 metrics.gate table) or "approvals" (the sign-off trail).
//                 The session reads it when the step ends, and while an
//                 approval step waits. Never secrets: it is for the report.
//   TAME_RUN_ID, TAME_STEP, TAME_WORKSPACE, TAME_RUN_DIR
//   cwd           the workspace
//   stdout/err    the step's log; write progress lines there
//   exit status   0 succeeded, 1 failed (may be retried), 3 failed and
//                 another attempt cannot help (bad params, refused sign-off)
#ifndef TAME_RUNNER_STEPS_STEP_H_
#define TAME_RUNNER_STEPS_STEP_H_

#include <string>

#include "core/pipeline.h"

namespace tame {

constexpr int kStepSucceeded = 0;
constexpr int kStepFailed = 1;
constexpr int kStepFailedFinal = 3;

/// What a step kind's code is given.
struct StepContext {
  std::string kind;  // "docker.build"
  std::string step;  // the step's id
  std::string run_id;
  std::string workspace;  // absolute
  std::string run_dir;    // absolute: .tame/runs/<run-id>
  Json params = Json::object();

  /// The param `name` as a string ("" when absent or not a string).
  std::string String(const std::string& name) const;
  /// The param `name` as an integer (`fallback` when absent or not one).
  int64_t Integer(const std::string& name, int64_t fallback) const;
  bool Boolean(const std::string& name, bool fallback) const;
  /// A duration param in milliseconds (`fallback` when absent or bad).
  int64_t DurationMs(const std::string& name, int64_t fallback) const;
  /// `path` made absolute against the workspace.
  std::string InWorkspace(const std::string& path) const;

  /// Publishes an output: appends NAME=value to $TAME_OUTPUT. A value with
  /// a line break is refused (returns false).
  bool Output(const std::string& name, const std::string& value) const;

  /// Hands structured results to the report: replaces $TAME_DETAILS with
  /// `details` (see above). Returns false when there is no such file (the
  /// step runs outside `tame run`) or it cannot be written.
  bool Details(const Json& details) const;

  std::string output_file;   // $TAME_OUTPUT
  std::string details_file;  // $TAME_DETAILS
};

/// A step kind's code: runs the step, prints its progress, returns one of
/// the exit statuses above.
using StepFunction = int (*)(const StepContext& context);

/// The code of `kind`, or nullptr when it runs otherwise (shell) or is
/// not implemented in this build.
StepFunction FindStepFunction(const std::string& kind);

/// `tame __step KIND`: reads the contract from the environment and runs
/// the kind. Returns the process's exit status.
int RunStepProcess(int argc, char** argv);

}  // namespace tame

#endif  // TAME_RUNNER_STEPS_STEP_H_
