#include "core/scheduler.h"

#include <algorithm>

namespace tame {

const char* StepStatusName(StepStatus status) {
  switch (status) {
    case StepStatus::kWaiting:
      return "waiting";
    case StepStatus::kReady:
      return "ready";
    case StepStatus::kRunning:
      return "running";
    case StepStatus::kSucceeded:
      return "succeeded";
    case StepStatus::kFailed:
      return "failed";
    case StepStatus::kSkipped:
      return "skipped";
    case StepStatus::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

Scheduler::Scheduler(const Pipeline& pipeline, const Graph& graph) : graph_(graph) {
  const size_t n = pipeline.steps.size();
  condition_.resize(n, Condition::kSuccess);
  continue_on_error_.resize(n, false);
  status_.assign(n, StepStatus::kWaiting);
  waiting_for_.resize(n);
  failure_upstream_.assign(n, false);
  priority_.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    const Step& step = pipeline.steps[i];
    if (step.if_condition == "failure") condition_[i] = Condition::kFailure;
    if (step.if_condition == "always") condition_[i] = Condition::kAlways;
    continue_on_error_[i] = step.continue_on_error.value_or(false);
    waiting_for_[i] = static_cast<int>(graph.deps[i].size());
  }
  // Longest chain after each step, computed in reverse topological order.
  Plan plan;
  if (MakePlan(graph, &plan)) {
    for (auto level = plan.levels.rbegin(); level != plan.levels.rend(); ++level) {
      for (int step : *level) {
        for (int next : graph.dependents[step]) {
          priority_[step] = std::max(priority_[step], priority_[next] + 1);
        }
      }
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (waiting_for_[i] == 0) Decide(static_cast<int>(i));
  }
}

int Scheduler::NextReady() {
  while (!ready_.empty()) {
    int step = -ready_.top().second;
    ready_.pop();
    if (status_[step] != StepStatus::kReady) continue;  // cancelled meanwhile
    status_[step] = StepStatus::kRunning;
    ++running_;
    return step;
  }
  return -1;
}

void Scheduler::Finish(int step, Outcome outcome) {
  if (status_[step] != StepStatus::kRunning) return;
  --running_;
  StepStatus status = outcome == Outcome::kSucceeded ? StepStatus::kSucceeded
                      : outcome == Outcome::kFailed  ? StepStatus::kFailed
                                                     : StepStatus::kCancelled;
  if (status == StepStatus::kFailed && !continue_on_error_[step]) failed_ = true;
  End(step, status);
}

void Scheduler::Cancel() {
  if (cancelled_) return;
  cancelled_ = true;
  for (size_t i = 0; i < status_.size(); ++i) {
    if (status_[i] == StepStatus::kReady && condition_[i] != Condition::kAlways) {
      End(static_cast<int>(i), StepStatus::kCancelled);
    }
  }
}

bool Scheduler::CountsAsSuccess(int step) const {
  return status_[step] == StepStatus::kSucceeded ||
         (status_[step] == StepStatus::kFailed && continue_on_error_[step]);
}

void Scheduler::Enqueue(int step) {
  status_[step] = StepStatus::kReady;
  ready_.push({priority_[step], -step});
}

// Called once every step `step` needs has ended.
void Scheduler::Decide(int step) {
  bool all_succeeded = true;
  for (int dep : graph_.deps[step]) {
    all_succeeded = all_succeeded && CountsAsSuccess(dep);
    bool dep_failed = status_[dep] == StepStatus::kFailed && !continue_on_error_[dep];
    if (dep_failed || failure_upstream_[dep]) failure_upstream_[step] = true;
  }
  if (cancelled_ && condition_[step] != Condition::kAlways) {
    End(step, StepStatus::kCancelled);
    return;
  }
  switch (condition_[step]) {
    case Condition::kSuccess:
      all_succeeded ? Enqueue(step) : End(step, StepStatus::kSkipped);
      return;
    case Condition::kFailure:
      failure_upstream_[step] ? Enqueue(step) : End(step, StepStatus::kSkipped);
      return;
    case Condition::kAlways:
      Enqueue(step);
      return;
  }
}

// Ends a step and decides its dependents through a work list rather than
// recursion: a long chain of skipped steps must not exhaust the stack.
void Scheduler::End(int step, StepStatus status) {
  status_[step] = status;
  ++ended_;
  pending_.push_back(step);
  if (propagating_) return;  // an outer End() is draining the list
  propagating_ = true;
  while (!pending_.empty()) {
    int ended = pending_.back();
    pending_.pop_back();
    for (int next : graph_.dependents[ended]) {
      if (--waiting_for_[next] == 0) Decide(next);
    }
  }
  propagating_ = false;
}

}  // namespace tame
