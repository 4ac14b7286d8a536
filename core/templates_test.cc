#include "core/templates.h"

#include <gtest/gtest.h>

#include "core/auto_layout.h"
#include "core/graph.h"
#include "core/save.h"
#include "core/test_util.h"
#include "core/validate.h"

namespace tame {
namespace {

TEST(TemplatesTest, TheExamplesByteForByteDefaultFirst) {
  ASSERT_EQ(Templates().size(), 3u);
  EXPECT_STREQ(Templates()[0].file, "ml-to-k8s.json");
  EXPECT_STREQ(Templates()[1].file, "local-ml.json");
  EXPECT_STREQ(Templates()[2].file, "promote.json");
  for (const Template& t : Templates()) {
    EXPECT_EQ(t.text, SourceFile(std::string("examples/") + t.file)) << t.file;
  }
}

TEST(TemplatesTest, EveryTemplateIsValid) {
  for (const Template& t : Templates()) {
    LoadResult result = LoadAndValidate(t.text);
    EXPECT_TRUE(result.errors.empty()) << t.file;
  }
}

// A template opens laid out as the designer's auto-layout would lay it out
// for a canvas kTemplateLayoutWidth wide, and in canonical form: what the
// designer saves right after opening it is what `tame init` writes.
TEST(TemplatesTest, LaidOutByTheLayeredAutoLayoutInCanonicalForm) {
  for (const Template& t : Templates()) {
    LoadResult loaded = LoadPipeline(t.text);
    ASSERT_TRUE(loaded.pipeline.has_value()) << t.file;
    const Pipeline& p = *loaded.pipeline;
    const Graph graph = BuildGraph(p);
    Plan plan;
    ASSERT_TRUE(MakePlan(graph, &plan)) << t.file;
    const std::vector<Position> at = LayoutLayered(graph, plan, kTemplateLayoutWidth);
    std::map<std::string, Position> expected;
    std::string as_json;
    for (size_t i = 0; i < p.steps.size(); ++i) {
      expected[p.steps[i].id] = at[i];
      as_json += "\"" + p.steps[i].id + "\": {\"x\": " + std::to_string(int(at[i].x)) +
                 ", \"y\": " + std::to_string(int(at[i].y)) + "}, ";
    }
    EXPECT_TRUE(p.layout == expected) << t.file << " should have the layout " << as_json;
    EXPECT_EQ(SavePipeline(p), t.text) << t.file;
  }
}

TEST(TemplatesTest, FoundByNameWithoutJson) {
  ASSERT_NE(FindTemplate("local-ml"), nullptr);
  EXPECT_STREQ(FindTemplate("local-ml")->file, "local-ml.json");
  EXPECT_EQ(FindTemplate("local-ml.json"), nullptr);
  EXPECT_EQ(FindTemplate(""), nullptr);
  EXPECT_EQ(TemplateName(*FindTemplate("ml-to-k8s")), "ml-to-k8s");
  EXPECT_EQ(TemplateDescription(*FindTemplate("local-ml")).rfind("Prepare data, train two", 0), 0u);
}

}  // namespace
}  // namespace tame
