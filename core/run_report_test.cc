#include "core/run_report.h"

#include <gtest/gtest.h>

#include "core/save.h"
#include "core/sha256.h"
#include "core/test_util.h"

namespace tame {
namespace {

std::vector<std::string> Errors(const std::string& text) {
  std::vector<std::string> out;
  for (const Diagnostic& d : ReadRunReport(text).errors) {
    out.push_back(FormatDiagnostic("report.json", d));
  }
  return out;
}

RunReport MustRead(const std::string& text) {
  RunReportResult result = ReadRunReport(text);
  for (const Diagnostic& d : result.errors) ADD_FAILURE() << FormatDiagnostic("report.json", d);
  return result.report.value_or(RunReport());
}

const char kFullReport[] = R"({
  "version": 1,
  "run": "20240501-101500-ab12",
  "pipeline": "iris",
  "pipeline_hash": "00ff",
  "status": "failed",
  "started_at": "2024-05-01T10:15:00Z",
  "duration_ms": 8123,
  "host": "build-7",
  "steps": [
    {"id": "train", "uses": "shell", "name": "Train", "status": "succeeded", "attempts": 2,
     "duration_ms": 4200, "exit_code": 0, "log": "logs/train.log",
     "outputs": {"metrics": "work/m.json", "count": 3, "extra": {"a": [1]}}},
    {"id": "gate", "uses": "metrics.gate", "status": "failed", "attempts": 1,
     "duration_ms": 12.6, "exit_code": 1, "error": "accuracy 0.85 is not >= 0.9",
     "gate": {"file": "work/m.json", "rows": [
       {"metric": "accuracy", "op": ">=", "threshold": 0.9, "value": 0.85,
        "baseline": null, "pass": false},
       {"metric": "loss", "op": "<", "threshold": 1, "value": 0.25, "baseline": 0.3,
        "pass": true, "note": "ignored"}]}},
    {"id": "prepare", "uses": "shell", "status": "cached", "cached": true,
     "reused_from": "20240430-090000-cd34", "attempts": 0, "duration_ms": 0, "outputs": {}},
    {"id": "signoff", "uses": "approval", "status": "waiting", "attempts": 1,
     "approvals": [
       {"who": "alice", "at": "2024-05-01T10:16:00Z", "decision": "approve",
        "comment": "looks good", "accepted": true,
        "key_fingerprint": "SHA256:nIMvVxfamGhL/oY88cFhk2YTysNRRFIg9p8unLN6Qxk",
        "allowed_signers_sha256": "0a0b"},
       {"who": "mallory", "at": "2024-05-01T10:17:00Z", "decision": "approve",
        "comment": "", "accepted": false, "reason": "not an approver"}]},
    {"id": "deploy", "uses": "k8s.deploy", "status": "not run", "attempts": 0}
  ]
}
)";

TEST(RunReportTest, ReadsEveryField) {
  const RunReport r = MustRead(kFullReport);
  EXPECT_EQ(r.version, 1);
  EXPECT_EQ(r.run, "20240501-101500-ab12");
  EXPECT_EQ(r.pipeline, "iris");
  EXPECT_EQ(r.pipeline_hash, "00ff");
  EXPECT_EQ(r.status, "failed");
  EXPECT_EQ(r.started_at, "2024-05-01T10:15:00Z");
  EXPECT_EQ(r.duration_ms, 8123);
  ASSERT_EQ(r.steps.size(), 5u);

  const StepRun& train = r.steps[0];
  EXPECT_EQ(train.name, "Train");
  EXPECT_EQ(train.status, StepRunStatus::kSucceeded);
  EXPECT_EQ(train.attempts, 2);
  EXPECT_EQ(train.duration_ms, 4200);
  EXPECT_EQ(train.exit_code, 0);
  EXPECT_EQ(train.log, "logs/train.log");
  EXPECT_EQ(train.outputs,
            (std::vector<std::pair<std::string, std::string>>{
                {"count", "3"}, {"extra", R"({"a":[1]})"}, {"metrics", "work/m.json"}}));

  const StepRun& gate = r.steps[1];
  EXPECT_EQ(gate.status, StepRunStatus::kFailed);
  EXPECT_EQ(gate.duration_ms, 13);
  EXPECT_EQ(gate.error, "accuracy 0.85 is not >= 0.9");
  ASSERT_TRUE(gate.gate.has_value());
  EXPECT_EQ(gate.gate->file, "work/m.json");
  ASSERT_EQ(gate.gate->rows.size(), 2u);
  const GateRowRun& accuracy = gate.gate->rows[0];
  EXPECT_EQ(accuracy.metric + " " + accuracy.op + " " + accuracy.threshold, "accuracy >= 0.9");
  EXPECT_EQ(accuracy.value, "0.85");
  EXPECT_EQ(accuracy.baseline, "");
  EXPECT_FALSE(accuracy.pass);
  EXPECT_EQ(gate.gate->rows[1].baseline, "0.3");
  EXPECT_TRUE(gate.gate->rows[1].pass);

  EXPECT_EQ(r.steps[2].status, StepRunStatus::kCached);
  EXPECT_TRUE(r.steps[2].cached);
  EXPECT_EQ(r.steps[2].reused_from, "20240430-090000-cd34");
  EXPECT_FALSE(r.steps[2].exit_code.has_value());

  const StepRun& signoff = r.steps[3];
  EXPECT_EQ(signoff.status, StepRunStatus::kWaiting);
  ASSERT_EQ(signoff.approvals.size(), 2u);
  EXPECT_EQ(signoff.approvals[0].who, "alice");
  EXPECT_EQ(signoff.approvals[0].comment, "looks good");
  EXPECT_TRUE(signoff.approvals[0].accepted);
  EXPECT_EQ(signoff.approvals[0].key_fingerprint,
            "SHA256:nIMvVxfamGhL/oY88cFhk2YTysNRRFIg9p8unLN6Qxk");
  EXPECT_EQ(signoff.approvals[0].allowed_signers_sha256, "0a0b");
  EXPECT_EQ(signoff.approvals[1].key_fingerprint, "");
  EXPECT_FALSE(signoff.approvals[1].accepted);
  EXPECT_EQ(signoff.approvals[1].reason, "not an approver");

  EXPECT_EQ(r.steps[4].status, StepRunStatus::kNotRun);
  EXPECT_EQ(r.IndexOf("signoff"), 3);
  EXPECT_EQ(r.IndexOf("nope"), -1);
}

// What `tame run` writes before the format gained a version: read as 1.
TEST(RunReportTest, ReportWithoutVersionAndWithUnknownKeys) {
  const RunReport r = MustRead(R"({"run": "r1", "pipeline": "p", "pipeline_hash": "ab",
    "file": "/w/p.json", "workspace": "/w", "status": "succeeded",
    "started_at": "2024-05-01T10:15:00Z", "duration_ms": 5, "params": {"seed": 7},
    "steps": [{"id": "a", "uses": "shell", "status": "succeeded", "attempts": 1,
               "duration_ms": 3, "restored": true, "outputs": {}}]})");
  EXPECT_EQ(r.version, 1);
  ASSERT_EQ(r.steps.size(), 1u);
  EXPECT_EQ(r.steps[0].id, "a");
}

TEST(RunReportTest, UnknownStatusIsKeptAsText) {
  const RunReport r =
      MustRead(R"({"run": "r", "steps": [{"id": "a", "status": "timed out"}, {"id": "b"}]})");
  EXPECT_EQ(r.steps[0].status, StepRunStatus::kUnknown);
  EXPECT_EQ(r.steps[0].status_text, "timed out");
  EXPECT_EQ(r.steps[1].status, StepRunStatus::kNotRun);
  EXPECT_STREQ(StepRunStatusName(StepRunStatus::kNotRun), "not run");
  EXPECT_EQ(ParseStepRunStatus("cancelled"), StepRunStatus::kCancelled);
}

TEST(RunReportTest, SyntaxErrorsArePlacedByLine) {
  EXPECT_EQ(Errors("{\"run\": \"r\",\n \"steps\": [}\n"),
            std::vector<std::string>{"report.json: line 2, column 12: /steps/0: unexpected '}'; "
                                     "expected '[', '{', or a literal"});
}

TEST(RunReportTest, NotAReport) {
  EXPECT_EQ(Errors("[1]"),
            std::vector<std::string>{
                "report.json: expected a run report (a JSON object), found an array"});
  EXPECT_EQ(Errors(R"({"version": 1, "name": "p", "steps": []})"),
            std::vector<std::string>{
                "report.json: not a run report: it has no \"run\"; is it a pipeline file?"});
  EXPECT_EQ(Errors(R"({"run": "r"})"),
            std::vector<std::string>{"report.json: not a run report: it has no \"steps\""});
  EXPECT_EQ(Errors(R"({"version": 2, "run": "r", "steps": []})"),
            std::vector<std::string>{
                "report.json: /version: report version 2 is newer than this tame reads (1)"});
}

TEST(RunReportTest, WrongTypesArePlacedByPointer) {
  EXPECT_EQ(
      Errors(R"({"run": 7, "duration_ms": -1, "steps": [
      {"id": "a", "status": 3, "attempts": "two", "exit_code": 1.5, "outputs": [],
       "cached": "yes", "gate": {"file": "m.json", "rows": [{"metric": "x", "value": "high"}, 4]},
       "approvals": {"who": "alice"}},
      "b", {"uses": "shell"}, {"id": "a"}, {"id": ""}]})"),
      (std::vector<std::string>{
          "report.json: /run: expected a string, found an integer",
          "report.json: /duration_ms: expected milliseconds (a number from 0), found an integer",
          "report.json: /steps/0/status: expected a string, found an integer",
          "report.json: /steps/0/attempts: expected a count (an integer from 0), found a string",
          "report.json: /steps/0/exit_code: expected an exit code (an integer), found a number",
          "report.json: /steps/0/outputs: expected an object of output values, found an array",
          "report.json: /steps/0/cached: expected true or false, found a string",
          "report.json: /steps/0/gate/rows/0/value: expected a number, found a string",
          "report.json: /steps/0/gate/rows/1: expected a gate row (an object), found an integer",
          "report.json: /steps/0/approvals: expected an array of approvals, found an object",
          "report.json: /steps/1: expected a step (an object), found a string",
          "report.json: /steps/2: missing \"id\"",
          "report.json: /steps/3/id: step \"a\" is also /steps/0",
          "report.json: /steps/4: a step's \"id\" is empty",
      }));
}

TEST(RunReportTest, NullMeansAbsent) {
  const RunReport r = MustRead(
      R"({"run": "r", "status": null, "steps": [{"id": "a", "exit_code": null, "log": null}]})");
  EXPECT_EQ(r.status, "");
  EXPECT_FALSE(r.steps[0].exit_code.has_value());
}

TEST(RunReportTest, MatchesStepsById) {
  const Pipeline p = MustLoad(WithSteps(R"(
    {"id": "a", "uses": "shell", "with": {"run": "true"}},
    {"id": "renamed", "uses": "shell", "with": {"run": "true"}},
    {"id": "c", "uses": "shell", "with": {"run": "true"}})"));
  const RunReport r =
      MustRead(R"({"run": "r", "steps": [{"id": "c"}, {"id": "b"}, {"id": "a"}, {"id": "d"}]})");
  const RunMatch match = MatchRun(p, r);
  EXPECT_EQ(match.run_step, (std::vector<int>{2, -1, 0}));
  EXPECT_EQ(match.run_only, (std::vector<int>{1, 3}));
}

TEST(RunReportTest, HashMatchesWithOrWithoutLayout) {
  Pipeline p = MustLoad(WithSteps(R"({"id": "a", "uses": "shell", "with": {"run": "true"}})"));
  const std::string bare = Sha256Hex(SavePipeline(p));
  EXPECT_TRUE(PipelineHashMatches(p, bare));
  p.layout["a"] = Position{40, 80};
  const std::string placed = Sha256Hex(SavePipeline(p));
  EXPECT_NE(bare, placed);
  EXPECT_TRUE(PipelineHashMatches(p, placed));
  EXPECT_TRUE(PipelineHashMatches(p, bare));  // the file as written by hand
  p.steps[0].with["run"] = "false";
  EXPECT_FALSE(PipelineHashMatches(p, bare));
  EXPECT_FALSE(PipelineHashMatches(p, placed));
  EXPECT_FALSE(PipelineHashMatches(p, ""));
}

TEST(RunReportTest, CarriesThePipelineItRan) {
  const RunReport r = MustRead(
      R"({"run": "r", "steps": [], "pipeline_source": {"version": 1, "name": "t", "steps": []}})");
  EXPECT_EQ(r.pipeline_source, R"({"name":"t","steps":[],"version":1})");
  EXPECT_EQ(MustRead(R"({"run": "r", "steps": []})").pipeline_source, "");
  EXPECT_EQ(Errors(R"({"run": "r", "steps": [], "pipeline_source": "t.json"})"),
            std::vector<std::string>{
                "report.json: /pipeline_source: expected a pipeline (an object), found a string"});
}

}  // namespace
}  // namespace tame

namespace tame {
namespace {

TEST(RunReportTest, ReadsAReleasesMeasurements) {
  RunReport report = MustRead(R"({"run": "r", "steps": [{"id": "deploy", "analysis": [
      {"metric": "success-rate", "index": 0, "at_ms": 1700000000000, "value": 0.995,
       "verdict": "passed"},
      {"metric": "success-rate", "index": 1, "at_ms": 1700000030000, "value": 0.5,
       "verdict": "failed", "note": "0.5 is not >= 0.99"},
      {"metric": "p95", "index": 0, "at_ms": 1700000000000, "value": null,
       "verdict": "inconclusive", "note": "no data"}]}]})");
  ASSERT_EQ(report.steps.size(), 1u);
  const std::vector<Measurement>& m = report.steps[0].analysis;
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[1].metric, "success-rate");
  EXPECT_EQ(m[1].index, 1);
  EXPECT_EQ(m[1].at_ms, 1700000030000);
  EXPECT_EQ(m[1].value, 0.5);
  EXPECT_EQ(m[1].verdict, Verdict::kFailed);
  EXPECT_EQ(m[1].note, "0.5 is not >= 0.99");
  EXPECT_FALSE(m[2].value.has_value());
  EXPECT_EQ(m[2].verdict, Verdict::kInconclusive);
  EXPECT_EQ(Errors(R"({"run": "r", "steps": [{"id": "d", "analysis": {"metric": "x"}},
      {"id": "e", "analysis": [3, {"metric": "x", "value": "high"}]}]})"),
            (std::vector<std::string>{
                "report.json: /steps/0/analysis: expected an array of measurements, found an "
                "object",
                "report.json: /steps/1/analysis/0: expected a measurement (an object), found an "
                "integer",
                "report.json: /steps/1/analysis/1/value: expected a number, found a string"}));
}

}  // namespace
}  // namespace tame
