#include "core/run_loop.h"

#include <algorithm>
#include <cmath>

#include "core/duration.h"

namespace tame {

const char* AttemptStatusName(AttemptStatus status) {
  switch (status) {
    case AttemptStatus::kSucceeded:
      return "succeeded";
    case AttemptStatus::kFailed:
      return "failed";
    case AttemptStatus::kTimedOut:
      return "timed out";
    case AttemptStatus::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

RetryPolicy RetryPolicyOf(const Step& step) {
  RetryPolicy policy;
  if (!step.retries) return policy;
  policy.max_retries = std::max(0, step.retries->max);
  int64_t ms = 0;
  std::string error;
  if (!step.retries->backoff.empty() && ParseDuration(step.retries->backoff, &ms, &error)) {
    policy.backoff_ms = ms;
  }
  if (step.retries->factor && *step.retries->factor >= 1) policy.factor = *step.retries->factor;
  policy.on_exit_codes = step.retries->on_exit_codes;
  return policy;
}

int64_t RetryDelayMs(const RetryPolicy& policy, int next_attempt) {
  int64_t cap = std::max(policy.cap_ms, policy.backoff_ms);
  double delay = static_cast<double>(policy.backoff_ms) *
                 std::pow(policy.factor, std::max(0, next_attempt - 2));
  if (!(delay < static_cast<double>(cap))) return cap;  // also for inf and nan
  return static_cast<int64_t>(delay);
}

bool ShouldRetry(const RetryPolicy& policy, int attempt, const AttemptEnd& end) {
  if (end.status != AttemptStatus::kFailed && end.status != AttemptStatus::kTimedOut) {
    return false;
  }
  if (!end.retryable || attempt > policy.max_retries) return false;
  if (policy.on_exit_codes.empty()) return true;
  if (end.status == AttemptStatus::kTimedOut || end.exit_code < 0) return false;
  return std::find(policy.on_exit_codes.begin(), policy.on_exit_codes.end(), end.exit_code) !=
         policy.on_exit_codes.end();
}

int64_t TimeoutMsOf(const Step& step) {
  int64_t ms = 0;
  std::string error;
  if (step.timeout.empty() || !ParseDuration(step.timeout, &ms, &error)) return 0;
  return ms;
}

namespace {

constexpr int64_t kNever = -1;

int64_t Earliest(int64_t a, int64_t b) {
  if (a == kNever) return b;
  if (b == kNever) return a;
  return std::min(a, b);
}

class Loop {
 public:
  Loop(const Pipeline& pipeline, const Graph& graph, StepExecutor* executor, Clock* clock,
       RunObserver* observer, const RunLoopOptions& options)
      : pipeline_(pipeline),
        graph_(graph),
        executor_(executor),
        clock_(clock),
        observer_(observer != nullptr ? observer : &silent_),
        jobs_(std::max(1, options.jobs)),
        cancel_grace_ms_(options.cancel_grace_ms),
        scheduler_(pipeline, graph) {
    const size_t n = pipeline.steps.size();
    attempts_.assign(n, 0);
    running_.assign(n, Running());
    reported_.assign(n, false);
    policy_.reserve(n);
    timeout_ms_.reserve(n);
    for (const Step& step : pipeline.steps) {
      policy_.push_back(RetryPolicyOf(step));
      timeout_ms_.push_back(TimeoutMsOf(step));
    }
  }

  RunResult Run() {
    ReportEndedSteps();  // `if: failure` steps with no needs are skipped at once
    while (!scheduler_.Done()) {
      StartWhatCan();
      if (scheduler_.Done()) break;
      if (active_ == 0 && retries_.empty()) break;  // nothing can move: a bug upstream
      WaitForOne();
    }
    RunResult result;
    result.status.reserve(pipeline_.steps.size());
    for (size_t i = 0; i < pipeline_.steps.size(); ++i) {
      result.status.push_back(scheduler_.status(static_cast<int>(i)));
    }
    ReportEndedSteps();
    result.attempts = attempts_;
    result.failed = scheduler_.failed();
    result.interrupted = phase_ != Phase::kNormal;
    return result;
  }

 private:
  enum class Phase { kNormal, kCancelling, kStopped };

  struct Running {
    bool active = false;
    int attempt = 0;
    int64_t deadline = kNever;  // when the attempt times out
    bool timed_out = false;     // Stop(kTimeout) was sent
    bool cancelled = false;     // Stop(kCancel) was sent
  };

  struct Retry {
    int64_t due;
    int step;
    int attempt;
  };

  bool IsAlways(int step) const { return pipeline_.steps[step].if_condition == "always"; }

  // Phase 1: retries that are due, then ready steps, while slots are free.
  void StartWhatCan() {
    int64_t now = clock_->NowMs();
    for (size_t i = 0; i < retries_.size() && active_ < jobs_;) {
      if (retries_[i].due > now) {
        ++i;
        continue;
      }
      Retry retry = retries_[i];
      retries_.erase(retries_.begin() + static_cast<long>(i));
      StartAttempt(retry.step, retry.attempt);
    }
    while (active_ < jobs_) {
      int step = scheduler_.NextReady();
      if (step < 0) break;
      if (phase_ == Phase::kStopped) {
        Finish(step, Outcome::kCancelled);
        continue;
      }
      StartAttempt(step, 1);
    }
  }

  void StartAttempt(int step, int attempt) {
    attempts_[step] = attempt;
    AttemptEnd end;
    end.step = step;
    if (!executor_->Start(step, attempt, &end)) {
      end.step = step;
      if (end.reused) attempts_[step] = 0;
      Ended(end);
      return;
    }
    Running& r = running_[step];
    r = Running();
    r.active = true;
    r.attempt = attempt;
    if (timeout_ms_[step] > 0) r.deadline = clock_->NowMs() + timeout_ms_[step];
    ++active_;
    active_list_.push_back(step);
    observer_->AttemptStarted(step, attempt);
  }

  // Phase 2: wait for the first of an attempt's end, a timeout, a retry
  // coming due (when a slot is free for it) and the end of the grace period.
  void WaitForOne() {
    int64_t deadline = phase_ == Phase::kCancelling ? grace_end_ : kNever;
    for (int step : active_list_) {
      if (!running_[step].timed_out) deadline = Earliest(deadline, running_[step].deadline);
    }
    if (active_ < jobs_) {
      for (const Retry& retry : retries_) deadline = Earliest(deadline, retry.due);
    }
    AttemptEnd end;
    switch (executor_->Wait(deadline, &end)) {
      case StepExecutor::WaitResult::kEnded:
        Ended(end);
        return;
      case StepExecutor::WaitResult::kDeadline:
        DeadlinePassed();
        return;
      case StepExecutor::WaitResult::kInterrupted:
        if (phase_ == Phase::kNormal) {
          CancelRun();
        } else {
          StopEverything();
        }
        return;
    }
  }

  void DeadlinePassed() {
    int64_t now = clock_->NowMs();
    for (int step : std::vector<int>(active_list_)) {
      Running& r = running_[step];
      if (!r.timed_out && r.deadline != kNever && r.deadline <= now) {
        r.timed_out = true;
        executor_->Stop(step, StopReason::kTimeout);
      }
    }
    if (phase_ == Phase::kCancelling && grace_end_ <= now) StopEverything();
  }

  // An attempt ended: retry it, or record the step's outcome.
  void Ended(AttemptEnd end) {
    const int step = end.step;
    Running& r = running_[step];
    int attempt = attempts_[step];
    if (r.active) {
      attempt = r.attempt;
      r.active = false;
      --active_;
      active_list_.erase(std::find(active_list_.begin(), active_list_.end(), step));
      // Once its timeout fired the attempt has failed, whatever it exited
      // with: a step that traps TERM and exits 0 did not finish its work.
      if (r.cancelled && end.status != AttemptStatus::kSucceeded) {
        end.status = AttemptStatus::kCancelled;
      } else if (r.timed_out) {
        end.status = AttemptStatus::kTimedOut;
      }
    }
    const RetryPolicy& policy = policy_[step];
    bool will_retry = phase_ == Phase::kNormal && ShouldRetry(policy, attempt, end);
    int64_t delay = will_retry ? RetryDelayMs(policy, attempt + 1) : 0;
    observer_->AttemptEnded(step, attempt, end, will_retry, delay);
    if (will_retry) {
      retries_.push_back(Retry{clock_->NowMs() + delay, step, attempt + 1});
      return;
    }
    Outcome outcome = end.status == AttemptStatus::kSucceeded   ? Outcome::kSucceeded
                      : end.status == AttemptStatus::kCancelled ? Outcome::kCancelled
                                                                : Outcome::kFailed;
    Finish(step, outcome);
  }

  void Finish(int step, Outcome outcome) {
    scheduler_.Finish(step, outcome);
    Report(step);
    // Steps skipped or cancelled because of this one end with it; they are
    // found among its dependents, transitively.
    std::vector<int> work(graph_.dependents[step].begin(), graph_.dependents[step].end());
    while (!work.empty()) {
      int next = work.back();
      work.pop_back();
      StepStatus s = scheduler_.status(next);
      if (reported_[next] || (s != StepStatus::kSkipped && s != StepStatus::kCancelled)) {
        continue;
      }
      Report(next);
      work.insert(work.end(), graph_.dependents[next].begin(), graph_.dependents[next].end());
    }
  }

  void Report(int step) {
    if (reported_[step]) return;
    reported_[step] = true;
    observer_->StepEnded(step, scheduler_.status(step), attempts_[step]);
  }

  // Reports every ended step not reported yet.
  void ReportEndedSteps() {
    for (size_t i = 0; i < pipeline_.steps.size(); ++i) {
      StepStatus s = scheduler_.status(static_cast<int>(i));
      bool ended =
          s != StepStatus::kWaiting && s != StepStatus::kReady && s != StepStatus::kRunning;
      if (ended) Report(static_cast<int>(i));
    }
  }

  // The first interrupt: no new steps but `always` ones, which get a grace
  // period; running steps that are not `always` are stopped.
  void CancelRun() {
    phase_ = Phase::kCancelling;
    grace_end_ = clock_->NowMs() + cancel_grace_ms_;
    observer_->Interrupted(false);
    scheduler_.Cancel();
    DropRetries(/*keep_always=*/true);
    for (int step : std::vector<int>(active_list_)) {
      if (!IsAlways(step)) StopAttempt(step);
    }
    ReportEndedSteps();
  }

  // The second interrupt, or the grace period is over: stop everything.
  void StopEverything() {
    if (phase_ == Phase::kStopped) return;
    phase_ = Phase::kStopped;
    observer_->Interrupted(true);
    if (!scheduler_.cancelled()) scheduler_.Cancel();
    DropRetries(/*keep_always=*/false);
    for (int step : std::vector<int>(active_list_)) StopAttempt(step);
    ReportEndedSteps();
  }

  void StopAttempt(int step) {
    Running& r = running_[step];
    if (r.cancelled) return;
    r.cancelled = true;
    executor_->Stop(step, StopReason::kCancel);
  }

  void DropRetries(bool keep_always) {
    std::vector<Retry> kept;
    std::vector<int> dropped;
    for (const Retry& retry : retries_) {
      if (keep_always && IsAlways(retry.step)) {
        kept.push_back(retry);
      } else {
        dropped.push_back(retry.step);
      }
    }
    retries_ = kept;
    for (int step : dropped) Finish(step, Outcome::kCancelled);
  }

  const Pipeline& pipeline_;
  const Graph& graph_;
  StepExecutor* executor_;
  Clock* clock_;
  RunObserver silent_;
  RunObserver* observer_;
  const int jobs_;
  const int64_t cancel_grace_ms_;
  Scheduler scheduler_;
  std::vector<RetryPolicy> policy_;
  std::vector<int64_t> timeout_ms_;
  std::vector<int> attempts_;
  std::vector<Running> running_;
  std::vector<bool> reported_;
  std::vector<Retry> retries_;
  std::vector<int> active_list_;  // steps with an attempt running, in start order
  int active_ = 0;
  Phase phase_ = Phase::kNormal;
  int64_t grace_end_ = kNever;
};

}  // namespace

RunResult RunLoop(const Pipeline& pipeline, const Graph& graph, StepExecutor* executor,
                  Clock* clock, RunObserver* observer, const RunLoopOptions& options) {
  Loop loop(pipeline, graph, executor, clock, observer, options);
  return loop.Run();
}

}  // namespace tame
