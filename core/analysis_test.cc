#include "core/analysis.h"

#include <gtest/gtest.h>

namespace tame {
namespace {

Analysis Parse(const char* text, std::string* error) {
  Analysis analysis;
  Json param = Json::parse(text);
  EXPECT_TRUE(ReadAnalysis(param, &analysis, error)) << *error;
  return analysis;
}

std::string ParseError(const char* text) {
  Analysis analysis;
  std::string error;
  EXPECT_FALSE(ReadAnalysis(Json::parse(text), &analysis, &error));
  return error;
}

const char* kTwoMetrics = R"json({
  "prometheus": "http://127.0.0.1:9090", "interval": "1s", "count": 3, "failure_limit": 1,
  "metrics": [
    {"name": "success-rate", "query": "sum(up)", "op": ">=", "value": 0.99},
    {"name": "p95", "url": "http://127.0.0.1:1/stats", "json_path": "latency.p95_ms",
     "op": "<=", "value": 200}]})json";

TEST(AnalysisTest, ReadsTheParam) {
  std::string error;
  Analysis a = Parse(kTwoMetrics, &error);
  EXPECT_EQ(a.interval_ms, 1000);
  EXPECT_EQ(a.count, 3);
  EXPECT_EQ(a.failure_limit, 1);
  ASSERT_EQ(a.metrics.size(), 2u);
  EXPECT_EQ(a.metrics[0].query, "sum(up)");
  EXPECT_EQ(a.metrics[1].json_path, "latency.p95_ms");
  EXPECT_EQ(a.metrics[1].op, "<=");
}

TEST(AnalysisTest, RefusesWhatCannotBeMeasured) {
  EXPECT_EQ(ParseError(R"({"metrics": []})"), "analysis.metrics: must list at least one metric");
  EXPECT_EQ(ParseError(R"({"metrics": [{"name": "a", "op": ">=", "value": 1}]})"),
            "analysis.metrics[0]: needs either query or url, not both");
  EXPECT_EQ(ParseError(R"({"metrics": [{"name": "a", "query": "up", "op": ">=", "value": 1}]})"),
            "analysis.metrics[0].query: needs analysis.prometheus, the Prometheus to ask");
  EXPECT_EQ(
      ParseError(R"({"metrics": [{"name": "a", "url": "http://x", "op": ">=", "value": 1}]})"),
      "analysis.metrics[0].json_path: is needed with url");
  EXPECT_EQ(ParseError(R"({"prometheus": "p", "metrics": [
                {"name": "a", "query": "up", "op": "=>", "value": 1}]})"),
            "analysis.metrics[0].op: must be one of >=, >, <=, <, ==, !=");
  EXPECT_EQ(ParseError(R"({"prometheus": "p", "metrics": [
                {"name": "a", "query": "up", "op": ">=", "value": 1},
                {"name": "a", "query": "up", "op": ">=", "value": 1}]})"),
            "analysis.metrics[1].name: \"a\" is also the name of analysis.metrics[0]");
  EXPECT_EQ(ParseError(R"({"interval": "0s", "metrics": []})"),
            "analysis.interval: must be a positive duration");
  EXPECT_EQ(ParseError(R"({"count": 0, "metrics": []})"),
            "analysis.count: must be a whole number from 1 to 10000");
}

TEST(AnalysisTest, TheScheduleDoesNotDrift) {
  Analysis a;
  a.interval_ms = 1000;
  EXPECT_EQ(MeasurementDueMs(a, 5000, 0), 5000);
  EXPECT_EQ(MeasurementDueMs(a, 5000, 19), 24000);
}

TEST(AnalysisTest, ReadsPrometheusAnswers) {
  Reading r = ReadPrometheusAnswer(
      R"({"status":"success","data":{"resultType":"vector","result":[
          {"metric":{},"value":[1700000000.5,"0.995"]}]}})");
  ASSERT_EQ(r.kind, Reading::Kind::kValue);
  EXPECT_DOUBLE_EQ(r.value, 0.995);

  r = ReadPrometheusAnswer(R"({"status":"success","data":{"resultType":"scalar",
                                "result":[1700000000.5,"42"]}})");
  ASSERT_EQ(r.kind, Reading::Kind::kValue);
  EXPECT_DOUBLE_EQ(r.value, 42);

  r = ReadPrometheusAnswer(R"({"status":"success","data":{"resultType":"vector","result":[]}})");
  EXPECT_EQ(r.kind, Reading::Kind::kNoData);
  EXPECT_EQ(r.note, "the query found no series (no data yet)");

  r = ReadPrometheusAnswer(R"({"status":"success","data":{"resultType":"vector","result":[
          {"metric":{},"value":[1,"NaN"]}]}})");
  EXPECT_EQ(r.kind, Reading::Kind::kNoData);
  EXPECT_EQ(r.note, "the query answered NaN");

  r = ReadPrometheusAnswer(R"({"status":"success","data":{"resultType":"vector","result":[
          {"metric":{"a":"1"},"value":[1,"1"]},{"metric":{"a":"2"},"value":[1,"2"]}]}})");
  EXPECT_EQ(r.kind, Reading::Kind::kError);
  EXPECT_EQ(r.note, "the query gives 2 series, not one: aggregate it (sum, avg, ...)");

  r = ReadPrometheusAnswer(R"({"status":"success","data":{"resultType":"matrix","result":[]}})");
  EXPECT_EQ(r.kind, Reading::Kind::kError);
  EXPECT_EQ(r.note, "the query gives a matrix, not a scalar or a vector of one series");

  r = ReadPrometheusAnswer(R"({"status":"error","errorType":"bad_data","error":"parse error"})");
  EXPECT_EQ(r.kind, Reading::Kind::kError);
  EXPECT_EQ(r.note, "Prometheus refused the query: parse error");

  r = ReadPrometheusAnswer("<html>");
  EXPECT_EQ(r.kind, Reading::Kind::kError);
  EXPECT_EQ(r.note.rfind("the answer is not JSON: ", 0), 0u) << r.note;

  r = ReadPrometheusAnswer(R"({"status":"success","data":{"resultType":"scalar",
                                "result":[1,"12abc"]}})");
  EXPECT_EQ(r.kind, Reading::Kind::kError);
  EXPECT_EQ(r.note, "the sample value \"12abc\" is not a number");
}

TEST(AnalysisTest, ReadsJsonDocuments) {
  Reading r = ReadJsonDocument(R"({"latency": {"p95_ms": 180}})", "latency.p95_ms");
  ASSERT_EQ(r.kind, Reading::Kind::kValue);
  EXPECT_DOUBLE_EQ(r.value, 180);
  r = ReadJsonDocument(R"({"latency": {}})", "latency.p95_ms");
  EXPECT_EQ(r.kind, Reading::Kind::kNoData);
}

Measurement M(const char* metric, Verdict verdict, double value) {
  Measurement m;
  m.metric = metric;
  m.verdict = verdict;
  if (verdict != Verdict::kInconclusive) m.value = value;
  return m;
}

TEST(AnalysisTest, JudgesWithTheGateRules) {
  AnalysisMetric metric{"rate", "q", "", "", ">=", 0.99};
  Measurement m = Judge(metric, Reading{Reading::Kind::kValue, 0.5, ""}, 2, 1000);
  EXPECT_EQ(m.verdict, Verdict::kFailed);
  EXPECT_EQ(m.note, "0.5 is not >= 0.99");
  EXPECT_EQ(m.index, 2);
  m = Judge(metric, Reading{Reading::Kind::kValue, 0.995, ""}, 0, 0);
  EXPECT_EQ(m.verdict, Verdict::kPassed);
  m = Judge(metric, Reading{Reading::Kind::kError, 0, "connection refused"}, 0, 0);
  EXPECT_EQ(m.verdict, Verdict::kInconclusive);
  EXPECT_EQ(m.note, "connection refused");
}

TEST(AnalysisTest, DecidesOnFailuresAtOnceAndOnInconclusiveAtTheEnd) {
  std::string error;
  Analysis a = Parse(kTwoMetrics, &error);
  std::vector<Measurement> ms = {M("success-rate", Verdict::kPassed, 1),
                                 M("p95", Verdict::kPassed, 100)};
  EXPECT_EQ(Decide(a, ms).state, AnalysisOutcome::State::kRunning);
  ms.push_back(M("success-rate", Verdict::kFailed, 0.5));
  EXPECT_EQ(Decide(a, ms).state, AnalysisOutcome::State::kRunning);  // 1 failure is allowed
  ms.push_back(M("success-rate", Verdict::kFailed, 0.4));
  AnalysisOutcome out = Decide(a, ms);
  EXPECT_EQ(out.state, AnalysisOutcome::State::kAborted);
  EXPECT_EQ(out.reason,
            "metric success-rate failed 2 of 3 measurements, more than failure_limit 1 "
            "(rule >= 0.99; values 1, 0.5, 0.4)");

  ms = {M("success-rate", Verdict::kPassed, 1), M("success-rate", Verdict::kInconclusive, 0),
        M("success-rate", Verdict::kInconclusive, 0), M("p95", Verdict::kPassed, 1),
        M("p95", Verdict::kPassed, 1)};
  EXPECT_EQ(Decide(a, ms).state, AnalysisOutcome::State::kRunning);
  ms.push_back(M("p95", Verdict::kPassed, 1));
  out = Decide(a, ms);
  EXPECT_EQ(out.state, AnalysisOutcome::State::kAborted);
  EXPECT_EQ(out.reason,
            "metric success-rate was inconclusive in 2 of 3 measurements, more than "
            "failure_limit 1 (rule >= 0.99; values 1, inconclusive, inconclusive)");

  ms = {M("success-rate", Verdict::kPassed, 1),
        M("success-rate", Verdict::kInconclusive, 0),
        M("success-rate", Verdict::kFailed, 0.1),
        M("p95", Verdict::kPassed, 1),
        M("p95", Verdict::kPassed, 1),
        M("p95", Verdict::kPassed, 1)};
  EXPECT_EQ(Decide(a, ms).state, AnalysisOutcome::State::kPassed);
}

TEST(AnalysisTest, SplitsPodsByWeight) {
  EXPECT_EQ(SplitPods(10, 4).canary, 1);
  EXPECT_EQ(SplitPods(10, 4).stable, 3);
  EXPECT_EQ(SplitPods(50, 5).canary, 3);
  EXPECT_EQ(SplitPods(1, 100).canary, 1);
  EXPECT_EQ(SplitPods(0, 3).canary, 1);  // at least one pod
  EXPECT_EQ(SplitPods(100, 3).canary, 3);
  EXPECT_EQ(SplitPods(100, 3).stable, 0);
  EXPECT_EQ(SplitPods(30, 0).canary, 1);
  EXPECT_EQ(DescribeSplit(10, SplitPods(10, 4)),
            "canary at weight 10: 1 of 4 pods, 25% of traffic");
}

TEST(AnalysisTest, MeasurementsAsReportRows) {
  Measurement m = M("rate", Verdict::kFailed, 0.5);
  m.note = "0.5 is not >= 0.99";
  m.at_ms = 1700000000000;
  Json rows = MeasurementsJson({m, M("rate", Verdict::kInconclusive, 0)});
  EXPECT_EQ(rows.dump(),
            R"([{"at_ms":1700000000000,"index":0,"metric":"rate","note":"0.5 is not >= 0.99",)"
            R"("value":0.5,"verdict":"failed"},{"at_ms":0,"index":0,"metric":"rate","value":null,)"
            R"("verdict":"inconclusive"}])");
}

}  // namespace
}  // namespace tame
