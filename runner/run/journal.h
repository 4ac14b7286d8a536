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

#include <map>
#include <string>
#include <vector>

#include "core/masker.h"
#include "core/pipeline.h"

namespace tame {

/// An event made without a JSON tree, for the events a run writes once per
/// step: Append() writes for it what it writes for the same event as Json,
/// byte for byte. A member set twice keeps its last value.
class EventText {
 public:
  /// `mask` must outlive the event.
  explicit EventText(const MaskPatterns* mask) : mask_(mask) {}

  void String(const std::string& key, const std::string& value);
  void Int(const std::string& key, int64_t value);
  void Bool(const std::string& key, bool value);
  /// An object of strings.
  void Strings(const std::string& key, const std::map<std::string, std::string>& values);
  /// An array of strings.
  void List(const std::string& key, const std::vector<std::string>& values);
  /// Any JSON value.
  void Value(const std::string& key, const Json& value);

 private:
  friend class JournalWriter;
  std::string Quote(const std::string& text) const;
  void Set(const std::string& key, std::string json);
  void AppendLine(std::string* out) const;

  const MaskPatterns* mask_;
  // Key and the value's JSON text, masked; a handful, so a vector is the
  // cheapest map.
  std::vector<std::pair<std::string, std::string>> members_;
};

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
  /// The same for an event made as text.
  void Append(EventText event);

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
