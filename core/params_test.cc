#include "core/params.h"

#include <gtest/gtest.h>

#include "core/test_util.h"

namespace tame {
namespace {

const char kPipeline[] = R"({"version": 1, "name": "t",
  "params": {"n": {"type": "integer", "default": 3}, "rate": {"type": "number", "default": 0.5},
             "dry": {"type": "boolean", "default": false}, "image": {"type": "string"}},
  "steps": [{"id": "a", "uses": "shell", "with": {"run": "echo ${{ params.n }} ${{ params.image }} ${{ params.rate }} ${{ params.dry }}"}}]})";

std::string Resolve(const std::vector<std::string>& given, std::map<std::string, Json>* out) {
  Pipeline p = MustLoad(kPipeline);
  std::string error;
  if (!ResolveParams(p, given, out, &error)) return error;
  return "";
}

TEST(ParamsTest, TypesGivenValuesAndUsesDefaults) {
  std::map<std::string, Json> v;
  ASSERT_EQ(Resolve({"image=reg/x:1", "n=12", "rate=1e-3", "dry=true", "n=13"}, &v), "");
  EXPECT_EQ(v["n"], Json(13));
  EXPECT_EQ(v["rate"], Json(0.001));
  EXPECT_EQ(v["dry"], Json(true));
  EXPECT_EQ(v["image"], Json("reg/x:1"));
  ASSERT_EQ(Resolve({"image=a=b"}, &v), "");
  EXPECT_EQ(v["image"], Json("a=b"));
  EXPECT_EQ(v["n"], Json(3));
  EXPECT_EQ(ParamText(v["n"]), "3");
  EXPECT_EQ(ParamText(v["rate"]), "0.5");
  EXPECT_EQ(ParamText(v["dry"]), "false");
  EXPECT_EQ(ParamText(v["image"]), "a=b");
}

TEST(ParamsTest, ExactErrors) {
  std::map<std::string, Json> v;
  EXPECT_EQ(Resolve({}, &v), "param \"image\" has no default; give it with --param image=VALUE");
  EXPECT_EQ(Resolve({"image=x", "imgae=y"}, &v),
            "unknown param \"imgae\": the pipeline declares dry, image, n, rate "
            "(did you mean \"image\"?)");
  EXPECT_EQ(Resolve({"image=x", "n=1.5"}, &v), "param \"n\" must be an integer, not \"1.5\"");
  EXPECT_EQ(Resolve({"image=x", "n=99999999999999999999"}, &v),
            "param \"n\" must be an integer, not \"99999999999999999999\"");
  EXPECT_EQ(Resolve({"image=x", "rate=0x10"}, &v), "param \"rate\" must be a number, not \"0x10\"");
  EXPECT_EQ(Resolve({"image=x", "rate=inf"}, &v), "param \"rate\" must be a number, not \"inf\"");
  EXPECT_EQ(Resolve({"image=x", "dry=yes"}, &v),
            "param \"dry\" must be true or false, not \"yes\"");
  EXPECT_EQ(Resolve({"image"}, &v), "--param takes NAME=VALUE, not \"image\"");
}

TEST(ParamsTest, SecretsFile) {
  std::map<std::string, std::string> s;
  std::string error;
  ASSERT_TRUE(ParseSecretsText("# comment\n\nA=1\r\nexport B= two = 2 \nC=\n", &s, &error))
      << error;
  EXPECT_EQ(s["A"], "1");
  EXPECT_EQ(s["B"], " two = 2 ");
  EXPECT_EQ(s["C"], "");
  EXPECT_FALSE(ParseSecretsText("A=1\nhunter2\n", &s, &error));
  EXPECT_EQ(error, "line 2: expected NAME=VALUE");
}

}  // namespace
}  // namespace tame
