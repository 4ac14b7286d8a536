#include "core/expression.h"

#include <gtest/gtest.h>

#include "core/duration.h"

namespace tame {
namespace {

TEST(ExpressionTest, FindsEveryForm) {
  std::vector<Reference> refs;
  std::string error;
  std::string text =
      "a ${{params.x}} b ${{  secrets.TOKEN }}${{ steps.s-1.outputs.o_2 }} ${{ run.id }}";
  ASSERT_TRUE(ParseReferences(text, &refs, &error)) << error;
  ASSERT_EQ(refs.size(), 4u);
  EXPECT_EQ(refs[0].Text(), "params.x");
  EXPECT_EQ(refs[1].kind, RefKind::kSecret);
  EXPECT_EQ(refs[2].step, "s-1");
  EXPECT_EQ(refs[2].name, "o_2");
  EXPECT_EQ(refs[3].kind, RefKind::kRunId);
  EXPECT_EQ(text.substr(refs[0].begin, refs[0].end - refs[0].begin), "${{params.x}}");
  EXPECT_EQ(Substitute(text, refs, [](const Reference& r) { return "<" + r.Text() + ">"; }),
            "a <params.x> b <secrets.TOKEN><steps.s-1.outputs.o_2> <run.id>");
  EXPECT_FALSE(IsWholeReference(text, refs));
}

TEST(ExpressionTest, RefusesOtherForms) {
  for (const char* bad : {"${{ github.sha }}", "${{ params.a.b }}", "${{ steps.A.outputs.x }}",
                          "${{ params.x || 'y' }}", "${{ }}"}) {
    std::vector<Reference> refs;
    std::string error;
    EXPECT_FALSE(ParseReferences(bad, &refs, &error)) << bad;
    EXPECT_NE(error.find("is not a reference"), std::string::npos) << error;
  }
}

TEST(ExpressionTest, EnvNames) {
  std::vector<Reference> refs;
  std::string error;
  ASSERT_TRUE(ParseReferences("${{ steps.train-a.outputs.m }}${{ params.n-1 }}", &refs, &error));
  EXPECT_EQ(ReferenceEnvName(refs[0]), "TAME_STEP_train_a_OUT_m");
  EXPECT_EQ(ReferenceEnvName(refs[1]), "TAME_PARAM_n_1");
}

TEST(ExpressionTest, Ids) {
  EXPECT_TRUE(IsValidStepId("a"));
  EXPECT_TRUE(IsValidStepId("train-2_x"));
  EXPECT_FALSE(IsValidStepId("2a"));
  EXPECT_FALSE(IsValidStepId("A"));
  EXPECT_FALSE(IsValidStepId(std::string(64, 'a')));
  EXPECT_TRUE(IsValidStepId(std::string(63, 'a')));
}

TEST(DurationTest, ParsesAndFormats) {
  int64_t ms = 0;
  std::string error;
  ASSERT_TRUE(ParseDuration("1h30m", &ms, &error));
  EXPECT_EQ(ms, 90 * 60 * 1000);
  ASSERT_TRUE(ParseDuration("500ms", &ms, &error));
  EXPECT_EQ(ms, 500);
  EXPECT_EQ(FormatDuration(90 * 60 * 1000 + 1500), "1h30m1s500ms");
  EXPECT_FALSE(ParseDuration("31d", &ms, &error));
  EXPECT_EQ(error, "duration \"31d\" is longer than 30 days");
  EXPECT_FALSE(ParseDuration("99999999999999999999h", &ms, &error));
  EXPECT_EQ(error, "duration \"99999999999999999999h\" is longer than 30 days");
  EXPECT_FALSE(ParseDuration("-5s", &ms, &error));
  EXPECT_EQ(error,
            "\"-5s\" is not a duration; expected a duration such as 500ms, 90s, 20m, "
            "24h or 1h30m");
}

}  // namespace
}  // namespace tame
