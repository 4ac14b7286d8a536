// The run's report.json and, on request, a JUnit XML file: what became of
// each step, masked, each written atomically.
#ifndef TAME_RUNNER_RUN_REPORT_H_
#define TAME_RUNNER_RUN_REPORT_H_

#include <string>
#include <vector>

#include "runner/run/state.h"

namespace tame {

/// The version of report.json's shape, schemas/report.schema.json.
constexpr int kReportVersion = 1;

/// A step's status as the report gives it: "succeeded", "failed",
/// "skipped", "cached", "cancelled", "waiting" (an approval step waiting
/// for sign-off), "running" or "not run".
const char* ReportStatus(const RunStep& record);

/// The text of report.json (masked), in the shape of
/// schemas/report.schema.json: version, run, pipeline and its hash, status
/// ("running" until the run ends), duration, params, and per step its
/// status, attempts, exit code, duration, outputs, cached/restored/
/// reused_from, error, and a gate table or approval trail. Written directly
/// rather than through a JSON tree: for a thousand steps the tree cost more
/// than the rest of a cached run.
std::string ReportText(const RunState& state);

/// A step as the run's summary line counts it.
struct StepTally {
  std::string status;  // as ReportStatus() gives it
  bool restored = false;
  bool reused = false;
};

/// The steps of `state` for CountSteps().
std::vector<StepTally> TallySteps(const RunState& state);

/// "5 steps: 3 succeeded (1 cached, 1 reused), 1 failed, 1 not run".
std::string CountSteps(const std::vector<StepTally>& steps);

/// The last `count` lines of the file at `path`; empty when it cannot be read.
std::vector<std::string> LogTailOf(const std::string& path, size_t count);

/// JUnit XML (masked): one testsuite for the pipeline, one testcase per
/// step (a failed step carries the last lines of its log), and one per
/// metrics.gate rule, classname "<pipeline>.<step>", name "<metric> <op>
/// <threshold>", with a failure when the rule did not hold.
std::string BuildJunit(const RunState& state);

/// The last `count` lines of step `step`'s log (already masked when written).
std::vector<std::string> LogTail(const RunState& state, int step, size_t count);

/// Replaces report.json in the run folder (rename, no fsync). Returns false
/// with `error` set.
bool WriteReport(const RunState& state, std::string* error);

/// Writes report.json into the run folder, and `junit_path` when not empty.
/// Returns false with `error` set.
bool WriteReports(const RunState& state, const std::string& junit_path, std::string* error);

}  // namespace tame

#endif  // TAME_RUNNER_RUN_REPORT_H_
