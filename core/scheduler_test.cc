#include "core/scheduler.h"

#include <gtest/gtest.h>

#include <map>

#include "core/test_util.h"

namespace tame {
namespace {

// Drives a Scheduler as the runner does, with a fake executor: up to `jobs`
// steps "run" at once, finishing in start order with the outcome the test
// set for them (success when not set).
class FakeRun {
 public:
  FakeRun(const std::string& steps_json, int jobs)
      : pipeline_(MustLoad(WithSteps(steps_json))),
        graph_(BuildGraph(pipeline_)),
        scheduler_(pipeline_, graph_),
        jobs_(jobs) {}

  void Fail(const std::string& id) { outcomes_[id] = Outcome::kFailed; }

  // Runs to the end; `cancel_after` cancels once that many steps started.
  void Run(int cancel_after = -1) {
    std::vector<int> running;
    while (!scheduler_.Done()) {
      int next;
      while (static_cast<int>(running.size()) < jobs_ && (next = scheduler_.NextReady()) >= 0) {
        running.push_back(next);
        started_.push_back(pipeline_.steps[next].id);
        max_parallel_ = std::max(max_parallel_, static_cast<int>(running.size()));
        if (static_cast<int>(started_.size()) == cancel_after) scheduler_.Cancel();
      }
      ASSERT_FALSE(running.empty()) << "nothing running and not done";
      int step = running.front();
      running.erase(running.begin());
      const std::string& id = pipeline_.steps[step].id;
      Outcome outcome = outcomes_.count(id) ? outcomes_[id] : Outcome::kSucceeded;
      if (scheduler_.cancelled() && pipeline_.steps[step].if_condition != "always") {
        outcome = Outcome::kCancelled;
      }
      scheduler_.Finish(step, outcome);
    }
  }

  std::string Status(const std::string& id) const {
    return StepStatusName(scheduler_.status(pipeline_.FindStep(id)));
  }
  const std::vector<std::string>& started() const { return started_; }
  int max_parallel() const { return max_parallel_; }
  const Scheduler& scheduler() const { return scheduler_; }

 private:
  Pipeline pipeline_;
  Graph graph_;
  Scheduler scheduler_;
  int jobs_;
  std::map<std::string, Outcome> outcomes_;
  std::vector<std::string> started_;
  int max_parallel_ = 0;
};

const char kDiamond[] = R"(
    {"id": "a", "uses": "shell", "with": {"run": "x"}},
    {"id": "b", "uses": "shell", "needs": ["a"], "with": {"run": "x"}},
    {"id": "c", "uses": "shell", "needs": ["a"], "with": {"run": "x"}},
    {"id": "d", "uses": "shell", "needs": ["b", "c"], "with": {"run": "x"}},
    {"id": "on-fail", "uses": "shell", "needs": ["d"], "if": "failure", "with": {"run": "x"}},
    {"id": "finally", "uses": "shell", "needs": ["d"], "if": "always", "with": {"run": "x"}})";

TEST(SchedulerTest, RunsInDependencyOrderAndInParallel) {
  FakeRun run(kDiamond, 2);
  run.Run();
  EXPECT_EQ(run.started(), (std::vector<std::string>{"a", "b", "c", "d", "finally"}));
  EXPECT_EQ(run.max_parallel(), 2);
  EXPECT_EQ(run.Status("on-fail"), "skipped");
  EXPECT_EQ(run.Status("finally"), "succeeded");
  EXPECT_FALSE(run.scheduler().failed());
}

TEST(SchedulerTest, OneJobAtATime) {
  FakeRun run(kDiamond, 1);
  run.Run();
  EXPECT_EQ(run.max_parallel(), 1);
  EXPECT_EQ(run.started().size(), 5u);
}

TEST(SchedulerTest, FailureSkipsDependentsAndRunsFailureSteps) {
  FakeRun run(kDiamond, 2);
  run.Fail("b");
  run.Run();
  EXPECT_EQ(run.Status("b"), "failed");
  EXPECT_EQ(run.Status("c"), "succeeded");
  EXPECT_EQ(run.Status("d"), "skipped");
  EXPECT_EQ(run.Status("on-fail"), "succeeded");
  EXPECT_EQ(run.Status("finally"), "succeeded");
  EXPECT_TRUE(run.scheduler().failed());
}

TEST(SchedulerTest, ContinueOnErrorCountsAsSuccess) {
  FakeRun run(R"(
      {"id": "a", "uses": "shell", "continue_on_error": true, "with": {"run": "x"}},
      {"id": "b", "uses": "shell", "needs": ["a"], "with": {"run": "x"}},
      {"id": "c", "uses": "shell", "needs": ["b"], "if": "failure", "with": {"run": "x"}})",
              2);
  run.Fail("a");
  run.Run();
  EXPECT_EQ(run.Status("a"), "failed");
  EXPECT_EQ(run.Status("b"), "succeeded");
  EXPECT_EQ(run.Status("c"), "skipped");
  EXPECT_FALSE(run.scheduler().failed());
}

TEST(SchedulerTest, CancelStopsNewStepsButRunsAlwaysSteps) {
  FakeRun run(kDiamond, 2);
  run.Run(/*cancel_after=*/2);  // a, then b and c start; cancel after b
  EXPECT_EQ(run.Status("a"), "succeeded");
  EXPECT_EQ(run.Status("b"), "cancelled");
  EXPECT_EQ(run.Status("d"), "cancelled");
  EXPECT_EQ(run.Status("on-fail"), "cancelled");
  EXPECT_EQ(run.Status("finally"), "succeeded");
  EXPECT_TRUE(run.scheduler().cancelled());
}

TEST(SchedulerTest, CriticalPathGoesFirst) {
  // "short" comes first in the file, but "long" has a chain behind it; once
  // only l3 and short remain, neither has anything behind it: file order.
  FakeRun run(R"(
      {"id": "short", "uses": "shell", "with": {"run": "x"}},
      {"id": "long", "uses": "shell", "with": {"run": "x"}},
      {"id": "l2", "uses": "shell", "needs": ["long"], "with": {"run": "x"}},
      {"id": "l3", "uses": "shell", "needs": ["l2"], "with": {"run": "x"}})",
              1);
  run.Run();
  EXPECT_EQ(run.started(), (std::vector<std::string>{"long", "l2", "short", "l3"}));
}

TEST(SchedulerTest, SkipsPropagateDownALongChainWithoutRecursion) {
  std::string steps = R"({"id": "s0", "uses": "shell", "with": {"run": "x"}})";
  for (int i = 1; i < 20000; ++i) {
    steps += R"(, {"id": "s)" + std::to_string(i) + R"(", "uses": "shell", "needs": ["s)" +
             std::to_string(i - 1) + R"("], "with": {"run": "x"}})";
  }
  FakeRun run(steps, 4);
  run.Fail("s0");
  run.Run();
  EXPECT_EQ(run.started().size(), 1u);
  EXPECT_EQ(run.Status("s19999"), "skipped");
}

}  // namespace
}  // namespace tame
