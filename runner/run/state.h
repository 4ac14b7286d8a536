// What one run knows: its pipeline, where it lives, its inputs and what
// became of each step. Filled by `tame run` or `tame resume` (cli_run.cc),
// updated by the session as steps run, read by the report writers.
#ifndef TAME_RUNNER_RUN_STATE_H_
#define TAME_RUNNER_RUN_STATE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/graph.h"
#include "core/masker.h"
#include "core/pipeline.h"
#include "core/scheduler.h"

namespace tame {

/// What became of one step in a run (core's DocumentStep, in
/// document_edit.h, is a step of a pipeline being edited).
struct RunStep {
  std::optional<StepStatus> status;  // once the step ended
  int attempts = 0;                  // attempts that ran
  int exit_code = -1;                // of the last attempt; -1 when none, or killed by a signal
  std::string started_at;            // UTC time the first attempt started
  int64_t first_start_ms = -1;       // steady clock
  int64_t duration_ms = 0;           // from the first attempt's start to the step's end
  std::map<std::string, std::string> outputs;  // values; a file output's value is its path
  bool cached = false;                         // skipped: the cache had it
  bool restored = false;      // skipped: an earlier part of this run (resume) had it
  bool has_log = false;       // logs/<step>.log was written
  std::string error;          // why the last attempt failed, one line
  bool waiting = false;       // an approval step that waits for sign-off
  std::string reused_from;    // not run: its record comes from this run (--from, --only)
  bool not_selected = false;  // not run: a partial run left it out
  /// What the step's process reported through $TAME_DETAILS (already
  /// masked), under its kind's key (KindDetailsKey()): {"gate": table} of
  /// metrics.gate, {"approvals": trail} of approval; null when none.
  Json details;
};

/// Where a partial run (--from, --only) takes the steps it does not run.
struct ReuseSource {
  std::string run_id;              // the earlier run
  std::string mode;                // "from" or "only"
  std::vector<std::string> steps;  // the step ids given with it
};

struct RunState {
  Pipeline pipeline;
  Graph graph;
  std::string pipeline_file;             // absolute
  std::string pipeline_hash;             // SHA-256 of the canonical text
  std::vector<std::string> definitions;  // per step, its StepDefinitionHash()
  std::string run_id;
  std::string workspace;        // absolute; steps run here
  std::string run_dir;          // absolute: <workspace>/.tame/runs/<run_id>
  std::string run_dir_display;  // as shown to people: .tame/runs/<run_id>
  std::string outputs_dir;  // private, outside the run folder: $TAME_OUTPUT files may hold secrets
  std::map<std::string, Json> params;
  std::map<std::string, std::string> secrets;  // values; never written anywhere
  std::string secrets_file;
  std::unique_ptr<MaskPatterns> mask;
  int jobs = 1;
  bool use_cache = true;
  int64_t kill_grace_ms = 10000;    // TERM, then KILL after this long
  int64_t cancel_grace_ms = 30000;  // after Ctrl-C, how long `always` steps may take
  std::vector<RunStep> records;
  ReuseSource reuse;  // run_id empty: a whole run
  std::string started_at;
  int64_t started_ms = 0;
  std::string status;  // running, then succeeded, failed or interrupted
  int64_t duration_ms = 0;
};

}  // namespace tame

#endif  // TAME_RUNNER_RUN_STATE_H_
