// The run's report.json and, on request, a JUnit XML file: what became of
// each step, masked, each written atomically.
#ifndef TAME_RUNNER_RUN_REPORT_H_
#define TAME_RUNNER_RUN_REPORT_H_

#include <string>
#include <vector>

#include "runner/run/state.h"

namespace tame {

/// The text of report.json (masked): run, pipeline and its hash, status,
/// duration, params, and per step its status, attempts, exit code,
/// duration, outputs, cached/restored and error. Written directly rather
/// than through a JSON tree: for a thousand steps the tree cost more than
/// the rest of a cached run.
std::string ReportText(const RunState& state);

/// JUnit XML (masked): one testsuite for the pipeline, one testcase per
/// step; a failed step carries the last lines of its log.
std::string BuildJunit(const RunState& state);

/// The last `count` lines of step `step`'s log (already masked when written).
std::vector<std::string> LogTail(const RunState& state, int step, size_t count);

/// Writes report.json into the run folder, and `junit_path` when not empty.
/// Returns false with `error` set.
bool WriteReports(const RunState& state, const std::string& junit_path, std::string* error);

}  // namespace tame

#endif  // TAME_RUNNER_RUN_REPORT_H_
