// Reading a run's report.json, the record `tame run` leaves in
// .tame/runs/<run>/, so that the designer can show a run on the pipeline it
// ran: each step's status, attempts, duration, outputs, gate rows and
// approvals, and which steps of the run and of the pipeline line up.
//
// The reader is lenient where the format may grow and strict where a value
// is misread: unknown keys are ignored and an unknown step status is kept
// as text, but a known key holding the wrong type of value is an error
// placed by JSON pointer, as the pipeline loader places its own.
//
// Sections: the report; reading it; matching it to a pipeline.
#ifndef TAME_CORE_RUN_REPORT_H_
#define TAME_CORE_RUN_REPORT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/analysis.h"
#include "core/diagnostic.h"
#include "core/json_parse.h"
#include "core/pipeline.h"

namespace tame {

// ---- The report ------------------------------------------------------------

/// The report versions this reader understands.
inline constexpr int kRunReportVersion = 1;

enum class StepRunStatus {
  kSucceeded,
  kFailed,
  kSkipped,
  kCached,
  kCancelled,
  kWaiting,  // for an approval
  kRunning,
  kNotRun,
  kUnknown,  // a status this reader does not know; see StepRun::status_text
};

/// "succeeded", "failed", ... "not run", as report.json writes them;
/// "unknown" for kUnknown.
const char* StepRunStatusName(StepRunStatus status);

/// Reads a status as report.json writes it; kUnknown for any other text.
StepRunStatus ParseStepRunStatus(std::string_view text);

/// One rule of a metrics gate: the numbers as text in the gate's own form
/// ("" when the report has none, such as a value missing from the file).
struct GateRowRun {
  std::string metric;
  std::string op;
  std::string threshold;
  std::string value;
  std::string baseline;
  bool pass = false;
};

struct GateRun {
  std::string file;
  std::vector<GateRowRun> rows;
};

/// One sign-off statement an approval step received.
struct ApprovalRun {
  std::string who;
  std::string at;
  std::string decision;  // "approve" or "reject", as written
  std::string comment;
  bool accepted = false;
  std::string reason;                  // why it was not accepted
  std::string key_fingerprint;         // "SHA256:..."; empty when the signature did not verify
  std::string allowed_signers_sha256;  // of the file the step checked it against
};

struct StepRun {
  std::string id;
  std::string name;
  std::string uses;
  StepRunStatus status = StepRunStatus::kNotRun;
  std::string status_text;  // as written, also when kUnknown
  int attempts = 0;
  int64_t duration_ms = 0;
  std::optional<int> exit_code;
  /// Output values in the report's order; values that are not strings are
  /// given as JSON text.
  std::vector<std::pair<std::string, std::string>> outputs;
  std::string log;  // the log's path relative to the report, or ""
  std::string error;
  bool cached = false;
  std::string reused_from;  // the run a cached result came from
  std::optional<GateRun> gate;
  std::vector<ApprovalRun> approvals;
  /// A k8s.deploy release's analysis, every measurement in the order taken.
  std::vector<Measurement> analysis;
};

struct RunReport {
  int version = kRunReportVersion;
  std::string run;
  std::string pipeline;       // the pipeline's name
  std::string pipeline_hash;  // SHA-256 of its canonical text
  // The pipeline it ran as JSON text ("pipeline_source"), for a report
  // opened without its pipeline file; empty when the report has none.
  std::string pipeline_source;
  std::string status;  // succeeded, failed, interrupted, running
  std::string started_at;
  int64_t duration_ms = 0;
  std::vector<StepRun> steps;

  /// The index of the step with `id` in `steps`, or -1.
  int IndexOf(const std::string& id) const;
};

// ---- Reading it ------------------------------------------------------------

struct RunReportResult {
  std::optional<RunReport> report;  // set exactly when `errors` is empty
  Diagnostics errors;
};

/// Parses report.json text. Fails with every problem found, placed by JSON
/// pointer: text that is not JSON, or is too large or deep for `limits`; a
/// document that is not a report (no "run", no "steps"); a version newer
/// than kRunReportVersion; a known key holding the wrong type; a step
/// without an id or with an id used twice. Never throws.
RunReportResult ReadRunReport(std::string_view text, const ParseLimits& limits = {});

// ---- Matching it to a pipeline ---------------------------------------------

/// How a run's steps line up with a pipeline's, by step id.
struct RunMatch {
  /// For each pipeline step: the index of the run's step with its id, or -1
  /// when the run has no such step.
  std::vector<int> run_step;
  /// Indices of the run's steps that the pipeline has no step for.
  std::vector<int> run_only;
};

/// Lines up `report`'s steps with `pipeline`'s by id.
RunMatch MatchRun(const Pipeline& pipeline, const RunReport& report);

/// Whether `hash` is the SHA-256 of `pipeline`'s canonical text, as `tame
/// run` writes it into a report, either with the pipeline's layout or
/// without it: a file written by hand has none until the designer places
/// its steps, and where nodes sit does not change what runs.
bool PipelineHashMatches(const Pipeline& pipeline, const std::string& hash);

}  // namespace tame

#endif  // TAME_CORE_RUN_REPORT_H_
