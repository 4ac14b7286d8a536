#include "core/save.h"

#include <gtest/gtest.h>

#include "core/test_util.h"

namespace tame {
namespace {

TEST(SaveTest, ExamplesAreCanonicalByteForByte) {
  // The examples are stored in canonical form, so saving what was loaded
  // must give back the same bytes, natively and under wasm alike.
  for (const char* name : {"examples/ml-to-k8s.json", "examples/local-ml.json"}) {
    std::string text = SourceFile(name);
    Pipeline p = MustLoad(text);
    EXPECT_EQ(SavePipeline(p), text) << name;
  }
}

TEST(SaveTest, GoldenMixOfValues) {
  // Unicode, escapes, floats, large integers and extension keys, against a
  // golden file that both builds compare with.
  std::string golden = SourceFile("tests/golden/canonical-mix.json");
  ASSERT_FALSE(golden.empty());
  LoadResult r = LoadPipeline(R"({"x-z": {"b": [1, 2.50, -0.0], "a": null}, "steps": [
      {"with": {"run": "echo \"h\u00e9\" \t\\ \u0001", "shell": "sh", "zz": 1e21, "aa": 12345678901234567890},
       "uses": "shell", "id": "a", "layout-free": null, "x-y": 1}],
      "name": "mix \u2713", "version": 1, "layout": {"a": {"y": 0.1, "x": 3.0}},
      "params": {"p": {"default": 0.30000000000000004, "type": "number"}}})");
  ASSERT_EQ(r.errors.size(), 1u);  // "layout-free" is not a step key
  r = LoadPipeline(R"({"x-z": {"b": [1, 2.50, -0.0], "a": null}, "steps": [
      {"with": {"run": "echo \"h\u00e9\" \t\\ \u0001", "shell": "sh", "zz": 1e21, "aa": 12345678901234567890},
       "uses": "shell", "id": "a", "x-y": 1}],
      "name": "mix \u2713", "version": 1, "layout": {"a": {"y": 0.1, "x": 3.0}},
      "params": {"p": {"default": 0.30000000000000004, "type": "number"}}})");
  ASSERT_TRUE(r.pipeline.has_value());
  EXPECT_EQ(SavePipeline(*r.pipeline), golden);
}

TEST(SaveTest, RoundTripAndIdempotence) {
  Pipeline p = MustLoad(R"({"version": 1, "name": "t", "description": "d",
    "params": {"a": {"type": "boolean", "default": true, "description": "x"}},
    "secrets": {"S": {"from": "file", "env": "E", "description": "s"}},
    "steps": [
      {"id": "a", "name": "A", "uses": "shell", "with": {"workdir": "w", "run": "x"},
       "env": {"Z": "1", "A": "2"}, "if": "failure", "timeout": "1h30m",
       "retries": {"on_exit_codes": [2, 3], "factor": 1.5, "backoff": "2s", "max": 3},
       "cache": true, "outputs": {"f": {"path": "f.txt"}, "v": {}}, "continue_on_error": false},
      {"id": "b", "uses": "shell", "needs": ["a"], "with": {"run": "y"}, "cache": {"inputs": []}}
    ],
    "layout": {"a": {"x": -5, "y": 7.25}}})");
  std::string once = SavePipeline(p);
  Pipeline again = MustLoad(once);
  EXPECT_EQ(again, p);
  EXPECT_EQ(SavePipeline(again), once);
  // Params follow the catalog's order; keys the format fixes come in order.
  EXPECT_LT(once.find("\"run\""), once.find("\"workdir\""));
  EXPECT_LT(once.find("\"max\""), once.find("\"backoff\""));
  EXPECT_NE(once.find("\"factor\": 1.5"), std::string::npos);
  EXPECT_NE(once.find("\"a\": { \"x\": -5, \"y\": 7.25 }"), std::string::npos) << once;
  EXPECT_NE(once.find("\"cache\": {\n        \"inputs\": []\n      }"), std::string::npos) << once;
}

TEST(SaveTest, JsonLineIsTheCanonicalDocumentOnOneLine) {
  // The golden mix again: the one-line form holds the same document as the
  // canonical text, members in the same order, and reads back to it.
  LoadResult r = LoadPipeline(SourceFile("tests/golden/canonical-mix.json"));
  ASSERT_TRUE(r.pipeline.has_value());
  const std::string line = PipelineJsonLine(*r.pipeline);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(nlohmann::ordered_json::parse(line),
            nlohmann::ordered_json::parse(SavePipeline(*r.pipeline)));
  // Byte for byte what the canonical text gives on one line, here and for
  // the examples.
  auto one_line = [](const Pipeline& p) {
    return nlohmann::ordered_json::parse(SavePipeline(p))
        .dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  };
  EXPECT_EQ(line, one_line(*r.pipeline));
  for (const char* name : {"examples/ml-to-k8s.json", "examples/local-ml.json"}) {
    Pipeline p = MustLoad(SourceFile(name));
    EXPECT_EQ(PipelineJsonLine(p), one_line(p)) << name;
  }
  LoadResult back = LoadPipeline(line);
  ASSERT_TRUE(back.pipeline.has_value());
  EXPECT_EQ(SavePipeline(*back.pipeline), SavePipeline(*r.pipeline));
  EXPECT_EQ(PipelineJsonLine(MustLoad(R"({"version": 1, "name": "t", "steps": [
      {"id": "a", "uses": "shell", "with": {"shell": "sh", "run": "x"}, "cache": true}]})")),
            R"({"version":1,"name":"t","steps":[{"id":"a","uses":"shell",)"
            R"("with":{"run":"x","shell":"sh"},"cache":true}]})");
}

TEST(SaveTest, LongArraysBreakOneItemALine) {
  std::string steps;
  std::string needs;
  for (int i = 0; i < 12; ++i) {
    std::string id = "step-number-" + std::to_string(i);
    steps += R"({"id": ")" + id + R"(", "uses": "shell", "with": {"run": "x"}},)";
    needs += (i ? ", \"" : "\"") + id + "\"";
  }
  Pipeline p = MustLoad(WithSteps(steps + R"({"id": "last", "uses": "shell", "needs": [)" + needs +
                                  R"(], "with": {"run": "x"}})"));
  std::string text = SavePipeline(p);
  EXPECT_NE(text.find("\"needs\": [\n        \"step-number-0\",\n"), std::string::npos);
  for (size_t start = 0, end; (end = text.find('\n', start)) != std::string::npos;
       start = end + 1) {
    EXPECT_LE(end - start, 100u) << text.substr(start, end - start);
  }
}

TEST(FormatJsonValueTest, Layout) {
  EXPECT_EQ(FormatJsonValue(Json::parse(R"({"b": [1, 2], "a": {"c": {"d": 1}}})")),
            "{\n  \"a\": {\n    \"c\": { \"d\": 1 }\n  },\n  \"b\": [1, 2]\n}");
}

}  // namespace
}  // namespace tame
