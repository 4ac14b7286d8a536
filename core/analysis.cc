#include "core/analysis.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <map>

#include "core/duration.h"
#include "core/gate.h"
#include "core/json_parse.h"

namespace tame {
namespace {

// A measurement's answer is small; a huge one is refused, not parsed.
constexpr size_t kMaxAnswerBytes = 4u << 20;

Reading Error(std::string note) {
  Reading r;
  r.kind = Reading::Kind::kError;
  r.note = std::move(note);
  return r;
}

Reading NoData(std::string note) {
  Reading r;
  r.kind = Reading::Kind::kNoData;
  r.note = std::move(note);
  return r;
}

Reading Value(double value) {
  Reading r;
  r.kind = Reading::Kind::kValue;
  r.value = value;
  return r;
}

bool ParseAnswer(std::string_view body, Json* out, std::string* error) {
  ParseLimits limits;
  limits.max_bytes = kMaxAnswerBytes;
  Diagnostic diagnostic;
  if (!ParseJsonStrict(body, limits, out, &diagnostic)) {
    *error = "the answer is not JSON: " + diagnostic.message;
    return false;
  }
  return true;
}

// Prometheus writes a sample as [ <time>, "<value>" ]; the value is text so
// that NaN and the infinities survive JSON.
Reading ReadSample(const Json& sample) {
  if (!sample.is_array() || sample.size() != 2 || !sample[1].is_string()) {
    return Error("a sample is not [time, \"value\"]");
  }
  const std::string& text = sample[1].get_ref<const std::string&>();
  if (text == "NaN") return NoData("the query answered NaN");
  errno = 0;
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE) {
    return Error("the sample value \"" + text + "\" is not a number");
  }
  if (std::isnan(value)) return NoData("the query answered NaN");
  return Value(value);
}

std::string Describe(const Measurement& m) {
  return m.value ? FormatNumber(*m.value) : std::string(VerdictName(m.verdict));
}

}  // namespace

bool ReadAnalysis(const Json& param, Analysis* out, std::string* error) {
  *out = Analysis();
  if (!param.is_object()) {
    *error = "analysis: must be an object";
    return false;
  }
  auto text = [&](const Json& object, const char* key) {
    auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  out->prometheus = text(param, "prometheus");
  if (auto it = param.find("interval"); it != param.end()) {
    std::string why;
    if (!it->is_string() || !ParseDuration(it->get<std::string>(), &out->interval_ms, &why) ||
        out->interval_ms <= 0) {
      *error = "analysis.interval: must be a positive duration";
      return false;
    }
  }
  if (auto it = param.find("count"); it != param.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > 10000) {
      *error = "analysis.count: must be a whole number from 1 to 10000";
      return false;
    }
    out->count = it->get<int>();
  }
  if (auto it = param.find("failure_limit"); it != param.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > 10000) {
      *error = "analysis.failure_limit: must be a whole number from 0 to 10000";
      return false;
    }
    out->failure_limit = it->get<int>();
  }
  auto metrics = param.find("metrics");
  if (metrics == param.end() || !metrics->is_array() || metrics->empty()) {
    *error = "analysis.metrics: must list at least one metric";
    return false;
  }
  std::map<std::string, size_t> seen;
  for (size_t i = 0; i < metrics->size(); ++i) {
    const Json& m = (*metrics)[i];
    std::string at = "analysis.metrics[" + std::to_string(i) + "]";
    if (!m.is_object()) {
      *error = at + ": must be an object";
      return false;
    }
    AnalysisMetric metric;
    metric.name = text(m, "name");
    metric.query = text(m, "query");
    metric.url = text(m, "url");
    metric.json_path = text(m, "json_path");
    metric.op = text(m, "op");
    if (metric.name.empty()) {
      *error = at + ".name: must be a name";
      return false;
    }
    if (!seen.emplace(metric.name, i).second) {
      *error = at + ".name: \"" + metric.name + "\" is also the name of analysis.metrics[" +
               std::to_string(seen[metric.name]) + "]";
      return false;
    }
    if (metric.query.empty() == metric.url.empty()) {
      *error = at + ": needs either query or url, not both";
      return false;
    }
    if (!metric.query.empty() && out->prometheus.empty()) {
      *error = at + ".query: needs analysis.prometheus, the Prometheus to ask";
      return false;
    }
    if (!metric.url.empty() && metric.json_path.empty()) {
      *error = at + ".json_path: is needed with url";
      return false;
    }
    const std::vector<std::string>& ops = RuleOps();
    if (std::find(ops.begin(), ops.end(), metric.op) == ops.end()) {
      *error = at + ".op: must be one of >=, >, <=, <, ==, !=";
      return false;
    }
    auto value = m.find("value");
    if (value == m.end() || !value->is_number() || !std::isfinite(value->get<double>())) {
      *error = at + ".value: must be a number";
      return false;
    }
    metric.value = value->get<double>();
    out->metrics.push_back(std::move(metric));
  }
  return true;
}

int64_t MeasurementDueMs(const Analysis& analysis, int64_t start_ms, int index) {
  return start_ms + static_cast<int64_t>(index) * analysis.interval_ms;
}

Reading ReadPrometheusAnswer(std::string_view body) {
  Json answer;
  std::string error;
  if (!ParseAnswer(body, &answer, &error)) return Error(error);
  if (!answer.is_object()) return Error("the answer is not a JSON object");
  std::string status = answer.value("status", "");
  if (status != "success") {
    std::string why = answer.contains("error") && answer["error"].is_string()
                          ? answer["error"].get<std::string>()
                          : "status \"" + status + "\"";
    return Error("Prometheus refused the query: " + why);
  }
  auto data = answer.find("data");
  if (data == answer.end() || !data->is_object()) return Error("the answer has no data");
  std::string type = data->value("resultType", "");
  auto result = data->find("result");
  if (result == data->end()) return Error("the answer has no result");
  if (type == "scalar") return ReadSample(*result);
  if (type != "vector") {
    return Error("the query gives a " + type + ", not a scalar or a vector of one series");
  }
  if (!result->is_array()) return Error("the vector result is not a list");
  if (result->empty()) return NoData("the query found no series (no data yet)");
  if (result->size() > 1) {
    return Error("the query gives " + std::to_string(result->size()) +
                 " series, not one: aggregate it (sum, avg, ...)");
  }
  const Json& series = (*result)[0];
  if (!series.is_object() || !series.contains("value")) return Error("a series has no value");
  return ReadSample(series["value"]);
}

Reading ReadJsonDocument(std::string_view body, const std::string& json_path) {
  MetricSource source;
  std::string error;
  if (!ParseAnswer(body, &source.json, &error)) return Error(error);
  source.file = "the document";
  double value = 0;
  if (!LookUpMetric(source, json_path, &value, &error)) return NoData(error);
  return Value(value);
}

const char* VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kPassed:
      return "passed";
    case Verdict::kFailed:
      return "failed";
    case Verdict::kInconclusive:
      return "inconclusive";
  }
  return "inconclusive";
}

Measurement Judge(const AnalysisMetric& metric, const Reading& reading, int index, int64_t at_ms) {
  Measurement m;
  m.metric = metric.name;
  m.index = index;
  m.at_ms = at_ms;
  if (reading.kind != Reading::Kind::kValue) {
    m.verdict = Verdict::kInconclusive;
    m.note = reading.note;
    return m;
  }
  m.value = reading.value;
  if (RuleHolds(reading.value, metric.op, metric.value)) {
    m.verdict = Verdict::kPassed;
  } else {
    m.verdict = Verdict::kFailed;
    m.note =
        FormatNumber(reading.value) + " is not " + metric.op + " " + FormatNumber(metric.value);
  }
  return m;
}

AnalysisOutcome Decide(const Analysis& analysis, const std::vector<Measurement>& measurements) {
  AnalysisOutcome outcome;
  bool all_taken = true;
  const AnalysisMetric* inconclusive_metric = nullptr;
  for (const AnalysisMetric& metric : analysis.metrics) {
    std::vector<const Measurement*> mine;
    int failed = 0, inconclusive = 0;
    for (const Measurement& m : measurements) {
      if (m.metric != metric.name) continue;
      mine.push_back(&m);
      failed += m.verdict == Verdict::kFailed;
      inconclusive += m.verdict == Verdict::kInconclusive;
    }
    std::string values;
    for (const Measurement* m : mine) values += (values.empty() ? "" : ", ") + Describe(*m);
    if (failed > analysis.failure_limit) {
      outcome.state = AnalysisOutcome::State::kAborted;
      outcome.reason = "metric " + metric.name + " failed " + std::to_string(failed) + " of " +
                       std::to_string(mine.size()) + " measurements, more than failure_limit " +
                       std::to_string(analysis.failure_limit) + " (rule " + metric.op + " " +
                       FormatNumber(metric.value) + "; values " + values + ")";
      return outcome;
    }
    if (static_cast<int>(mine.size()) < analysis.count) all_taken = false;
    if (inconclusive > analysis.failure_limit && inconclusive_metric == nullptr) {
      inconclusive_metric = &metric;
      outcome.reason = "metric " + metric.name + " was inconclusive in " +
                       std::to_string(inconclusive) + " of " + std::to_string(mine.size()) +
                       " measurements, more than failure_limit " +
                       std::to_string(analysis.failure_limit) + " (rule " + metric.op + " " +
                       FormatNumber(metric.value) + "; values " + values + ")";
    }
  }
  if (!all_taken) {
    outcome.reason.clear();
    return outcome;
  }
  outcome.state = inconclusive_metric != nullptr ? AnalysisOutcome::State::kAborted
                                                 : AnalysisOutcome::State::kPassed;
  return outcome;
}

Json MeasurementsJson(const std::vector<Measurement>& measurements) {
  Json rows = Json::array();
  for (const Measurement& m : measurements) {
    Json row = {{"metric", m.metric},
                {"index", m.index},
                {"at_ms", m.at_ms},
                {"verdict", VerdictName(m.verdict)}};
    row["value"] = m.value ? Json(*m.value) : Json(nullptr);
    if (!m.note.empty()) row["note"] = m.note;
    rows.push_back(std::move(row));
  }
  return rows;
}

PodSplit SplitPods(int weight, int total) {
  if (total < 1) total = 1;
  if (weight < 0) weight = 0;
  if (weight > 100) weight = 100;
  PodSplit split;
  split.canary = static_cast<int>((static_cast<int64_t>(weight) * total + 99) / 100);
  if (split.canary < 1) split.canary = 1;
  if (split.canary > total) split.canary = total;
  split.stable = total - split.canary;
  return split;
}

std::string DescribeSplit(int weight, const PodSplit& split) {
  int total = split.canary + split.stable;
  int share = static_cast<int>(std::lround(100.0 * split.canary / total));
  return "canary at weight " + std::to_string(weight) + ": " + std::to_string(split.canary) +
         " of " + std::to_string(total) + " pods, " + std::to_string(share) + "% of traffic";
}

}  // namespace tame
