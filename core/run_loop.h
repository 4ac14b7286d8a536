// The run loop: ninja's two-phase loop over the Scheduler, with retries,
// timeouts and cancellation, and no processes, files or clocks of its own.
//
//   Clock, StepExecutor, RunObserver   what the loop needs from the world
//   RetryPolicy and its functions      when and how soon a step is retried
//   RunLoop()                          the loop itself
//
// The runner gives it an executor that starts processes and a steady clock;
// tests give it fakes that record what they were asked. One place decides
// what runs next (the Scheduler), one place decides when an attempt is
// retried, timed out or cancelled (this loop).
#ifndef TAME_CORE_RUN_LOOP_H_
#define TAME_CORE_RUN_LOOP_H_

#include <cstdint>
#include <vector>

#include "core/graph.h"
#include "core/pipeline.h"
#include "core/scheduler.h"

namespace tame {

/// A monotonic clock in milliseconds.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMs() = 0;
};

enum class AttemptStatus { kSucceeded, kFailed, kTimedOut, kCancelled };

/// "succeeded", "failed", "timed out", "cancelled".
const char* AttemptStatusName(AttemptStatus status);

/// How one attempt of a step ended.
struct AttemptEnd {
  int step = -1;
  AttemptStatus status = AttemptStatus::kFailed;
  int exit_code = -1;     // -1: killed by a signal, or no process ran
  bool retryable = true;  // false when another attempt cannot help
  bool reused = false;    // ended without running: a cache hit, or restored on resume
};

/// Why the loop stops a running attempt.
enum class StopReason { kTimeout, kCancel };

/// Starts, stops and waits for step attempts. The runner's executor runs
/// processes; tests use a fake.
class StepExecutor {
 public:
  virtual ~StepExecutor() = default;

  /// Starts attempt `attempt` (1-based) of `step`. Returns true when it
  /// runs and will end through Wait(); false when it ended at once (a cache
  /// hit, a step restored by resume, a step that could not start), with
  /// `end` saying how.
  virtual bool Start(int step, int attempt, AttemptEnd* end) = 0;

  /// Asks a running attempt to stop; its end still comes through Wait().
  virtual void Stop(int step, StopReason reason) = 0;

  enum class WaitResult { kEnded, kDeadline, kInterrupted };

  /// Blocks until an attempt ends (kEnded, with `end` set), the clock
  /// reaches `deadline_ms` (kDeadline; a negative deadline never comes), or
  /// the user interrupts the run (kInterrupted), whichever is first.
  virtual WaitResult Wait(int64_t deadline_ms, AttemptEnd* end) = 0;
};

/// Hears what the loop does, for journals and displays. Every method has
/// an empty default.
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  /// An attempt started running (not called for attempts that ended at once).
  virtual void AttemptStarted(int /*step*/, int /*attempt*/) {}
  /// An attempt ended; when `will_retry`, the next starts after `delay_ms`.
  virtual void AttemptEnded(int /*step*/, int /*attempt*/, const AttemptEnd& /*end*/,
                            bool /*will_retry*/, int64_t /*delay_ms*/) {}
  /// A step reached its final status; once per step. `attempts` is 0 for a
  /// step that did not run (skipped, cancelled, reused).
  virtual void StepEnded(int /*step*/, StepStatus /*status*/, int /*attempts*/) {}
  /// The user interrupted the run: the first time (`hard` false) running
  /// steps are cancelled and `always` steps still run; the second time, or
  /// when the grace period is over, everything is stopped.
  virtual void Interrupted(bool /*hard*/) {}
};

/// The longest wait between attempts; a longer explicit backoff is kept.
constexpr int64_t kRetryDelayCapMs = 10 * 60 * 1000;
constexpr int64_t kDefaultBackoffMs = 1000;
constexpr double kDefaultBackoffFactor = 2;

struct RetryPolicy {
  int max_retries = 0;  // attempts after the first
  int64_t backoff_ms = kDefaultBackoffMs;
  double factor = kDefaultBackoffFactor;
  int64_t cap_ms = kRetryDelayCapMs;
  std::vector<int> on_exit_codes;  // empty: any failure is retried
};

/// The retry policy of `step`: its `retries`, with defaults for what it
/// leaves out. A backoff that does not parse counts as the default
/// (Validate() reports it).
RetryPolicy RetryPolicyOf(const Step& step);

/// The wait before attempt `next_attempt` (2 or more): backoff times
/// factor^(next_attempt - 2), at most the cap (or the backoff, if larger).
int64_t RetryDelayMs(const RetryPolicy& policy, int next_attempt);

/// True when attempt `attempt`, which ended as `end`, is followed by
/// another: it failed or timed out, it is retryable, attempts remain, and
/// on_exit_codes (when given) lists its exit code. A timed-out attempt has
/// no exit code, so it is retried only when on_exit_codes is empty.
bool ShouldRetry(const RetryPolicy& policy, int attempt, const AttemptEnd& end);

/// The timeout of one attempt of `step` in milliseconds, 0 for none.
int64_t TimeoutMsOf(const Step& step);

struct RunLoopOptions {
  int jobs = 1;                     // attempts running at once (at least 1)
  int64_t cancel_grace_ms = 30000;  // after an interrupt, time left for `always` steps
};

struct RunResult {
  std::vector<StepStatus> status;  // final status of each step
  std::vector<int> attempts;       // attempts each step ran (0: none)
  bool failed = false;             // a step failed and continue_on_error did not excuse it
  bool interrupted = false;        // the user interrupted the run
};

/// Runs the pipeline to its end. Structure: while the scheduler is not
/// done, (1) start attempts while a slot is free, retries that are due
/// first, then ready steps; (2) wait for one attempt to end, an attempt's
/// timeout, a retry to come due or the end of the cancel grace period, and
/// act on it. `graph` is BuildGraph(pipeline) and must be acyclic;
/// `observer` may be null.
RunResult RunLoop(const Pipeline& pipeline, const Graph& graph, StepExecutor* executor,
                  Clock* clock, RunObserver* observer, const RunLoopOptions& options);

}  // namespace tame

#endif  // TAME_CORE_RUN_LOOP_H_
