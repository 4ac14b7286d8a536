// Live analysis of a release: the judgement of a canary or blue-green step's
// measurements, as pure functions so the runner, the designer's run view and
// the tests share it. Fetching the numbers (Prometheus, a JSON document over
// HTTP) and the clock stay in the runner.
//
// Sections:
//   - the analysis as the step's `analysis` param describes it
//   - reading one measurement (a Prometheus answer, a JSON document)
//   - judging measurements and deciding whether the release goes on
//   - how a canary's weight becomes a share of pods
#ifndef TAME_CORE_ANALYSIS_H_
#define TAME_CORE_ANALYSIS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/pipeline.h"

namespace tame {

// ---- The analysis ------------------------------------------------------------

/// One metric of `analysis.metrics`: a Prometheus instant query, or a JSON
/// document at `url` read at `json_path` (the dot path of metrics.gate).
struct AnalysisMetric {
  std::string name;
  std::string query;      // PromQL; empty when `url` is used
  std::string url;        // a JSON document over HTTP
  std::string json_path;  // where the number is in that document
  std::string op;         // the rule operators of metrics.gate
  double value = 0;
};

struct Analysis {
  std::string prometheus;  // base URL of the Prometheus HTTP API
  int64_t interval_ms = 30000;
  int count = 5;
  int failure_limit = 0;
  std::vector<AnalysisMetric> metrics;
};

/// Reads the `analysis` param of k8s.deploy (already validated against the
/// catalog) into `out`. Returns false with `error` naming the field when a
/// metric has neither or both of `query` and `url`, a query has no
/// `prometheus` to ask, or a number is out of range.
bool ReadAnalysis(const Json& param, Analysis* out, std::string* error);

/// When measurement `index` (0-based) is due: `start_ms + index * interval`.
/// Measured from the start, never from the previous measurement, so the
/// schedule does not drift by the time each measurement takes.
int64_t MeasurementDueMs(const Analysis& analysis, int64_t start_ms, int index);

// ---- One measurement ---------------------------------------------------------

/// What a source answered: a number, no data (an empty result, NaN), or an
/// error (unreachable, malformed, more than one series).
struct Reading {
  enum class Kind { kValue, kNoData, kError };
  Kind kind = Kind::kError;
  double value = 0;
  std::string note;  // why there is no value
};

/// Reads the body of a Prometheus `/api/v1/query` answer: a scalar, or a
/// vector of exactly one sample. An empty vector or NaN is no data; an
/// error status, another result type or several series is an error whose
/// note says which.
Reading ReadPrometheusAnswer(std::string_view body);

/// Reads the number at `json_path` of a JSON document.
Reading ReadJsonDocument(std::string_view body, const std::string& json_path);

// ---- Judging -----------------------------------------------------------------

enum class Verdict { kPassed, kFailed, kInconclusive };

/// The word report.json and the log use for a verdict: "passed", "failed",
/// "inconclusive".
const char* VerdictName(Verdict verdict);

/// One measurement of one metric, as report.json records it.
struct Measurement {
  std::string metric;
  int index = 0;      // which of the `count` measurements
  int64_t at_ms = 0;  // when it was taken, ms since the epoch
  std::optional<double> value;
  Verdict verdict = Verdict::kInconclusive;
  std::string note;  // the rule it missed, or why it is inconclusive
};

/// Judges `reading` against `metric`'s rule: a value that holds passes, one
/// that does not fails; no data or an error is inconclusive.
Measurement Judge(const AnalysisMetric& metric, const Reading& reading, int index, int64_t at_ms);

/// Where an analysis stands after some measurements.
struct AnalysisOutcome {
  enum class State { kRunning, kPassed, kAborted };
  State state = State::kRunning;
  std::string reason;  // for kAborted: the metric, its values and the rule
};

/// Decides from every measurement so far (any order). A metric with more
/// than `failure_limit` failed measurements aborts at once. Once every
/// metric has `count` measurements, a metric with more than `failure_limit`
/// inconclusive ones aborts too; otherwise the analysis passed.
AnalysisOutcome Decide(const Analysis& analysis, const std::vector<Measurement>& measurements);

/// The measurements as report.json's `analysis` rows.
Json MeasurementsJson(const std::vector<Measurement>& measurements);

// ---- Canary pods -------------------------------------------------------------

struct PodSplit {
  int canary = 0;
  int stable = 0;
};

/// How `total` pods are shared at canary `weight` percent: the canary gets
/// ceil(weight * total / 100), at least one and at most `total`; the stable
/// version the rest. A total below one counts as one.
PodSplit SplitPods(int weight, int total);

/// The log's line for a split: "canary at weight 10: 1 of 4 pods, 25% of
/// traffic" (the share of pods is the share of traffic without a router).
std::string DescribeSplit(int weight, const PodSplit& split);

}  // namespace tame

#endif  // TAME_CORE_ANALYSIS_H_
