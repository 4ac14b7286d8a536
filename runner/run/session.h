// A run in progress: core's StepExecutor and RunObserver for real
// processes. It starts shell steps (Boost.Process, see process.h), reads
// their output through the secret masker into the step logs and the
// console, ends process trees on timeout and cancel, collects outputs,
// consults and fills the cache, and writes every event to the journal.
//
// Everything happens on one thread: Wait() is a poll(2) loop over the
// steps' output pipes and the signal pipe (SIGCHLD, SIGINT, SIGTERM).
#ifndef TAME_RUNNER_RUN_SESSION_H_
#define TAME_RUNNER_RUN_SESSION_H_

#include <sys/types.h>

#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/run_loop.h"
#include "runner/run/cache.h"
#include "runner/run/console.h"
#include "runner/run/journal.h"
#include "runner/run/process.h"
#include "runner/run/state.h"

namespace tame {

class SteadyClock : public Clock {
 public:
  int64_t NowMs() override;
};

class Session : public StepExecutor, public RunObserver {
 public:
  /// `restored`: steps an earlier part of this run finished (resume), with
  /// their records; they are not run again.
  Session(RunState* state, JournalWriter* journal, Console* console,
          std::map<int, RunStep> restored);
  ~Session() override;

  // StepExecutor.
  bool Start(int step, int attempt, AttemptEnd* end) override;
  void Stop(int step, StopReason reason) override;
  WaitResult Wait(int64_t deadline_ms, AttemptEnd* end) override;

  // RunObserver.
  void AttemptStarted(int step, int attempt) override;
  void AttemptEnded(int step, int attempt, const AttemptEnd& end, bool will_retry,
                    int64_t delay_ms) override;
  void StepEnded(int step, StepStatus status, int attempts) override;
  void Interrupted(bool hard) override;

  /// Steps a partial run leaves out (SelectSteps' Excluded): they do not
  /// run and are reported "not run". Call before the run loop.
  void SetNotSelected(std::vector<bool> not_selected) { not_selected_ = std::move(not_selected); }

  /// Tidies the cache once the run is over (see Cache::Compact).
  void CompactCache() { cache_.Compact(); }

 private:
  struct Attempt;

  std::string ReferenceText(const Reference& ref) const;
  bool StartShell(int step, int attempt, AttemptEnd* end);
  bool StartKind(int step, int attempt, AttemptEnd* end);
  int Script(const std::string& step, const std::string& text, std::string* error);
  bool TryCache(int step, AttemptEnd* end);
  bool FailAtStart(int step, const std::string& error, bool retryable, AttemptEnd* end);
  std::vector<std::string> StepEnvironment(int step, int attempt,
                                           const std::map<std::string, std::string>& vars) const;
  void HandleSignals();
  void ReadOutput(Attempt* a, bool drain);
  void ReleaseHeldLines(int64_t now);
  void EmitLines(Attempt* a, const std::string& masked, bool final);
  void ProcessEnded(Attempt* a);
  void CheckStopping(Attempt* a, int64_t now);
  void Complete(Attempt* a);
  void CollectOutputs(Attempt* a, AttemptEnd* end);
  void WriteLog(Attempt* a, const std::string& text);
  int OpenLog(int step);
  void AppendToLog(int step, const std::string& text);
  int64_t NextTimer() const;
  void ReadDetails(Attempt* a);
  void KeepReport(int64_t now);
  void WriteReportNow(int64_t now);

  RunState* state_;
  JournalWriter* journal_;
  Console* console_;
  std::map<int, RunStep> restored_;
  std::set<int> log_refused_;  // steps whose log could not be opened: said once
  Cache cache_;
  std::vector<std::string> base_env_;                // tame's environment, minus secrets and TAME_*
  std::map<int, std::unique_ptr<Attempt>> running_;  // by step
  std::map<pid_t, int> leaders_;                     // first process -> step
  std::map<int, CacheEntry> pending_cache_;          // keys of steps that will store
  std::deque<AttemptEnd> completed_;
  std::map<std::string, int> scripts_;  // script text -> its memfd
  bool interrupt_pending_ = false;
  std::vector<bool> not_selected_;
  // report.json while the run goes on (see KeepReport).
  int64_t report_written_ms_ = 0;
  bool report_dirty_ = true;
  bool report_warned_ = false;
  int waiting_steps_ = 0;  // approval steps waiting for sign-off
  int64_t next_details_check_ms_ = 0;
};

}  // namespace tame

#endif  // TAME_RUNNER_RUN_SESSION_H_
