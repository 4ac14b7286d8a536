// The scheduler: which step may start next, as a state machine with no
// processes and no clock. The runner drives it in ninja's two-phase loop
// (start steps while a slot is free and NextReady() has one, then wait for
// one to finish and call Finish()); tests drive it with a fake executor.
//
// Conditions, as a step's `if` says:
//   success (default): runs when every step it needs succeeded (a failure
//                      under continue_on_error counts as success); else skipped.
//   failure:           runs when a step upstream of it failed; else skipped.
//   always:            runs once every step it needs has ended, whatever the
//                      outcome, even after Cancel().
#ifndef TAME_CORE_SCHEDULER_H_
#define TAME_CORE_SCHEDULER_H_

#include <queue>
#include <string>
#include <vector>

#include "core/graph.h"
#include "core/pipeline.h"

namespace tame {

enum class StepStatus {
  kWaiting,  // for steps it needs
  kReady,    // may start
  kRunning,
  kSucceeded,
  kFailed,
  kSkipped,    // its condition did not hold
  kCancelled,  // the run was cancelled before or while it ran
};

/// "waiting", "ready", "running", "succeeded", "failed", "skipped", "cancelled".
const char* StepStatusName(StepStatus status);

enum class Outcome { kSucceeded, kFailed, kCancelled };

class Scheduler {
 public:
  /// `graph` is BuildGraph(pipeline) and must be acyclic.
  Scheduler(const Pipeline& pipeline, const Graph& graph);

  /// Takes the ready step that should start next and marks it running, or
  /// returns -1 when none is ready. Steps with the longest chain of steps
  /// after them go first (the critical path), then file order.
  int NextReady();

  /// Records how a running step ended and readies or skips what follows.
  void Finish(int step, Outcome outcome);

  /// Cancels the run: no new step starts but `always` steps.
  void Cancel();

  bool Done() const { return ended_ == status_.size(); }
  int running() const { return running_; }
  bool cancelled() const { return cancelled_; }
  /// True when a step failed and continue_on_error did not excuse it.
  bool failed() const { return failed_; }
  StepStatus status(int step) const { return status_[step]; }

 private:
  enum class Condition { kSuccess, kFailure, kAlways };

  void End(int step, StepStatus status);
  void Decide(int step);
  void Enqueue(int step);
  bool CountsAsSuccess(int step) const;

  const Graph& graph_;
  std::vector<Condition> condition_;
  std::vector<bool> continue_on_error_;
  std::vector<StepStatus> status_;
  std::vector<int> waiting_for_;                    // needs not yet ended
  std::vector<bool> failure_upstream_;              // a step before this one failed
  std::vector<int> priority_;                       // longest chain of dependents
  std::priority_queue<std::pair<int, int>> ready_;  // (priority, -index)
  std::vector<int> pending_;                        // ended steps whose dependents to update
  bool propagating_ = false;
  size_t ended_ = 0;
  int running_ = 0;
  bool cancelled_ = false;
  bool failed_ = false;
};

}  // namespace tame

#endif  // TAME_CORE_SCHEDULER_H_
