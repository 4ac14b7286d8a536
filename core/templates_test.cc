#include "core/templates.h"

#include <gtest/gtest.h>

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
