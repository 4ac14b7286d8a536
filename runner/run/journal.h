// The run's journal: .tame/runs/<id>/journal.jsonl, one JSON event per
// line, appended. Events are written through with write(2) (no fsync) as
// soon as the scheduling turn that made them is over: before tame starts a
// process, before it waits for anything, and at the end. The events of one
// turn (a hundred cached steps ending at once) go in one write. A run killed
// with SIGKILL keeps every event of every finished turn, which is all that
// `tame resume` needs: an event lost with the turn it was made in is about
// a step whose effect is redone on resume.
//
// Events, each with "event" and "time":
//   run_started   run, pipeline, hash, file, workspace, params, jobs, cache,
//                 secrets_file, junit, definitions (step id -> definition hash)
//   reuse         run, from or only, reused: a partial run (--from, --only),
//                 the run it reuses steps from and which
//   run_resumed   run
//   step_started  step, attempt
//   attempt_ended step, attempt, status, exit_code, retry, delay_ms, error
//   step_ended    step, status, attempts, exit_code, duration_ms, outputs,
//                 cached, restored, reused_from, error, gate, approvals;
//                 status "not run" for a step a partial run left out
//   run_ended     status, duration_ms
#ifndef TAME_RUNNER_RUN_JOURNAL_H_
#define TAME_RUNNER_RUN_JOURNAL_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/masker.h"
#include "core/pipeline.h"

namespace tame {

class JournalWriter {
 public:
  JournalWriter() = default;
  ~JournalWriter();
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;

  /// Opens `path` for appending, creating it. `mask` must outlive the
  /// writer. Returns false with `error` set.
  bool Open(const std::string& path, const MaskPatterns* mask, std::string* error);

  /// Appends `event` with its "time", masked, as one line; it is written
  /// at the next Flush().
  void Append(Json event);

  /// Writes out the events appended since the last Flush().
  void Flush();

 private:
  int fd_ = -1;
  std::string pending_;
  const MaskPatterns* mask_ = nullptr;
};

struct JournalContents {
  std::vector<Json> events;
  /// Set when the last line was cut short (tame was killed while writing
  /// it): it is left out, and the file is valid up to `valid_bytes`.
  std::string warning;
  off_t valid_bytes = 0;
};

/// Reads the journal at `path`. Returns false with `error` set, naming the
/// line ("journal.jsonl: line 7: not a JSON object"), when a line other than
/// an unfinished last one does not parse, when the file is empty, or when
/// it does not start with run_started.
bool ReadJournal(const std::string& path, JournalContents* out, std::string* error);

/// ReadJournal() on a journal's text, already read.
bool ParseJournal(const std::string& text, JournalContents* out, std::string* error);

}  // namespace tame

#endif  // TAME_RUNNER_RUN_JOURNAL_H_
