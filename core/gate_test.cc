#include "core/gate.h"

#include <gtest/gtest.h>

namespace tame {
namespace {

MetricSource Read(const std::string& text, const std::string& file, const std::string& row = "") {
  MetricSource source;
  std::string error;
  EXPECT_TRUE(ReadMetrics(text, file, "auto", row, &source, &error)) << error;
  return source;
}

std::vector<std::string> Reasons(const GateReport& report) {
  std::vector<std::string> out;
  for (const GateRow& row : report.rows) out.push_back(row.reason);
  return out;
}

TEST(GateTest, JsonByDotPathAndLiteralKey) {
  MetricSource m = Read(R"({"accuracy": 0.93, "f1": {"macro": 0.88}, "f1.micro": 0.9,
                           "per_class": [0.7, 0.95]})",
                        "metrics.json");
  GateReport r = EvaluateGate(m,
                              {{"accuracy", ">=", 0.9},
                               {"f1.macro", ">=", 0.85},
                               {"f1.micro", ">", 0.89},
                               {"per_class.1", ">=", 0.9},
                               {"per_class.0", ">=", 0.9}},
                              nullptr, {});
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(Reasons(r), (std::vector<std::string>{"", "", "", "", "0.7 is not >= 0.9"}));
}

TEST(GateTest, MissingNanAndNonNumbersFailClosed) {
  MetricSource m = Read(R"({"accuracy": "high", "loss": null, "f1": {"x": 1}})", "m.json");
  GateReport r = EvaluateGate(
      m, {{"accuracy", ">=", 0.9}, {"loss", "<", 1}, {"recall", ">=", 0.5}, {"f1", ">", 0}},
      nullptr, {});
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(Reasons(r),
            (std::vector<std::string>{"metric \"accuracy\" in m.json is \"high\", not a number",
                                      "metric \"loss\" in m.json is null, not a number",
                                      "metric \"recall\" is not in m.json",
                                      "metric \"f1\" in m.json is {\"x\":1}, not a number"}));
  EXPECT_FALSE(r.rows[0].value.has_value());
}

TEST(GateTest, CsvLastRowNamedRowAndQuotes) {
  const std::string csv =
      "epoch,accuracy,\"note, quoted\"\n1,0.80,\"first \"\"try\"\"\"\r\n2,0.91,x\n\n";
  EXPECT_TRUE(EvaluateGate(Read(csv, "m.csv"), {{"accuracy", ">=", 0.9}}, nullptr, {}).passed);
  GateReport first = EvaluateGate(Read(csv, "m.csv", "1"), {{"accuracy", ">=", 0.9}}, nullptr, {});
  EXPECT_EQ(Reasons(first), std::vector<std::string>{"0.8 is not >= 0.9"});
  MetricSource m = Read(csv, "m.csv");
  EXPECT_EQ(m.csv_row.at("note, quoted"), "x");
  MetricSource one = Read(csv, "m.csv", "1");
  EXPECT_EQ(one.csv_row.at("note, quoted"), "first \"try\"");
}

TEST(GateTest, CsvProblems) {
  MetricSource m = Read("a,b\n1,nan\n", "m.csv");
  EXPECT_EQ(Reasons(EvaluateGate(m, {{"accuracy", ">=", 1}, {"b", ">=", 1}, {"a", "==", 1}},
                                 nullptr, {})),
            (std::vector<std::string>{"m.csv has no column \"accuracy\" (columns: a, b)",
                                      "metric \"b\" in m.csv is NaN", ""}));
  MetricSource source;
  std::string error;
  EXPECT_FALSE(ReadMetrics("a,b\n1\n", "m.csv", "auto", "", &source, &error));
  EXPECT_EQ(error, "m.csv row 2 has 1 fields; the header has 2");
  EXPECT_FALSE(ReadMetrics("a,b\n", "m.csv", "csv", "", &source, &error));
  EXPECT_EQ(error, "m.csv needs a header row and at least one row of values");
  EXPECT_FALSE(ReadMetrics("a\n\"open\n", "m.csv", "csv", "", &source, &error));
  EXPECT_EQ(error, "m.csv unterminated quoted field at line 3");
  EXPECT_FALSE(ReadMetrics("epoch,a\n1,2\n", "m.csv", "csv", "9", &source, &error));
  EXPECT_EQ(error, "m.csv has no row whose epoch is \"9\"");
  EXPECT_FALSE(ReadMetrics("[1]", "m.json", "auto", "", &source, &error));
  EXPECT_EQ(error, "m.json is not a JSON object");
  MetricSource text = Read("a\n1.5x\n", "m.csv");
  EXPECT_EQ(Reasons(EvaluateGate(text, {{"a", ">", 1}}, nullptr, {})),
            std::vector<std::string>{"metric \"a\" in m.csv is \"1.5x\", not a number"});
}

TEST(GateTest, BaselineWithRelativeAndAbsoluteTolerance) {
  MetricSource now = Read(R"({"accuracy": 0.93, "loss": 0.32})", "new.json");
  MetricSource base = Read(R"({"accuracy": 0.945, "loss": 0.30})", "base.json");
  std::vector<GateRule> rules = {{"accuracy", ">=", 0.9}, {"loss", "<=", 0.5}};
  // 1% relative: accuracy may fall to 0.93555, loss may rise to 0.303.
  GateReport r = EvaluateGate(now, rules, &base, {0.01, true});
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(Reasons(r),
            (std::vector<std::string>{"0.93 is below the baseline's limit 0.93555 (baseline 0.945)",
                                      "0.32 is above the baseline's limit 0.303 (baseline 0.3)"}));
  // 0.02 absolute: accuracy may fall to 0.925, loss may rise to 0.32.
  EXPECT_TRUE(EvaluateGate(now, rules, &base, {0.02, false}).passed);
  MetricSource thin = Read(R"({"loss": 0.3})", "base.json");
  EXPECT_EQ(Reasons(EvaluateGate(now, rules, &thin, {0.1, false})),
            (std::vector<std::string>{"metric \"accuracy\" is not in base.json", ""}));
}

TEST(GateTest, TableAndJson) {
  MetricSource now = Read(R"({"accuracy": 0.93})", "new.json");
  MetricSource base = Read(R"({"accuracy": 0.9})", "base.json");
  GateReport r = EvaluateGate(now, {{"accuracy", ">=", 0.95}}, &base, {0.1, true});
  EXPECT_EQ(FormatGateTable(r),
            "metric    rule     value  baseline          result\n"
            "accuracy  >= 0.95  0.93   0.9 (limit 0.81)  FAIL: 0.93 is not >= 0.95\n");
  EXPECT_EQ(GateReportJson(r).dump(),
            R"({"baseline":"base.json","file":"new.json","metrics":[{"baseline":0.9,"limit":0.81,)"
            R"("metric":"accuracy","op":">=","passed":false,"reason":"0.93 is not >= 0.95",)"
            R"("threshold":0.95,"value":0.93}],"passed":false})");
}

}  // namespace
}  // namespace tame
