// `tame resume` after tame was killed with SIGKILL: finished steps are not
// run again and their outputs come back; a damaged journal is an error
// that names its line, never a crash; a torn last line is tolerated.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "tests/runner/tame_process.h"

namespace tame {
namespace testing {
namespace {

using Json = nlohmann::json;

class ResumeTest : public RunnerTest {
 protected:
  // a: counts its runs and publishes a value and a file. b: waits forever
  // the first time, finishes once `go` exists. c: uses a's outputs.
  void WritePipeline() {
    Write("p.json",
          Pipeline(
              "{\"id\": \"a\", \"uses\": \"shell\", \"with\": {\"run\": \"echo x >> a-runs; echo "
              "data > "
              "a.txt; echo \\\"word=hello ${{ params.who }}\\\" >> \\\"$TAME_OUTPUT\\\"\"}, "
              "\"outputs\": {\"word\": {}, \"file\": {\"path\": \"a.txt\"}}},"
              "{\"id\": \"b\", \"uses\": \"shell\", \"needs\": [\"a\"], \"with\": {\"run\": \"echo "
              "x >> "
              "b-runs; if [ -f go ]; then exit 0; fi; touch b-waiting; exec sleep 300\"}},"
              "{\"id\": \"c\", \"uses\": \"shell\", \"needs\": [\"b\"], \"with\": {\"run\": \"echo "
              "\\\"${{ steps.a.outputs.word }} $(cat ${{ steps.a.outputs.file }})\\\" > c.txt\"}}",
              "\"params\": {\"who\": {\"default\": \"nobody\"}},"));
  }

  // Starts a run and kills tame with SIGKILL while b waits; returns the run id.
  std::string KilledRun() {
    WritePipeline();
    pid_t tame = Start({"run", "p.json", "--param", "who=world"});
    EXPECT_TRUE(WaitFor("b-waiting"));
    kill(tame, SIGKILL);
    TameResult killed = Finish(tame);
    EXPECT_EQ(killed.code, 128 + SIGKILL);
    std::string run = RunDir();
    return run.substr(run.rfind('/') + 1);
  }
};

TEST_F(ResumeTest, FinishedStepsAreNotRunAgainAndOutputsComeBack) {
  std::string id = KilledRun();
  Write("go", "");
  TameResult r = Tame({"resume", id});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(Read("a-runs"), "x\n") << "a ran again";
  EXPECT_EQ(Read("b-runs"), "x\nx\n");
  EXPECT_EQ(Read("c.txt"), "hello world data\n");
  EXPECT_TRUE(StepReport("a")["restored"].get<bool>());
  EXPECT_EQ(StepReport("a")["outputs"]["word"], "hello world");
  EXPECT_EQ(Report()["status"], "succeeded");
  std::vector<Json> journal = Journal();
  int resumed = 0;
  for (const Json& e : journal) resumed += e["event"] == "run_resumed" ? 1 : 0;
  EXPECT_EQ(resumed, 1);
  EXPECT_EQ(journal.back()["event"], "run_ended");

  TameResult again = Tame({"resume", ".tame/runs/" + id});
  EXPECT_EQ(again.code, 0);
  EXPECT_EQ(again.out, "run " + id + " already succeeded; nothing to resume\n");
}

TEST_F(ResumeTest, ATornLastLineIsToleratedWithAWarning) {
  std::string id = KilledRun();
  std::string journal = ".tame/runs/" + id + "/journal.jsonl";
  std::string text = Read(journal);
  int lines = 0;
  for (char c : text) lines += c == '\n' ? 1 : 0;
  Write(journal, text + "{\"event\": \"step_en");
  Write("go", "");
  TameResult r = Tame({"resume", id});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(r.err, "tame: warning: .tame/runs/" + id + "/journal.jsonl: line " +
                       std::to_string(lines + 1) +
                       " is incomplete (tame was stopped while writing it); it is ignored\n");
  EXPECT_EQ(Read("a-runs"), "x\n");
  Journal();  // every line parses again
}

TEST_F(ResumeTest, OddValuesInTheJournalFallBackToDefaults) {
  std::string id = KilledRun();
  std::string journal = ".tame/runs/" + id + "/journal.jsonl";
  std::string text = Read(journal);
  size_t first_end = text.find('\n');
  Json started = Json::parse(text.substr(0, first_end));
  started["jobs"] = "many";
  started["cache"] = "yes";
  started["time"] = 12;
  std::string rest = text.substr(first_end);
  size_t attempts = rest.find("\"attempts\":1");
  if (attempts != std::string::npos) rest.replace(attempts, 12, "\"attempts\":\"x\"");
  Write(journal, started.dump() + rest);
  Write("go", "");
  TameResult r = Tame({"resume", id});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(Read("a-runs"), "x\n");
}

TEST_F(ResumeTest, ADamagedJournalIsAnErrorNamingTheLine) {
  std::string id = KilledRun();
  std::string journal = ".tame/runs/" + id + "/journal.jsonl";
  std::string text = Read(journal);
  size_t second = text.find('\n') + 1;
  Write(journal, text.substr(0, second) + "{not json\n" + text.substr(second));
  TameResult r = Tame({"resume", id});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "tame: .tame/runs/" + id + "/journal.jsonl: line 2: not valid JSON\n");
  Write(journal, "");
  r = Tame({"resume", id});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "tame: .tame/runs/" + id + "/journal.jsonl: the journal is empty\n");
  Write(journal, "[1, 2]\n");
  r = Tame({"resume", id});
  EXPECT_EQ(r.err, "tame: .tame/runs/" + id + "/journal.jsonl: line 1: not a journal event\n");
  Write(journal, std::string(4096, '\xff') + "\n\x01\n");
  EXPECT_EQ(Tame({"resume", id}).code, 2);
  r = Tame({"resume", "20990101T000000Z-0000"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "tame: no run \"20990101T000000Z-0000\" in .tame/runs of this folder\n");
}

TEST_F(ResumeTest, ARunStillGoingCannotBeResumed) {
  WritePipeline();
  pid_t tame = Start({"run", "p.json"});
  ASSERT_TRUE(WaitFor("b-waiting"));
  std::string run = RunDir();
  std::string id = run.substr(run.rfind('/') + 1);
  TameResult second = Tame({"resume", id});
  EXPECT_EQ(second.code, 2);
  EXPECT_EQ(second.err, "tame: run " + id + " is in use by another tame\n");
  kill(tame, SIGINT);
  EXPECT_EQ(Finish(tame).code, 130);
}

TEST_F(ResumeTest, AChangedPipelineIsRefused) {
  std::string id = KilledRun();
  Write("p.json", Read("p.json").substr(0, Read("p.json").size() - 2) +
                      ", {\"id\": \"z\", "
                      "\"uses\": \"shell\", \"with\": {\"run\": \"true\"}}]}");
  TameResult r = Tame({"resume", id});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err,
            "tame: " + Path("p.json") + " changed since run " + id +
                " started; resume runs the same pipeline: start a new run with 'tame run'\n");
}

}  // namespace
}  // namespace testing
}  // namespace tame
