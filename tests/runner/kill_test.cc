// Timeouts and cancellation end a step's whole process tree: processes in
// other sessions, double forks, processes that ignore TERM. Ctrl-C (SIGINT)
// and SIGTERM cancel the run, run the `always` steps, and exit 130.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <sstream>

#include "tests/runner/tame_process.h"

namespace tame {
namespace testing {
namespace {

using Json = nlohmann::json;

// A script that leaves processes every way a step can: in its group, in a
// new session (setsid), in a new session after a double fork, one ignoring
// TERM, one that cleared its environment; each writes its pid to `pids`.
const char kSpawnTree[] =
    "sleep 300 & echo $! >> pids\n"
    "setsid sleep 301 & echo $! >> pids\n"
    "( setsid sh -c 'sleep 302 & echo $! >> pids; exit 0' & )\n"
    "sh -c 'trap \"\" TERM; echo $$ >> pids; while true; do sleep 1; done' &\n"
    "setsid env -i /bin/sh -c 'echo $$ >> pids; exec sleep 303' &\n"
    "while [ $(wc -l < pids) -lt 5 ]; do sleep 0.01; done\n"
    "touch tree-ready\n"
    "sleep 304\n";

std::vector<pid_t> Pids(const std::string& text) {
  std::vector<pid_t> pids;
  std::istringstream in(text);
  pid_t pid;
  while (in >> pid) pids.push_back(pid);
  return pids;
}

class KillTest : public RunnerTest {};

TEST_F(KillTest, TimeoutEndsTheWholeTree) {
  Write("p.json", Pipeline("{\"id\": \"tree\", \"uses\": \"shell\", \"timeout\": \"1s\", "
                           "\"with\": {\"run\": " +
                           Json(kSpawnTree).dump() + "}}"));
  TameResult r = Tame({"run", "p.json"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  ASSERT_TRUE(Exists("tree-ready")) << r.out;
  std::vector<pid_t> pids = Pids(Read("pids"));
  ASSERT_EQ(pids.size(), 5u) << Read("pids");
  for (pid_t pid : pids) EXPECT_TRUE(ProcessGone(pid)) << "process " << pid << " survived";
  EXPECT_EQ(StepReport("tree")["status"], "failed");
  EXPECT_EQ(StepReport("tree")["error"], "timed out after 1s");
}

TEST_F(KillTest, LeftoversOfAFinishedStepEndWithIt) {
  Write("p.json", Pipeline("{\"id\": \"bg\", \"uses\": \"shell\", \"with\": {\"run\": "
                           "\"setsid sleep 300 & echo $! > pid; ( setsid sleep 301 & echo $! > "
                           "pid2 ) ; echo done\"}}"));
  TameResult r = Tame({"run", "p.json"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(ProcessGone(std::stoi(Read("pid"))));
  EXPECT_TRUE(ProcessGone(std::stoi(Read("pid2"))));
}

class InterruptTest : public RunnerTest, public ::testing::WithParamInterface<int> {};

TEST_P(InterruptTest, CancelsRunsAlwaysStepsAndExits130) {
  Write(
      "p.json",
      Pipeline(
          "{\"id\": \"slow\", \"uses\": \"shell\", \"with\": {\"run\": " + Json(kSpawnTree).dump() +
          "}},"
          "{\"id\": \"next\", \"uses\": \"shell\", \"needs\": [\"slow\"], \"with\": {\"run\": "
          "\"touch next-ran\"}},"
          "{\"id\": \"cleanup\", \"uses\": \"shell\", \"needs\": [\"next\"], \"if\": \"always\", "
          "\"with\": {\"run\": \"touch cleanup-ran\"}}"));
  pid_t tame = Start({"run", "p.json"});
  ASSERT_TRUE(WaitFor("tree-ready"));
  kill(tame, GetParam());
  TameResult r = Finish(tame);
  EXPECT_EQ(r.code, 130) << r.out << r.err;
  EXPECT_TRUE(Exists("cleanup-ran")) << r.out;
  EXPECT_FALSE(Exists("next-ran"));
  for (pid_t pid : Pids(Read("pids"))) EXPECT_TRUE(ProcessGone(pid)) << pid << " survived";
  EXPECT_EQ(Report()["status"], "interrupted");
  EXPECT_EQ(StepReport("slow")["status"], "cancelled");
  EXPECT_EQ(StepReport("next")["status"], "cancelled");
  EXPECT_EQ(StepReport("cleanup")["status"], "succeeded");
  EXPECT_NE(r.out.find("interrupted: cancelling running steps"), std::string::npos) << r.out;
}

INSTANTIATE_TEST_SUITE_P(Signals, InterruptTest, ::testing::Values(SIGINT, SIGTERM));

TEST_F(KillTest, AlwaysStepsGetOnlyABoundedGrace) {
  Write("p.json",
        Pipeline(
            "{\"id\": \"slow\", \"uses\": \"shell\", \"with\": {\"run\": \"touch slow-ready; exec "
            "sleep 300\"}},"
            "{\"id\": \"cleanup\", \"uses\": \"shell\", \"needs\": [\"slow\"], \"if\": \"always\", "
            "\"with\": {\"run\": \"touch cleanup-started; echo $$ > cleanup-pid; exec sleep "
            "300\"}}"));
  pid_t tame = Start({"run", "p.json"}, {{"TAME_CANCEL_GRACE", "500ms"}});
  ASSERT_TRUE(WaitFor("slow-ready"));
  kill(tame, SIGINT);
  ASSERT_TRUE(WaitFor("cleanup-started"));
  TameResult r = Finish(tame, 10);
  EXPECT_EQ(r.code, 130) << r.out << r.err;
  EXPECT_TRUE(ProcessGone(std::stoi(Read("cleanup-pid"))));
  EXPECT_EQ(StepReport("cleanup")["status"], "cancelled");
}

}  // namespace
}  // namespace testing
}  // namespace tame
