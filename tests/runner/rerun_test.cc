// Partial runs (`tame run --from`, `--only`) against the real binary: what
// runs again, what is reused from which run and how its outputs reach the
// steps that run, each refusal and its message; `tame plan` with the same
// selection; and `tame runs` / `tame show`.
#include <gtest/gtest.h>
#include <unistd.h>

#include "tests/runner/tame_process.h"

namespace tame {
namespace testing {
namespace {

using Json = nlohmann::json;

class RerunTest : public RunnerTest {
 protected:
  // a publishes a word (with a param) and a file; b uses both and makes a
  // file; c copies b's file; d stands apart. Each step counts its runs in
  // ran-<id>. a fails until the file `a-ok` exists when `flaky` is set.
  void WritePipeline(const std::string& a_extra = "") {
    Write(
        "p.json",
        Pipeline(
            "{\"id\": \"a\", \"uses\": \"shell\", \"with\": {\"run\": \"echo x >> ran-a; " +
                a_extra +
                "echo data > a.txt; echo \\\"word=hello\\\" >> \\\"$TAME_OUTPUT\\\"\"}, "
                "\"outputs\": {\"word\": {}, \"file\": {\"path\": \"a.txt\"}}},"
                "{\"id\": \"b\", \"uses\": \"shell\", \"with\": {\"run\": \"echo x >> ran-b; echo "
                "\\\"${{ steps.a.outputs.word }} $(cat ${{ steps.a.outputs.file }}) ${{ params.who "
                "}}\\\" "
                "> b.txt\"}, \"outputs\": {\"file\": {\"path\": \"b.txt\"}}},"
                "{\"id\": \"c\", \"uses\": \"shell\", \"with\": {\"run\": \"echo x >> ran-c; cat "
                "${{ steps.b.outputs.file }} > c.txt\"}},"
                "{\"id\": \"d\", \"uses\": \"shell\", \"with\": {\"run\": \"echo x >> ran-d\"}}",
            "\"params\": {\"who\": {\"default\": \"nobody\"}},"));
  }

  std::string Id(const std::string& run_dir) const {
    return run_dir.substr(run_dir.rfind('/') + 1);
  }

  // Runs the whole pipeline once; returns its run id.
  std::string FirstRun() {
    WritePipeline();
    TameResult r = Tame({"run", "p.json", "--param", "who=world"});
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    return Id(RunDir());
  }
};

TEST_F(RerunTest, FromRunsTheStepAndWhatFollowsAndReusesWhatItNeeds) {
  std::string first = FirstRun();
  Write("b.txt", "");
  TameResult r = Tame({"run", "p.json", "--from", "b"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(Read("ran-a"), "x\n") << "a ran again";
  EXPECT_EQ(Read("ran-b"), "x\nx\n");
  EXPECT_EQ(Read("ran-c"), "x\nx\n");
  EXPECT_EQ(Read("ran-d"), "x\n") << "d has nothing to do with b";
  // a's recorded outputs reached b, and the earlier run's param too.
  EXPECT_EQ(Read("b.txt"), "hello data world\n");
  EXPECT_EQ(Read("c.txt"), "hello data world\n");

  std::vector<std::string> runs = RunDirs();
  ASSERT_EQ(runs.size(), 2u) << "a partial run has its own run folder";
  std::string second = Id(runs[1]);
  EXPECT_NE(second, first);
  Json report = Report(runs[1]);
  EXPECT_EQ(report["status"], "succeeded");
  EXPECT_EQ(report["reuse"], (Json{{"run", first}, {"from", {"b"}}}));
  EXPECT_EQ(StepReport("a", runs[1])["status"], "succeeded");
  EXPECT_EQ(StepReport("a", runs[1])["reused_from"], first);
  EXPECT_EQ(StepReport("a", runs[1])["outputs"], (Json{{"word", "hello"}, {"file", "a.txt"}}));
  EXPECT_EQ(StepReport("a", runs[1])["attempts"], 1) << "as recorded there";
  EXPECT_FALSE(StepReport("a", runs[1]).contains("log")) << "its log is in the other run";
  EXPECT_FALSE(StepReport("b", runs[1]).contains("reused_from"));
  EXPECT_EQ(StepReport("b", runs[1])["attempts"], 1);
  EXPECT_EQ(StepReport("d", runs[1])["status"], "not run");
  EXPECT_EQ(StepReport("d", runs[1])["attempts"], 0);
  bool journaled = false;
  for (const Json& e : Journal(runs[1])) {
    if (e["event"] != "reuse") continue;
    journaled = true;
    EXPECT_EQ(e["run"], first);
    EXPECT_EQ(e["from"], Json({"b"}));
    EXPECT_EQ(e["reused"], Json({"a"}));
  }
  EXPECT_TRUE(journaled) << "the journal records the reuse";

  // From the partial run, again: a still names the run it really ran in.
  r = Tame({"run", "p.json", "--from", "c"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  runs = RunDirs();
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(StepReport("a", runs[2])["reused_from"], first);
  EXPECT_EQ(StepReport("b", runs[2])["reused_from"], second);
  EXPECT_EQ(Read("ran-b"), "x\nx\n");
  EXPECT_EQ(Read("ran-c"), "x\nx\nx\n");
}

TEST_F(RerunTest, OnlyRunsJustThoseSteps) {
  std::string first = FirstRun();
  TameResult r = Tame({"run", "p.json", "--only", "c", "--only", "d"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(Read("ran-a"), "x\n");
  EXPECT_EQ(Read("ran-b"), "x\n");
  EXPECT_EQ(Read("ran-c"), "x\nx\n");
  EXPECT_EQ(Read("ran-d"), "x\nx\n");
  std::string run = RunDirs()[1];
  EXPECT_EQ(Report(run)["reuse"], (Json{{"run", first}, {"only", {"c", "d"}}}));
  EXPECT_EQ(StepReport("a", run)["reused_from"], first);
  EXPECT_EQ(StepReport("b", run)["reused_from"], first);

  r = Tame({"run", "p.json", "--only", "b,a", "--run", first, "--param", "who=you"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(Read("ran-a"), "x\nx\n");
  EXPECT_EQ(Read("b.txt"), "hello data you\n");
  EXPECT_EQ(Read("ran-c"), "x\nx\n");
  EXPECT_EQ(StepReport("c", RunDirs()[2])["status"], "not run");
}

TEST_F(RerunTest, RefusesWhatCannotBeReused) {
  // No earlier run.
  WritePipeline();
  TameResult r = Tame({"run", "p.json", "--from", "b"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err,
            "tame: no earlier run of pipeline \"test\" in .tame/runs of this folder to reuse "
            "steps from; run the whole pipeline first\n");
  EXPECT_TRUE(RunDirs().empty());

  // The step it needs failed in that run.
  WritePipeline("test -f a-ok; ");
  r = Tame({"run", "p.json"});
  ASSERT_EQ(r.code, 1) << r.out << r.err;
  std::string failed = Id(RunDir());
  r = Tame({"run", "p.json", "--from", "c"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "tame: cannot reuse step \"a\" from run " + failed + ": it failed there\n");
  r = Tame({"run", "p.json", "--only", "c"});
  EXPECT_EQ(r.err, "tame: cannot reuse step \"a\" from run " + failed + ": it failed there\n");
  // ... and b, which needs a, did not run there.
  Write("a-ok", "");
  r = Tame({"run", "p.json", "--only", "a,c"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "tame: cannot reuse step \"b\" from run " + failed + ": it was skipped there\n");
  EXPECT_EQ(RunDirs().size(), 1u) << "a refused run makes no run folder";

  // A declared output file is gone.
  r = Tame({"run", "p.json"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  std::string good = Id(RunDirs().back());
  unlink(Path("a.txt").c_str());
  r = Tame({"run", "p.json", "--from", "b"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err,
            "tame: cannot reuse step \"a\" from run " + good + ": its output file a.txt is gone\n");

  // The step's definition changed.
  Write("a.txt", "data\n");
  WritePipeline("true; ");
  r = Tame({"run", "p.json", "--from", "b"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err,
            "tame: cannot reuse step \"a\" from run " + good + ": its definition changed since\n");
  // Changing a step that is not reused is fine: it runs.
  WritePipeline("test -f a-ok; ");
  r = Tame({"run", "p.json", "--from", "b"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
}

TEST_F(RerunTest, BadStepIdsRunIdsAndCombinations) {
  FirstRun();
  TameResult r = Tame({"run", "p.json", "--from", "bb"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "tame: --from: unknown step \"bb\" (did you mean \"b\"?)\n");
  r = Tame({"run", "p.json", "--only", "a,zzzzzz"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "tame: --only: unknown step \"zzzzzz\"\n");
  r = Tame({"run", "p.json", "--from", "b", "--only", "c"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "tame: --from and --only do not go together; give one of them\n");
  r = Tame({"run", "p.json", "--from", "b", "--run", "nope"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "tame: no run \"nope\" in .tame/runs of this folder\n");
  r = Tame({"run", "p.json", "--run", "latest"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err,
            "tame: --run names the run that --from or --only reuse steps from; give one "
            "of them\n");
  r = Tame({"plan", "p.json", "--only", "cc"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "tame: --only: unknown step \"cc\" (did you mean \"c\"?)\n");
  EXPECT_EQ(RunDirs().size(), 1u);
}

TEST_F(RerunTest, PlanShowsTheSameSelection) {
  WritePipeline();
  TameResult r = Tame({"plan", "p.json", "--from", "b"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "test: 4 steps in 3 levels\n"
            "2 of 4 run (--from); 1 reused from an earlier run\n"
            "level 1\n"
            "  a  shell  (reused)\n"
            "  d  shell  (not run)\n"
            "level 2\n"
            "  b  shell\n"
            "level 3\n"
            "  c  shell\n");
  r = Tame({"plan", "p.json", "--json", "--only", "c"});
  ASSERT_EQ(r.code, 0) << r.err;
  Json plan = Json::parse(r.out);
  std::vector<std::string> selection;
  for (const Json& step : plan["steps"]) selection.push_back(step["selection"]);
  EXPECT_EQ(selection, (std::vector<std::string>{"reused", "reused", "runs", "not run"}));
}

TEST_F(RerunTest, RunsListsAndShowSumsUp) {
  TameResult r = Tame({"runs"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "no runs in .tame/runs of this folder\n");
  r = Tame({"show", "latest"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "tame: there are no runs in .tame/runs of this folder\n");

  std::string first = FirstRun();
  WritePipeline("echo 'something broke' >&2; test -f a-ok; ");
  r = Tame({"run", "p.json"});
  ASSERT_EQ(r.code, 1);
  std::string second = Id(RunDirs().back());

  r = Tame({"runs", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  Json runs = Json::parse(r.out);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0]["id"], second) << "newest first";
  EXPECT_EQ(runs[0]["status"], "failed");
  EXPECT_EQ(runs[0]["pipeline"], "test");
  EXPECT_EQ(runs[1]["id"], first);
  EXPECT_EQ(runs[1]["status"], "succeeded");
  EXPECT_TRUE(runs[1]["duration_ms"].is_number_integer());
  EXPECT_EQ(runs[1]["started_at"], Report(RunDirs()[0])["started_at"]);

  r = Tame({"runs"});
  ASSERT_EQ(r.code, 0);
  std::vector<std::string> lines;
  for (size_t start = 0; start < r.out.size();) {
    size_t nl = r.out.find('\n', start);
    lines.push_back(r.out.substr(start, nl - start));
    start = nl + 1;
  }
  ASSERT_EQ(lines.size(), 3u) << r.out;
  EXPECT_EQ(lines[0].substr(0, 4), "RUN ");
  EXPECT_NE(lines[0].find("PIPELINE  STARTED"), std::string::npos) << lines[0];
  EXPECT_EQ(lines[1].substr(0, second.size()), second);
  EXPECT_EQ(lines[1].substr(lines[1].size() - 6), "failed");
  EXPECT_EQ(lines[2].substr(lines[2].size() - 9), "succeeded");
  r = Tame({"runs", "-n", "1"});
  EXPECT_EQ(r.out.find(first), std::string::npos);

  r = Tame({"show", "latest"});
  ASSERT_EQ(r.code, 0) << r.err;
  Json report = Report(RunDirs().back());
  EXPECT_EQ(r.out.substr(0, r.out.find('\n') + 1),
            "run " + second + " of test (" + Path("p.json") + "), started " +
                report["started_at"].get<std::string>() + "\n");
  EXPECT_NE(r.out.find("\n  a  failed     1 attempt   "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("exit code 1\n  b  skipped    0 attempts  -\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n  d  succeeded  1 attempt"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("last lines of a's log (.tame/runs/" + second +
                       "/logs/a.log):\n  something broke\n"),
            std::string::npos)
      << r.out;
  std::string last = r.out.substr(r.out.rfind('\n', r.out.size() - 2) + 1);
  EXPECT_EQ(last.substr(0, 16), "test: failed in ") << last;
  EXPECT_NE(last.find(" 4 steps: 1 succeeded, 1 failed, 2 skipped; report in .tame/runs/" + second +
                      "/report.json\n"),
            std::string::npos)
      << last;

  r = Tame({"show", first});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out.find("last lines"), std::string::npos);
  r = Tame({"show", first.substr(0, first.size() - 1)});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "tame: no run \"" + first.substr(0, first.size() - 1) +
                       "\" in .tame/runs of this folder (did you mean \"" + first + "\"?)\n");
  r = Tame({"show", "nope"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "tame: no run \"nope\" in .tame/runs of this folder\n");
}

}  // namespace
}  // namespace testing
}  // namespace tame
