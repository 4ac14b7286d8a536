#include "core/run_loop.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/test_util.h"

namespace tame {
namespace {

class FakeClock : public Clock {
 public:
  int64_t NowMs() override { return now; }
  int64_t now = 0;
};

// How the fake makes each attempt end: after `ms`, with `exit_code`
// (0: success). An attempt with ms < 0 never ends by itself.
struct Script {
  int64_t ms = 10;
  int exit_code = 0;
};

// A fake executor on a fake clock: attempts "run" for the time their script
// says; Wait() jumps the clock to the next end, deadline or interrupt.
// It records what it was asked, as "t=<ms> start a#1" lines.
class FakeExecutor : public StepExecutor {
 public:
  FakeExecutor(const Pipeline& p, FakeClock* clock) : p_(p), clock_(clock) {}

  // The scripts of a step's attempts, in order; the last one repeats.
  void Set(const std::string& id, std::vector<Script> scripts) { scripts_[id] = scripts; }
  void ReuseStep(const std::string& id) { reused_.insert(id); }
  void InterruptAt(int64_t ms) { interrupts_.push_back(ms); }
  // The step traps TERM and exits 0 when stopped.
  void ExitZeroOnStop(const std::string& id) { exit_zero_on_stop_.insert(id); }

  bool Start(int step, int attempt, AttemptEnd* end) override {
    const std::string& id = p_.steps[step].id;
    if (reused_.count(id)) {
      end->status = AttemptStatus::kSucceeded;
      end->exit_code = 0;
      end->reused = true;
      Log("reuse " + id);
      return false;
    }
    Log("start " + id + "#" + std::to_string(attempt));
    std::vector<Script> s = scripts_.count(id) ? scripts_[id] : std::vector<Script>{Script()};
    Script script = s[std::min(s.size(), static_cast<size_t>(attempt)) - 1];
    Running r;
    r.exit_code = script.exit_code;
    r.end = script.ms < 0 ? -1 : clock_->now + script.ms;
    running_[step] = r;
    max_running_ = std::max(max_running_, static_cast<int>(running_.size()));
    return true;
  }

  void Stop(int step, StopReason reason) override {
    Log(std::string(reason == StopReason::kTimeout ? "timeout " : "cancel ") + p_.steps[step].id);
    running_[step].end = clock_->now + 5;  // the kill takes a moment
    running_[step].exit_code = exit_zero_on_stop_.count(p_.steps[step].id) ? 0 : -1;
  }

  WaitResult Wait(int64_t deadline, AttemptEnd* end) override {
    int next = -1;
    for (const auto& [step, r] : running_) {
      if (r.end >= 0 && (next < 0 || r.end < running_[next].end)) next = step;
    }
    int64_t when = next < 0 ? -1 : running_[next].end;
    if (!interrupts_.empty() && (when < 0 || interrupts_.front() <= when) &&
        (deadline < 0 || interrupts_.front() <= deadline)) {
      clock_->now = std::max(clock_->now, interrupts_.front());
      interrupts_.erase(interrupts_.begin());
      Log("interrupt");
      return WaitResult::kInterrupted;
    }
    if (deadline >= 0 && (when < 0 || deadline < when)) {
      clock_->now = std::max(clock_->now, deadline);
      return WaitResult::kDeadline;
    }
    EXPECT_GE(next, 0) << "Wait() with nothing to wait for";
    if (next < 0) return WaitResult::kInterrupted;
    clock_->now = when;
    end->step = next;
    end->exit_code = running_[next].exit_code;
    end->status = end->exit_code == 0 ? AttemptStatus::kSucceeded : AttemptStatus::kFailed;
    running_.erase(next);
    return WaitResult::kEnded;
  }

  const std::vector<std::string>& log() const { return log_; }
  int max_running() const { return max_running_; }

 private:
  struct Running {
    int64_t end = 0;
    int exit_code = 0;
  };
  void Log(const std::string& what) {
    log_.push_back("t=" + std::to_string(clock_->now) + " " + what);
  }

  const Pipeline& p_;
  FakeClock* clock_;
  std::map<std::string, std::vector<Script>> scripts_;
  std::set<std::string> reused_;
  std::set<std::string> exit_zero_on_stop_;
  std::vector<int64_t> interrupts_;
  std::map<int, Running> running_;
  std::vector<std::string> log_;
  int max_running_ = 0;
};

class Recorder : public RunObserver {
 public:
  explicit Recorder(const Pipeline& p) : p_(p) {}
  void AttemptEnded(int step, int attempt, const AttemptEnd& end, bool will_retry,
                    int64_t delay_ms) override {
    events.push_back(p_.steps[step].id + "#" + std::to_string(attempt) + " " +
                     AttemptStatusName(end.status) +
                     (will_retry ? " retry in " + std::to_string(delay_ms) : ""));
  }
  void StepEnded(int step, StepStatus status, int attempts) override {
    ended[p_.steps[step].id] += 1;
    final_status[p_.steps[step].id] =
        std::string(StepStatusName(status)) + "/" + std::to_string(attempts);
  }
  void Interrupted(bool hard) override { events.push_back(hard ? "stop all" : "cancel"); }

  std::vector<std::string> events;
  std::map<std::string, int> ended;
  std::map<std::string, std::string> final_status;

 private:
  const Pipeline& p_;
};

struct Fixture {
  explicit Fixture(const std::string& steps)
      : pipeline(MustLoad(WithSteps(steps))),
        graph(BuildGraph(pipeline)),
        executor(pipeline, &clock),
        recorder(pipeline) {}

  RunResult Run(int jobs, int64_t grace = 1000) {
    RunLoopOptions options;
    options.jobs = jobs;
    options.cancel_grace_ms = grace;
    RunResult r = RunLoop(pipeline, graph, &executor, &clock, &recorder, options);
    for (const Step& s : pipeline.steps) EXPECT_EQ(recorder.ended[s.id], 1) << s.id;
    return r;
  }

  Pipeline pipeline;
  Graph graph;
  FakeClock clock;
  FakeExecutor executor;
  Recorder recorder;
};

std::string Shell(const std::string& id, const std::string& extra = "") {
  return R"({"id": ")" + id + R"(", "uses": "shell", "with": {"run": "x"})" + extra + "}";
}

TEST(RunLoopTest, RunsInOrderUpToJobsAtOnce) {
  Fixture f(Shell("a") + "," + Shell("b", R"(, "needs": ["a"])") + "," +
            Shell("c", R"(, "needs": ["a"])") + "," + Shell("d", R"(, "needs": ["a"])") + "," +
            Shell("e", R"(, "needs": ["b", "c", "d"])"));
  f.executor.Set("b", {{30, 0}});
  RunResult r = f.Run(2);
  EXPECT_EQ(f.executor.log(),
            (std::vector<std::string>{"t=0 start a#1", "t=10 start b#1", "t=10 start c#1",
                                      "t=20 start d#1", "t=40 start e#1"}));
  EXPECT_EQ(f.executor.max_running(), 2);
  EXPECT_FALSE(r.failed);
  EXPECT_EQ(f.recorder.final_status["e"], "succeeded/1");
}

TEST(RunLoopTest, RetriesWithBackoffFactorAndCap) {
  Fixture f(Shell("a", R"(, "retries": {"max": 3, "backoff": "1s", "factor": 3})"));
  f.executor.Set("a", {{10, 1}, {10, 1}, {10, 1}, {10, 0}});
  RunResult r = f.Run(1);
  EXPECT_EQ(f.executor.log(), (std::vector<std::string>{"t=0 start a#1", "t=1010 start a#2",
                                                        "t=4020 start a#3", "t=13030 start a#4"}));
  EXPECT_EQ(f.recorder.events[0], "a#1 failed retry in 1000");
  EXPECT_EQ(f.recorder.events[2], "a#3 failed retry in 9000");
  EXPECT_EQ(f.recorder.final_status["a"], "succeeded/4");
  EXPECT_FALSE(r.failed);

  RetryPolicy policy;
  policy.backoff_ms = 1000;
  policy.factor = 10;
  EXPECT_EQ(RetryDelayMs(policy, 2), 1000);
  EXPECT_EQ(RetryDelayMs(policy, 4), 100000);
  EXPECT_EQ(RetryDelayMs(policy, 5), kRetryDelayCapMs);
  EXPECT_EQ(RetryDelayMs(policy, 90), kRetryDelayCapMs);
  policy.backoff_ms = 2 * kRetryDelayCapMs;
  EXPECT_EQ(RetryDelayMs(policy, 3), 2 * kRetryDelayCapMs);
}

TEST(RunLoopTest, RetriesOnlyListedExitCodes) {
  Fixture f(Shell("a", R"(, "retries": {"max": 5, "backoff": "10ms", "on_exit_codes": [75]})"));
  f.executor.Set("a", {{10, 75}, {10, 3}});
  RunResult r = f.Run(1);
  EXPECT_EQ(f.recorder.events, (std::vector<std::string>{"a#1 failed retry in 10", "a#2 failed"}));
  EXPECT_EQ(f.recorder.final_status["a"], "failed/2");
  EXPECT_TRUE(r.failed);
}

TEST(RunLoopTest, TimeoutStopsTheAttemptAndMayRetry) {
  Fixture f(Shell("a", R"(, "timeout": "1s", "retries": {"max": 1, "backoff": "100ms"})") + "," +
            Shell("b", R"(, "needs": ["a"])"));
  f.executor.Set("a", {{-1, 0}, {500, 0}});
  RunResult r = f.Run(1);
  EXPECT_EQ(f.executor.log(), (std::vector<std::string>{"t=0 start a#1", "t=1000 timeout a",
                                                        "t=1105 start a#2", "t=1605 start b#1"}));
  EXPECT_EQ(f.recorder.events[0], "a#1 timed out retry in 100");
  EXPECT_FALSE(r.failed);
}

TEST(RunLoopTest, TimedOutAttemptIsNotRetriedForListedExitCodes) {
  Fixture f(Shell("a", R"(, "timeout": "1s", "retries": {"max": 1, "on_exit_codes": [1]})"));
  f.executor.Set("a", {{-1, 0}});
  RunResult r = f.Run(1);
  EXPECT_EQ(f.recorder.events, (std::vector<std::string>{"a#1 timed out"}));
  EXPECT_EQ(f.recorder.final_status["a"], "failed/1");
  EXPECT_TRUE(r.failed);
}

TEST(RunLoopTest, InterruptCancelsRunningStepsAndRunsAlwaysSteps) {
  Fixture f(Shell("a") + "," + Shell("slow") + "," + Shell("b", R"(, "needs": ["a", "slow"])") +
            "," + Shell("cleanup", R"(, "needs": ["b"], "if": "always")"));
  f.executor.Set("slow", {{-1, 0}});
  f.executor.InterruptAt(50);
  RunResult r = f.Run(2);
  EXPECT_TRUE(r.interrupted);
  EXPECT_EQ(f.executor.log(),
            (std::vector<std::string>{"t=0 start a#1", "t=0 start slow#1", "t=50 interrupt",
                                      "t=50 cancel slow", "t=55 start cleanup#1"}));
  EXPECT_EQ(f.recorder.final_status["a"], "succeeded/1");
  EXPECT_EQ(f.recorder.final_status["slow"], "cancelled/1");
  EXPECT_EQ(f.recorder.final_status["b"], "cancelled/0");
  EXPECT_EQ(f.recorder.final_status["cleanup"], "succeeded/1");
}

TEST(RunLoopTest, AlwaysStepsGetABoundedGrace) {
  Fixture f(Shell("slow") + "," + Shell("cleanup", R"(, "needs": ["slow"], "if": "always")") + "," +
            Shell("after", R"(, "needs": ["cleanup"], "if": "always")"));
  f.executor.Set("slow", {{-1, 0}});
  f.executor.Set("cleanup", {{-1, 0}});
  f.executor.InterruptAt(100);
  RunResult r = f.Run(2, /*grace=*/300);
  EXPECT_EQ(f.executor.log(),
            (std::vector<std::string>{"t=0 start slow#1", "t=100 interrupt", "t=100 cancel slow",
                                      "t=105 start cleanup#1", "t=400 cancel cleanup"}));
  EXPECT_EQ(f.recorder.final_status["cleanup"], "cancelled/1");
  EXPECT_EQ(f.recorder.final_status["after"], "cancelled/0");
  EXPECT_EQ(f.recorder.events.end()[-2], "stop all");
  EXPECT_TRUE(r.interrupted);
}

TEST(RunLoopTest, SecondInterruptStopsEverything) {
  Fixture f(Shell("slow") + "," + Shell("cleanup", R"(, "needs": ["slow"], "if": "always")"));
  f.executor.Set("slow", {{-1, 0}});
  f.executor.Set("cleanup", {{-1, 0}});
  f.executor.InterruptAt(10);
  f.executor.InterruptAt(20);
  f.Run(1, /*grace=*/60000);
  EXPECT_EQ(f.executor.log(), (std::vector<std::string>{"t=0 start slow#1", "t=10 interrupt",
                                                        "t=10 cancel slow", "t=15 start cleanup#1",
                                                        "t=20 interrupt", "t=20 cancel cleanup"}));
}

TEST(RunLoopTest, InterruptDropsPendingRetries) {
  Fixture f(Shell("a", R"(, "retries": {"max": 3, "backoff": "1m"})"));
  f.executor.Set("a", {{10, 1}});
  f.executor.InterruptAt(1000);
  RunResult r = f.Run(1);
  EXPECT_EQ(f.recorder.final_status["a"], "cancelled/1");
  EXPECT_TRUE(r.interrupted);
}

TEST(RunLoopTest, ReusedStepsEndAtOnceAndFailureSkipsDependents) {
  Fixture f(Shell("a") + "," + Shell("b", R"(, "needs": ["a"])") + "," +
            Shell("c", R"(, "needs": ["b"])") + "," + Shell("d", R"(, "needs": ["c"])") + "," +
            Shell("on-fail", R"(, "needs": ["d"], "if": "failure")") + "," +
            Shell("lonely", R"(, "if": "failure")"));
  f.executor.ReuseStep("a");
  f.executor.Set("b", {{10, 2}});
  RunResult r = f.Run(4);
  EXPECT_TRUE(r.failed);
  EXPECT_EQ(f.recorder.final_status["a"], "succeeded/0");
  EXPECT_EQ(f.recorder.final_status["b"], "failed/1");
  EXPECT_EQ(f.recorder.final_status["c"], "skipped/0");
  EXPECT_EQ(f.recorder.final_status["d"], "skipped/0");
  EXPECT_EQ(f.recorder.final_status["on-fail"], "succeeded/1");
  EXPECT_EQ(f.recorder.final_status["lonely"], "skipped/0");
  EXPECT_EQ(r.attempts[0], 0);
}

TEST(RunLoopTest, TimedOutAttemptFailsEvenWhenItExitsZero) {
  Fixture f(Shell("a", R"(, "timeout": "1s")") + "," + Shell("b", R"(, "needs": ["a"])"));
  f.executor.Set("a", {{-1, 0}});
  f.executor.ExitZeroOnStop("a");
  RunResult r = f.Run(1);
  EXPECT_EQ(f.executor.log(), (std::vector<std::string>{"t=0 start a#1", "t=1000 timeout a"}));
  EXPECT_EQ(f.recorder.events[0], "a#1 timed out");
  EXPECT_EQ(f.recorder.final_status["a"], "failed/1");
  EXPECT_EQ(f.recorder.final_status["b"], "skipped/0");
  EXPECT_TRUE(r.failed);
}

TEST(RunLoopTest, TimedOutAttemptThatExitsZeroIsRetried) {
  Fixture f(Shell("a", R"(, "timeout": "1s", "retries": {"max": 1, "backoff": "100ms"})"));
  f.executor.Set("a", {{-1, 0}, {-1, 0}});
  f.executor.ExitZeroOnStop("a");
  RunResult r = f.Run(1);
  EXPECT_EQ(f.recorder.events,
            (std::vector<std::string>{"a#1 timed out retry in 100", "a#2 timed out"}));
  EXPECT_EQ(f.recorder.final_status["a"], "failed/2");
  EXPECT_TRUE(r.failed);
}

}  // namespace
}  // namespace tame
