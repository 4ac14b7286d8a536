#include "core/import.h"

#include <gtest/gtest.h>

#include "core/load.h"

namespace tame {
namespace {

TEST(ImportTest, DetectsTheSourceAndRenamesIds) {
  ImportResult r = ImportWorkflow(
      "on: push\njobs:\n  Build It:\n    runs-on: x\n    steps:\n      - run: make\n"
      "  9lives:\n    needs: Build It\n    steps:\n      - run: make test\n",
      "ci.yml");
  ASSERT_FALSE(r.Failed()) << FormatImportReport("ci.yml", r);
  EXPECT_EQ(r.source, ImportSource::kGitHubActions);
  LoadResult p = LoadPipeline(r.text);
  ASSERT_TRUE(p.pipeline);
  EXPECT_EQ(p.pipeline->steps[0].id, "build-it");
  EXPECT_EQ(p.pipeline->steps[1].id, "job-9lives");
  EXPECT_EQ(p.pipeline->steps[1].needs, std::vector<std::string>{"build-it"});
  EXPECT_EQ(FormatImportReport("ci.yml", r),
            "ci.yml: imported from github-actions: 2 steps, 3 notes\n"
            "ci.yml:1: on: note: triggers (push) are not imported: a tame pipeline runs when "
            "started\n"
            "ci.yml:3: job \"Build It\": note: renamed to \"build-it\" (step ids are "
            "[a-z][a-z0-9_-]{0,62}, unique)\n"
            "ci.yml:7: job \"9lives\": note: renamed to \"job-9lives\" (step ids are "
            "[a-z][a-z0-9_-]{0,62}, unique)\n");
}

TEST(ImportTest, RefusesWhatItCannotDoUnlessKeptAsFailingSteps) {
  const char* text =
      "on: push\njobs:\n  t:\n    strategy:\n      matrix:\n        v: [1, 2]\n"
      "    steps:\n      - run: echo ${{ matrix.v }}\n";
  ImportResult refused = ImportWorkflow(text, "m.yml");
  EXPECT_TRUE(refused.Failed());
  EXPECT_TRUE(refused.error.message.empty());
  ImportOptions keep;
  keep.keep_unknown = true;
  ImportResult kept = ImportWorkflow(text, "m.yml", keep);
  ASSERT_FALSE(kept.Failed()) << kept.error.message;
  EXPECT_NE(kept.text.find("exit 1"), std::string::npos);
}

TEST(ImportTest, GitLabStagesExtendsAndReferences) {
  ImportResult r = ImportWorkflow(
      "stages: [a, b]\n.t:\n  script: [echo t]\n.base:\n  before_script: [echo before]\n"
      "one:\n  stage: a\n  extends: .base\n  script:\n    - !reference [.t, script]\n"
      "    - echo one\n  timeout: 1h 30m\n"
      "two:\n  stage: b\n  script: echo two\n  when: always\n",
      ".gitlab-ci.yml");
  ASSERT_FALSE(r.Failed()) << FormatImportReport(".gitlab-ci.yml", r);
  EXPECT_EQ(r.source, ImportSource::kGitLabCi);
  LoadResult p = LoadPipeline(r.text);
  ASSERT_TRUE(p.pipeline);
  EXPECT_EQ(p.pipeline->steps[0].with["run"], "echo before\necho t\necho one\n");
  EXPECT_EQ(p.pipeline->steps[0].timeout, "90m");
  EXPECT_EQ(p.pipeline->steps[1].needs, std::vector<std::string>{"one"});
  EXPECT_EQ(p.pipeline->steps[1].if_condition, "always");
}

TEST(ImportTest, ExtendsLoopsAreReportedNotFollowed) {
  ImportResult r = ImportWorkflow("a:\n  extends: b\n  script: x\nb:\n  extends: a\n  script: y\n",
                                  ".gitlab-ci.yml");
  EXPECT_TRUE(r.Failed());
  ASSERT_FALSE(r.items.empty());
  EXPECT_EQ(r.items[0].message, "extends itself through its templates");
}

}  // namespace
}  // namespace tame
