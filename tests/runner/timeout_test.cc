// A step's timeout with real processes: once it fired the step failed,
// whatever the process exited with afterwards, and every record of the run
// (console, report.json, journal, JUnit) says so.
#include <gtest/gtest.h>

#include "tests/runner/tame_process.h"

namespace tame {
namespace testing {
namespace {

using Json = nlohmann::json;

// Traps TERM and exits 0: what a careless wrapper script does.
const char kExitsZeroOnTerm[] = "trap 'exit 0' TERM; echo started >> tries; sleep 20 & wait";

std::string Step(const std::string& id, const std::string& run, const std::string& extra = "") {
  return "{\"id\": \"" + id + "\", \"uses\": \"shell\"" + extra +
         ", \"with\": {\"shell\": \"bash\", \"run\": " + Json(run).dump() + "}}";
}

class TimeoutTest : public RunnerTest {
 protected:
  std::vector<Json> Events(const std::string& kind, const std::string& step) {
    std::vector<Json> out;
    for (const Json& e : Journal()) {
      if (e["event"] == kind && e.value("step", "") == step) out.push_back(e);
    }
    return out;
  }
};

TEST_F(TimeoutTest, AStepThatExitsZeroAfterItsTimeoutFailed) {
  Write("p.json", Pipeline(Step("a", kExitsZeroOnTerm, ", \"timeout\": \"1s\", \"cache\": true") +
                           "," + Step("b", "touch b-ran", ", \"needs\": [\"a\"]")));
  TameResult r = Tame({"run", "p.json", "--junit", "junit.xml"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find(" a: failed in "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" (timed out after 1s)\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" b: skipped (a step it needs did not succeed)\n"), std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("succeeded"), std::string::npos) << r.out;
  EXPECT_FALSE(Exists("b-ran"));

  Json a = StepReport("a");
  EXPECT_EQ(a["status"], "failed");
  EXPECT_EQ(a["error"], "timed out after 1s");
  EXPECT_EQ(Report()["status"], "failed");

  std::vector<Json> attempts = Events("attempt_ended", "a");
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0]["status"], "timed out");
  EXPECT_EQ(attempts[0]["error"], "timed out after 1s");
  std::vector<Json> ended = Events("step_ended", "a");
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0]["status"], "failed");
  EXPECT_EQ(ended[0]["error"], "timed out after 1s");

  std::string junit = Read("junit.xml");
  EXPECT_NE(junit.find("failures=\"1\""), std::string::npos) << junit;
  EXPECT_NE(junit.find("<testcase classname=\"test\" name=\"a\" time=\""), std::string::npos)
      << junit;
  EXPECT_NE(junit.find("<failure message=\"timed out after 1s\"></failure>"), std::string::npos)
      << junit;

  // Nothing of the timed-out attempt was cached: the next run runs it again.
  TameResult again = Tame({"run", "p.json"});
  EXPECT_EQ(again.code, 1) << again.out;
  EXPECT_EQ(Read("tries"), "started\nstarted\n");
  EXPECT_EQ(again.out.find("cached"), std::string::npos) << again.out;
}

TEST_F(TimeoutTest, ATimedOutAttemptIsRetriedAndTheRetryDecides) {
  // Attempt 1 outlives its timeout and exits 0; attempt 2 finishes in time.
  Write("p.json", Pipeline(Step("a",
                                "echo x >> count; [ $(wc -l < count) -ge 2 ] && exit 0; " +
                                    std::string(kExitsZeroOnTerm),
                                ", \"timeout\": \"1s\", \"retries\": {\"max\": 2, \"backoff\": "
                                "\"100ms\"}")));
  TameResult r = Tame({"run", "p.json"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("a: attempt 1 failed (timed out after 1s); retrying in 0.1s (attempt 2 of "
                       "3)"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(StepReport("a")["status"], "succeeded");
  EXPECT_EQ(StepReport("a")["attempts"], 2);
  std::vector<Json> attempts = Events("attempt_ended", "a");
  ASSERT_EQ(attempts.size(), 1u);  // the successful attempt ends with the step
  EXPECT_EQ(attempts[0]["status"], "timed out");
  EXPECT_EQ(attempts[0]["retry"], true);

  // Every attempt outlives its timeout: the step fails after the last one.
  Write("p.json", Pipeline(Step("a", kExitsZeroOnTerm,
                                ", \"timeout\": \"1s\", \"retries\": {\"max\": 1, \"backoff\": "
                                "\"10ms\"}")));
  TameResult all = Tame({"run", "p.json"});
  EXPECT_EQ(all.code, 1) << all.out;
  std::string last = RunDirs().back();
  EXPECT_EQ(StepReport("a", last)["status"], "failed");
  EXPECT_EQ(StepReport("a", last)["attempts"], 2);
  EXPECT_EQ(StepReport("a", last)["error"], "timed out after 1s");
}

TEST_F(TimeoutTest, ContinueOnErrorKeepsTheRunGoingButTheStepFailed) {
  Write("p.json",
        Pipeline(Step("a", kExitsZeroOnTerm, ", \"timeout\": \"1s\", \"continue_on_error\": true") +
                 "," + Step("b", "touch b-ran", ", \"needs\": [\"a\"]")));
  TameResult r = Tame({"run", "p.json", "--junit", "junit.xml"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find(" (timed out after 1s; continue_on_error)\n"), std::string::npos) << r.out;
  EXPECT_TRUE(Exists("b-ran"));
  EXPECT_EQ(StepReport("a")["status"], "failed");
  EXPECT_EQ(StepReport("a")["error"], "timed out after 1s");
  EXPECT_EQ(StepReport("b")["status"], "succeeded");
  EXPECT_NE(Read("junit.xml").find("<failure message=\"timed out after 1s\"></failure>"),
            std::string::npos);
}

}  // namespace
}  // namespace testing
}  // namespace tame
