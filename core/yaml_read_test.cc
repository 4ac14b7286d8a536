#include "core/yaml_read.h"

#include <gtest/gtest.h>

namespace tame {
namespace {

TEST(YamlReadTest, ReadsMappingsSequencesAndScalarsWithLines) {
  YamlReadResult r = ReadYaml("name: ci\njobs:\n  build:\n    steps:\n      - run: make\n");
  ASSERT_TRUE(r.root) << r.error.message;
  EXPECT_EQ(r.root->Find("name")->value, "ci");
  const YamlNode* build = r.root->Find("jobs")->Find("build");
  ASSERT_TRUE(build);
  EXPECT_EQ(build->line, 3);  // a collection is placed at its key
  EXPECT_EQ(build->Find("steps")->items[0]->Find("run")->value, "make");
}

TEST(YamlReadTest, TypesOnlyPlainScalars) {
  YamlReadResult r = ReadYaml("a: true\nb: 'true'\nc: ~\n");
  ASSERT_TRUE(r.root);
  EXPECT_TRUE(r.root->Find("a")->plain);
  EXPECT_FALSE(r.root->Find("b")->plain);
  EXPECT_TRUE(r.root->Find("c")->IsNull());
}

TEST(YamlReadTest, ResolvesAliasesAndMergeKeys) {
  YamlReadResult r =
      ReadYaml(".base: &base\n  image: python\n  stage: test\njob:\n  <<: *base\n  stage: build\n");
  ASSERT_TRUE(r.root) << r.error.message;
  const YamlNode* job = r.root->Find("job");
  EXPECT_EQ(job->Find("image")->value, "python");
  EXPECT_EQ(job->Find("stage")->value, "build");  // the key written wins
}

TEST(YamlReadTest, KeepsLocalTags) {
  YamlReadResult r = ReadYaml("script:\n  - !reference [.setup, script]\n");
  ASSERT_TRUE(r.root);
  EXPECT_EQ(r.root->Find("script")->items[0]->tag, "!reference");
}

TEST(YamlReadTest, AnAliasBombFailsAtTheLimit) {
  std::string text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 12; ++i) {
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) text += (k ? ", *a" : "*a") + std::to_string(i - 1);
    text += "]\n";
  }
  YamlLimits limits;
  limits.max_nodes = 10000;
  YamlReadResult r = ReadYaml(text, limits);
  EXPECT_FALSE(r.root);
  EXPECT_EQ(r.error.message, "the document expands to more than 10000 nodes (aliases included)");
  EXPECT_EQ(r.error.line, 4);
}

TEST(YamlReadTest, ErrorsAreValuesWithPlaces) {
  EXPECT_EQ(ReadYaml("a: [1, 2\n").error.message,
            "while parsing a flow sequence: did not find expected ',' or ']'");
  EXPECT_EQ(ReadYaml("a: *nowhere\n").error.message, "unknown alias *nowhere");
  YamlReadResult dup = ReadYaml("a: 1\nb: 2\na: 3\n");
  EXPECT_EQ(dup.error.message, "duplicate key \"a\"");
  EXPECT_EQ(dup.error.line, 3);
  EXPECT_EQ(ReadYaml("a: 1\n---\nb: 2\n").error.message, "more than one YAML document in the file");
  EXPECT_EQ(ReadYaml(std::string(100, '[') + std::string(100, ']')).error.message,
            "nesting deeper than 64 levels");
  EXPECT_EQ(ReadYaml("").error.message, "the file holds no YAML document");
  EXPECT_EQ(ReadYaml("[a, b]: c\n").error.message, "a mapping key must be a scalar");
}

}  // namespace
}  // namespace tame
