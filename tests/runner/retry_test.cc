// Retries with backoff, factor and exit-code filters, with real processes;
// and what a terminal shows (the board, colour, NO_COLOR).
#include <gtest/gtest.h>

#include <sstream>

#include "tests/runner/tame_process.h"

namespace tame {
namespace testing {
namespace {

using Json = nlohmann::json;

class RetryTest : public RunnerTest {};

TEST_F(RetryTest, RetriesWithGrowingBackoffUntilSuccess) {
  Write("p.json", Pipeline("{\"id\": \"flaky\", \"uses\": \"shell\", \"retries\": {\"max\": 3, "
                           "\"backoff\": \"100ms\", "
                           "\"factor\": 3}, \"with\": {\"run\": \"date +%s%N >> tries; echo "
                           "\\\"attempt $TAME_ATTEMPT\\\"; "
                           "[ $(wc -l < tries) -ge 3 ]\"}}"));
  TameResult r = Tame({"run", "p.json"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  std::istringstream in(Read("tries"));
  std::vector<long long> t;
  long long v;
  while (in >> v) t.push_back(v);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_GE(t[1] - t[0], 100'000'000) << "first backoff shorter than 100ms";
  EXPECT_GE(t[2] - t[1], 300'000'000) << "second backoff shorter than 300ms";
  EXPECT_LT(t[2] - t[1], 2'000'000'000);
  EXPECT_EQ(StepReport("flaky")["attempts"], 3);
  EXPECT_EQ(StepReport("flaky")["status"], "succeeded");
  std::string log = Read(RunDir() + "/logs/flaky.log");
  EXPECT_EQ(log, "attempt 1\n--- attempt 2 ---\nattempt 2\n--- attempt 3 ---\nattempt 3\n");
  EXPECT_NE(r.out.find("flaky: attempt 1 failed (exit code 1); retrying in 0.1s (attempt 2 of 4)"),
            std::string::npos)
      << r.out;
  int retries = 0;
  for (const Json& e : Journal()) retries += e["event"] == "attempt_ended" && e["retry"] == true;
  EXPECT_EQ(retries, 2);
}

TEST_F(RetryTest, OnlyListedExitCodesAreRetried) {
  Write("p.json",
        Pipeline(
            "{\"id\": \"a\", \"uses\": \"shell\", \"retries\": {\"max\": 5, \"backoff\": \"10ms\", "
            "\"on_exit_codes\": [75]}, \"with\": {\"run\": \"echo x >> tries; [ $(wc -l < tries) "
            "-ge 2 ] "
            "&& exit 3; exit 75\"}}"));
  TameResult r = Tame({"run", "p.json"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(Read("tries"), "x\nx\n");
  EXPECT_EQ(StepReport("a")["attempts"], 2);
  EXPECT_EQ(StepReport("a")["exit_code"], 3);
  // A backoff under 100 ms is said in milliseconds, not as "0.0s".
  EXPECT_NE(r.out.find("a: attempt 1 failed (exit code 75); retrying in 10ms (attempt 2 of 6)"),
            std::string::npos)
      << r.out;
}

TEST_F(RetryTest, TimedOutAttemptsAreRetried) {
  Write(
      "p.json",
      Pipeline(
          "{\"id\": \"a\", \"uses\": \"shell\", \"timeout\": \"300ms\", \"retries\": {\"max\": 1, "
          "\"backoff\": \"10ms\"}, \"with\": {\"run\": \"echo x >> tries; [ $(wc -l < tries) -ge 2 "
          "] "
          "|| exec sleep 60\"}}"));
  TameResult r = Tame({"run", "p.json"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(StepReport("a")["attempts"], 2);
  EXPECT_NE(r.out.find("a: attempt 1 failed (timed out after 300ms)"), std::string::npos) << r.out;
}

class TerminalTest : public RunnerTest {
 protected:
  // Runs tame on a pseudo-terminal (script(1)) and returns what it printed.
  std::string OnTerminal(const std::string& extra_env) {
    Write("run.sh", "cd " + dir_ + " && " + extra_env + " TERM=xterm script -qefc '" + TAME_BIN +
                        " run p.json' /dev/null > tty.out 2>&1\n");
    EXPECT_EQ(system(("sh " + Path("run.sh")).c_str()), 0);
    return Read("tty.out");
  }
};

TEST_F(TerminalTest, BoardAndColourOnATerminalButNotWithNoColor) {
  if (system("command -v script > /dev/null") != 0) GTEST_SKIP() << "script(1) is not installed";
  Write("p.json",
        Pipeline(
            "{\"id\": \"a\", \"uses\": \"shell\", \"with\": {\"run\": \"echo hi; sleep 0.3\"}}"));
  std::string tty = OnTerminal("LC_ALL=C.UTF-8");
  EXPECT_NE(tty.find("\x1b[32m"), std::string::npos) << "no colour on a terminal";
  EXPECT_NE(tty.find("0/1 done  0 failed  1 running"), std::string::npos) << tty;
  EXPECT_NE(tty.find("\x1b[2A\x1b[J"), std::string::npos) << "the board is redrawn in place";
  EXPECT_NE(tty.find("\xE2\x96\xB8 a"), std::string::npos) << "the running step on the board";
  std::string plain = OnTerminal("NO_COLOR=1 LC_ALL=C.UTF-8");
  EXPECT_EQ(plain.find("\x1b[3"), std::string::npos) << "colour despite NO_COLOR";
  EXPECT_NE(plain.find("0/1 done"), std::string::npos) << plain;
}

}  // namespace
}  // namespace testing
}  // namespace tame
