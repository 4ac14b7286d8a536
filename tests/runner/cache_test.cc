// The step cache: hits, misses, invalidation by inputs and outputs,
// --no-cache, and what `tame plan` says about it.
#include "runner/run/cache.h"

#include <gtest/gtest.h>

#include "tests/runner/tame_process.h"

namespace tame {
namespace testing {
namespace {

using Json = nlohmann::json;

class CacheTest : public RunnerTest {
 protected:
  void WritePipeline(const std::string& extra_step = "") {
    Write(
        "p.json",
        Pipeline(
            "{\"id\": \"build\", \"uses\": \"shell\", \"cache\": {\"inputs\": [\"src/**/*.txt\"]}, "
            "\"with\": {\"run\": \"echo x >> build-runs; mkdir -p out; cat src/*.txt src/sub/*.txt "
            "> out/all.txt; "
            "echo \\\"lines=$(wc -l < out/all.txt)\\\" >> \\\"$TAME_OUTPUT\\\"\"}, "
            "\"outputs\": {\"all\": {\"path\": \"out/all.txt\"}, \"lines\": {}}},"
            "{\"id\": \"use\", \"uses\": \"shell\", \"cache\": true, \"with\": {\"run\": \"echo x "
            ">> use-runs; "
            "echo ${{ steps.build.outputs.lines }} > use.txt\"}}" +
                extra_step,
            ""));
  }
  std::string Runs(const std::string& step) {
    std::string text = Read(step + "-runs");
    return std::to_string(std::count(text.begin(), text.end(), '\n'));
  }
  Json LastStep(const std::string& id) { return StepReport(id, RunDirs().back()); }
};

TEST_F(CacheTest, UnchangedStepsAreSkippedAndChangesRunThemAgain) {
  Write("src/a.txt", "one\n");
  Write("src/sub/b.txt", "two\n");
  WritePipeline();
  ASSERT_EQ(Tame({"run", "p.json"}).code, 0);
  EXPECT_EQ(Runs("build"), "1");
  EXPECT_EQ(Runs("use"), "1");

  TameResult r = Tame({"run", "p.json"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(Runs("build"), "1");
  EXPECT_EQ(Runs("use"), "1");
  EXPECT_TRUE(LastStep("build")["cached"].get<bool>());
  EXPECT_EQ(LastStep("build")["outputs"], (Json{{"all", "out/all.txt"}, {"lines", "2"}}));
  EXPECT_NE(r.out.find("build: succeeded (cached)"), std::string::npos) << r.out;

  Write("src/sub/b.txt", "two\nthree\n");  // an input changed
  ASSERT_EQ(Tame({"run", "p.json"}).code, 0);
  EXPECT_EQ(Runs("build"), "2");
  EXPECT_EQ(Runs("use"), "2") << "its input (build's output) changed";
  EXPECT_EQ(Read("use.txt"), "3\n");

  Write("src/new.txt", "four\n");  // a new file matches the glob
  ASSERT_EQ(Tame({"run", "p.json"}).code, 0);
  EXPECT_EQ(Runs("build"), "3");

  unlink(Path("out/all.txt").c_str());  // an output is gone
  ASSERT_EQ(Tame({"run", "p.json"}).code, 0);
  EXPECT_EQ(Runs("build"), "4");
  EXPECT_EQ(Runs("use"), "3") << "same value of lines, same file content: still cached";

  Write("out/all.txt", "tampered\n");  // an output changed
  ASSERT_EQ(Tame({"run", "p.json"}).code, 0);
  EXPECT_EQ(Runs("build"), "5");

  ASSERT_EQ(Tame({"run", "p.json", "--no-cache"}).code, 0);
  EXPECT_EQ(Runs("build"), "6");
  EXPECT_EQ(Runs("use"), "4");
  ASSERT_EQ(Tame({"run", "p.json"}).code, 0);
  EXPECT_EQ(Runs("build"), "6") << "what --no-cache made was stored";
}

TEST_F(CacheTest, FailuresAndRetriesStoreOnlyTheFinalSuccess) {
  Write("p.json",
        Pipeline(
            "{\"id\": \"flaky\", \"uses\": \"shell\", \"cache\": true, \"retries\": {\"max\": 2, "
            "\"backoff\": \"10ms\"}, \"with\": {\"run\": \"echo x >> flaky-runs; [ $(wc -l < "
            "flaky-runs) -ge 2 ]\"}}"));
  ASSERT_EQ(Tame({"run", "p.json"}).code, 0);
  EXPECT_EQ(Runs("flaky"), "2");
  ASSERT_EQ(Tame({"run", "p.json"}).code, 0);
  EXPECT_EQ(Runs("flaky"), "2");
  Write("q.json", Pipeline("{\"id\": \"bad\", \"uses\": \"shell\", \"cache\": true, \"with\": "
                           "{\"run\": \"echo x >> bad-runs; exit 1\"}}"));
  EXPECT_EQ(Tame({"run", "q.json"}).code, 1);
  EXPECT_EQ(Tame({"run", "q.json"}).code, 1);
  EXPECT_EQ(Runs("bad"), "2") << "a failure is never cached";
}

TEST_F(CacheTest, ParallelStepsAndParamsMakeTheirOwnEntries) {
  std::string steps;
  for (int i = 0; i < 8; ++i) {
    steps += std::string(i ? "," : "") + "{\"id\": \"s" + std::to_string(i) +
             "\", \"uses\": \"shell\", \"cache\": true, \"with\": {\"run\": \"echo x >> "
             "runs-$TAME_STEP_ID; "
             "echo ${{ params.p }} > out-$TAME_STEP_ID\"}}";
  }
  Write("p.json", Pipeline(steps, "\"params\": {\"p\": {\"default\": \"1\"}},"));
  ASSERT_EQ(Tame({"run", "p.json", "-j", "4"}).code, 0);
  ASSERT_EQ(Tame({"run", "p.json", "-j", "4"}).code, 0);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(Read("runs-s" + std::to_string(i)), "x\n");
  ASSERT_EQ(Tame({"run", "p.json", "-j", "4", "--param", "p=2"}).code, 0);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(Read("out-s" + std::to_string(i)), "2\n");
  ASSERT_EQ(Tame({"run", "p.json", "-j", "4", "--param", "p=1"}).code, 0);
  EXPECT_EQ(Read("runs-s3"), "x\nx\n") << "p=1 is still in the cache";
}

TEST_F(CacheTest, AGrownEntriesFileKeepsTheLatestFewOfEachStep) {
  Write("p.json", Pipeline("{\"id\": \"a\", \"uses\": \"shell\", \"cache\": true, "
                           "\"with\": {\"run\": \"true\"}}"));
  ASSERT_EQ(Tame({"run", "p.json"}).code, 0);
  const std::string real = Read(".tame/cache/entries");
  ASSERT_EQ(std::count(real.begin(), real.end(), '\n'), 1) << real;
  // The real entry, then 1,199 newer ones of the same step and 3 of a step
  // that is gone, and a last line cut short.
  const std::string tag = real.substr(real.find(" a ") + 3, 16);
  std::string entries = real;
  auto line = [&](int n, const std::string& step) {
    char key[65];
    std::snprintf(key, sizeof(key), "%064d", n);
    return std::string(key) + " " + step + " " + tag + " {\"n\":" + std::to_string(n) + "}\n";
  };
  for (int n = 1; n < 1200; ++n) entries += line(n, "a");
  for (int n = 1200; n < 1203; ++n) entries += line(n, "gone");
  Write(".tame/cache/entries", entries + "0123 a " + tag + " {\"cut");
  TameResult r = Tame({"run", "p.json"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("a: succeeded (cached)"), std::string::npos) << r.out;
  std::string kept;
  for (int n : {1196, 1197, 1198, 1199}) kept += line(n, "a");
  for (int n : {1200, 1201, 1202}) kept += line(n, "gone");
  EXPECT_EQ(Read(".tame/cache/entries"), kept);
}

TEST_F(CacheTest, PlanShowsWhatWouldBeSkippedAndWhy) {
  Write("src/a.txt", "one\n");
  Write("src/sub/b.txt", "two\n");
  WritePipeline();
  TameResult before = Tame({"plan", "p.json"});
  ASSERT_EQ(before.code, 0) << before.err;
  EXPECT_NE(before.out.find("build  shell  (cache: runs: no earlier run)"), std::string::npos)
      << before.out;
  ASSERT_EQ(Tame({"run", "p.json"}).code, 0);
  TameResult after = Tame({"plan", "p.json"});
  EXPECT_NE(after.out.find("build  shell  (cache: skipped, unchanged since an earlier run)"),
            std::string::npos)
      << after.out;
  EXPECT_NE(after.out.find("use    shell  (cache: skipped, unchanged since an earlier run)"),
            std::string::npos)
      << after.out;
  Write("src/a.txt", "changed\n");
  TameResult changed = Tame({"plan", "p.json", "--json"});
  Json plan = Json::parse(changed.out, nullptr, false);
  ASSERT_FALSE(plan.is_discarded()) << changed.out;
  EXPECT_EQ(plan["steps"][0]["cache"],
            (Json{{"skip", false}, {"reason", "input src/a.txt changed"}}));
  EXPECT_EQ(plan["steps"][1]["cache"],
            (Json{{"skip", false}, {"reason", "it needs an output of build, which runs"}}));
}

TEST(GlobTest, MatchesPartsFoldersAndDoubleStars) {
  char tmpl[] = "/tmp/tame-glob-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  for (const char* f : {"a.txt", "b.csv", "d/c.txt", "d/e/f.txt", ".hidden.txt", ".tame/x.txt"}) {
    std::string path = dir + "/" + f;
    system(("mkdir -p \"$(dirname " + path + ")\" && touch " + path).c_str());
  }
  EXPECT_EQ(GlobFiles(dir, "*.txt"), (std::vector<std::string>{"a.txt"}));
  EXPECT_EQ(GlobFiles(dir, "**/*.txt"),
            (std::vector<std::string>{"a.txt", "d/c.txt", "d/e/f.txt"}));
  EXPECT_EQ(GlobFiles(dir, "d"), (std::vector<std::string>{"d/c.txt", "d/e/f.txt"}));
  EXPECT_EQ(GlobFiles(dir, "./d/*/f.txt"), (std::vector<std::string>{"d/e/f.txt"}));
  EXPECT_EQ(GlobFiles(dir, "b.[ct]sv"), (std::vector<std::string>{"b.csv"}));
  EXPECT_TRUE(GlobFiles(dir, "nothing/*").empty());
  system(("rm -rf " + dir).c_str());
}

}  // namespace
}  // namespace testing
}  // namespace tame
