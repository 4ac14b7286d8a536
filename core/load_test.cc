#include "core/load.h"

#include <gtest/gtest.h>

#include "core/test_util.h"

namespace tame {
namespace {

using Lines = std::vector<std::string>;

TEST(LoadTest, LoadsEveryField) {
  Pipeline p = MustLoad(R"({
    "version": 1, "name": "demo", "description": "d",
    "params": {"image": {"type": "string", "default": "reg/x", "description": "img"}},
    "secrets": {"TOKEN": {"from": "env", "env": "MY_TOKEN"}},
    "steps": [
      {"id": "a", "uses": "shell", "with": {"run": "echo hi"}, "outputs": {"v": {}}},
      {"id": "b", "name": "B", "uses": "shell", "needs": ["a"],
       "with": {"run": "echo ${{ steps.a.outputs.v }}"}, "env": {"K": "v"},
       "if": "always", "timeout": "5m",
       "retries": {"max": 2, "backoff": "1s", "factor": 2, "on_exit_codes": [3]},
       "cache": {"inputs": ["src/*.py"]}, "continue_on_error": true, "x-note": [1]}
    ],
    "layout": {"a": {"x": 1, "y": 2.5}},
    "x-tool": {"k": true}
  })");
  ASSERT_EQ(p.steps.size(), 2u);
  EXPECT_EQ(p.name, "demo");
  EXPECT_EQ(p.params.at("image").default_value, Json("reg/x"));
  EXPECT_EQ(p.secrets.at("TOKEN").env, "MY_TOKEN");
  const Step& b = p.steps[1];
  EXPECT_EQ(b.needs, std::vector<std::string>{"a"});
  EXPECT_EQ(b.if_condition, "always");
  ASSERT_TRUE(b.retries.has_value());
  EXPECT_EQ(b.retries->max, 2);
  EXPECT_EQ(b.retries->on_exit_codes, std::vector<int>{3});
  EXPECT_EQ(*b.retries->factor, 2.0);
  ASSERT_TRUE(b.cache.has_value());
  EXPECT_EQ(b.cache->inputs, std::vector<std::string>{"src/*.py"});
  EXPECT_TRUE(*b.continue_on_error);
  EXPECT_EQ(b.extensions["x-note"], Json::array({1}));
  EXPECT_EQ(p.layout.at("a").y, 2.5);
  EXPECT_EQ(p.extensions["x-tool"]["k"], true);
  EXPECT_TRUE(p.steps[0].outputs.count("v"));
}

TEST(LoadTest, SyntaxErrorNamesLineColumnAndPointer) {
  EXPECT_EQ(Problems("{\n  \"version\": 1,\n  \"steps\": [\n    {\"id\": }\n  ]\n}"),
            Lines{"p.json: line 4, column 12: /steps/0/id: unexpected '}'; expected "
                  "'[', '{', or a literal"});
}

TEST(LoadTest, TruncatedFile) {
  EXPECT_EQ(Problems(R"({"version": 1, "steps": [)"),
            Lines{"p.json: line 1, column 26: /steps/0: unexpected end of input; "
                  "expected '[', '{', or a literal"});
}

TEST(LoadTest, EmptyFile) {
  EXPECT_EQ(Problems(" \n"), Lines{"p.json: file is empty; expected a JSON object"});
}

TEST(LoadTest, DuplicateKey) {
  EXPECT_EQ(Problems(R"({"version": 1, "name": "a", "name": "b", "steps": []})"),
            Lines{"p.json: /name: duplicate key \"name\""});
}

TEST(LoadTest, DuplicateKeyInsideStep) {
  EXPECT_EQ(Problems(WithSteps(R"({"id": "a", "uses": "shell", "id": "b"})")),
            Lines{"p.json: /steps/0/id: duplicate key \"id\""});
}

TEST(LoadTest, DeepNestingStopsAtTheLimit) {
  std::string deep(100000, '[');
  std::vector<std::string> problems = Problems(deep);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("nesting is deeper than 64 levels"), std::string::npos) << problems[0];
}

TEST(LoadTest, ByteOrderMarkIsRefused) {
  EXPECT_EQ(Problems("\xEF\xBB\xBF{\"version\": 1}"),
            Lines{"p.json: line 1, column 1: file starts with a byte order mark; save "
                  "it as UTF-8 without one"});
}

TEST(LoadTest, NulByteIsRefused) {
  std::string text = R"({"version": 1, "name": "a)";
  text += '\0';
  text += R"(", "steps": []})";
  std::vector<std::string> problems = Problems(text);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0],
            "p.json: line 1, column 26: /name: invalid string: control character "
            "U+0000 (NUL) must be escaped to \\u0000");
}

TEST(LoadTest, InvalidUtf8IsRefused) {
  std::vector<std::string> problems =
      Problems("{\"version\": 1, \"name\": \"caf\xC3\x28\", \"steps\": []}");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "p.json: line 1, column 29: /name: invalid string: ill-formed UTF-8 byte");
}

TEST(LoadTest, HugeNumberIsRefused) {
  EXPECT_EQ(Problems(R"({"version": 1, "name": "a", "steps": [], "layout": {"a": {"x": 1e999}}})"),
            Lines{"p.json: /layout/a/x: number 1e999 is out of range"});
}

TEST(LoadTest, HugeIntegerIsNotAVersion) {
  EXPECT_EQ(Problems(R"({"version": 184467440737095516150, "name": "a", "steps": []})"),
            Lines{"p.json: /version: integer 184467440737095516150 is out of range"});
}

TEST(LoadTest, SizeLimit) {
  LoadOptions options;
  options.limits.max_bytes = 10;
  LoadResult r = LoadPipeline(R"({"version": 1, "name": "a", "steps": []})", options);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].message, "file is 40 bytes; the limit is 10");
  EXPECT_FALSE(r.pipeline.has_value());
}

TEST(LoadTest, StepCountLimit) {
  LoadOptions options;
  options.max_steps = 1;
  LoadResult r = LoadPipeline(
      WithSteps(R"({"id": "a", "uses": "shell"}, {"id": "b", "uses": "shell"})"), options);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(FormatDiagnostic("p.json", r.errors[0]),
            "p.json: /steps: the file has 2 steps; the limit is 1");
}

TEST(LoadTest, NotAnObject) {
  EXPECT_EQ(Problems("[1, 2]"), Lines{"p.json: expected a JSON object, found an array"});
}

TEST(LoadTest, ReportsEveryStructuralProblemAtOnce) {
  EXPECT_EQ(Problems(R"({"version": 2, "stpes": [], "params": [], "layout": {"a": {"x": "1"}},
      "x-ok": 1})"),
            (Lines{"p.json: /layout/a/x: expected a number, found a string",
                   "p.json: /layout/a: expected both \"x\" and \"y\"",
                   "p.json: /params: expected an object, found an array",
                   "p.json: /stpes: unknown key \"stpes\" (did you mean \"steps\"?)",
                   "p.json: /version: unsupported version 2; this tame reads version 1",
                   "p.json: missing \"name\"", "p.json: missing \"steps\""}));
}

TEST(LoadTest, StepStructureErrorsNameTheStep) {
  EXPECT_EQ(Problems(WithSteps(R"({"id": "train", "uses": "shell", "needs": "a",
      "retries": {"max": "2", "backof": "1s"}, "cache": 3, "timeout": 5,
      "continue_on_error": "yes", "with": [], "env": {"A": 1}, "outputs": {"m": "x"},
      "wiht": {}}, {"uses": 7}, 12)")),
            (Lines{"p.json: /steps/0/cache: step \"train\": expected true, false or "
                   "{ \"inputs\": [...] }, found an integer",
                   "p.json: /steps/0/continue_on_error: step \"train\": expected true or "
                   "false, found a string",
                   "p.json: /steps/0/env/A: step \"train\": expected a string, found an "
                   "integer",
                   "p.json: /steps/0/needs: step \"train\": expected an array of "
                   "strings, found a string",
                   "p.json: /steps/0/outputs/m: step \"train\": expected an object such "
                   "as { \"path\": \"file\" }, found a string",
                   "p.json: /steps/0/retries/backof: step \"train\": unknown key "
                   "\"backof\" (did you mean \"backoff\"?)",
                   "p.json: /steps/0/retries/max: step \"train\": expected an integer, "
                   "found a string",
                   "p.json: /steps/0/timeout: step \"train\": expected a string, found "
                   "an integer",
                   "p.json: /steps/0/wiht: step \"train\": unknown key \"wiht\" (did "
                   "you mean \"with\"?)",
                   "p.json: /steps/0/with: step \"train\": expected an object, found an "
                   "array",
                   "p.json: /steps/1: step has no \"id\"",
                   "p.json: /steps/1/uses: expected a string, found an integer",
                   "p.json: /steps/2: expected a step object, found an integer"}));
}

TEST(LoadTest, SuggestSpelling) {
  EXPECT_EQ(SuggestSpelling("stpes", {"steps", "name"}), "steps");
  EXPECT_EQ(SuggestSpelling("docker.biuld", {"docker.build", "docker.push"}), "docker.build");
  EXPECT_EQ(SuggestSpelling("zzzzzz", {"steps", "name"}), "");
}

}  // namespace
}  // namespace tame
