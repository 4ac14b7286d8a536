// metrics.gate: fail when a metric misses its threshold or falls behind its
// baseline. The judgement is core's (core/gate.h); this reads the files,
// prints the table, and writes the JSON report.
#include <sys/stat.h>

#include <cstdlib>
#include <iostream>

#include "core/gate.h"
#include "core/save.h"
#include "runner/files.h"
#include "runner/steps/kinds.h"

namespace tame {
namespace {

constexpr size_t kMaxMetricsBytes = 64u << 20;

bool ReadSource(const StepContext& context, const std::string& file, MetricSource* out) {
  std::string text;
  std::string error;
  if (!ReadFile(context.InWorkspace(file), kMaxMetricsBytes, &text, &error)) {
    std::cout << "metrics.gate: " << file << ": " << error << "\n";
    return false;
  }
  if (!ReadMetrics(text, file, context.String("format"), context.String("row"), out, &error)) {
    std::cout << "metrics.gate: " << error << "\n";
    return false;
  }
  return true;
}

// The gate's table as report.json holds it (schemas/report.schema.json).
Json GateDetails(const std::string& file, const GateReport& report) {
  Json rows = Json::array();
  for (const GateRow& row : report.rows) {
    Json item{{"metric", row.rule.metric},
              {"op", row.rule.op},
              {"threshold", row.rule.value},
              {"value", row.value ? Json(*row.value) : Json()},
              {"baseline", row.baseline ? Json(*row.baseline) : Json()},
              {"pass", row.passed}};
    if (!row.passed) item["message"] = row.reason;
    rows.push_back(std::move(item));
  }
  return Json{{"file", file}, {"rows", rows}};
}

}  // namespace

int RunMetricsGate(const StepContext& context) {
  std::vector<GateRule> rules;
  const Json& rules_json = context.params["rules"];
  for (const Json& rule : rules_json) {
    if (!rule.is_object() || !rule.contains("metric") || !rule["metric"].is_string() ||
        !rule.contains("op") || !rule["op"].is_string() || !rule.contains("value")) {
      std::cout << "metrics.gate: a rule needs metric, op and value\n";
      return kStepFailedFinal;
    }
    const Json& value = rule["value"];
    double threshold = 0;
    if (value.is_number()) {
      threshold = value.get<double>();
    } else if (value.is_string()) {  // a reference, resolved to text
      char* end = nullptr;
      const std::string& text = value.get_ref<const std::string&>();
      threshold = std::strtod(text.c_str(), &end);
      if (text.empty() || end != text.c_str() + text.size()) {
        std::cout << "metrics.gate: the threshold of \"" << rule["metric"].get<std::string>()
                  << "\" is \"" << text << "\", not a number\n";
        return kStepFailedFinal;
      }
    }
    rules.push_back({rule["metric"].get<std::string>(), rule["op"].get<std::string>(), threshold});
  }
  const std::string file = context.String("file");
  MetricSource metrics;
  if (!ReadSource(context, file, &metrics)) return kStepFailed;
  MetricSource baseline;
  const std::string baseline_file = context.String("baseline");
  if (!baseline_file.empty() && !ReadSource(context, baseline_file, &baseline)) return kStepFailed;

  GateOptions options;
  auto tolerance = context.params.find("tolerance");
  if (tolerance != context.params.end() && tolerance->is_number()) {
    options.tolerance = tolerance->get<double>();
  }
  options.relative = context.String("tolerance_kind") != "absolute";
  GateReport report =
      EvaluateGate(metrics, rules, baseline_file.empty() ? nullptr : &baseline, options);

  std::cout << FormatGateTable(report);
  // Under `tame run` the session writes the report into the run folder,
  // masked like everything else there: a metric's name or value may be a
  // secret, and this process does not know the run's secrets.
  std::string report_path;
  if (!context.run_dir.empty() && !context.details_file.empty()) {
    report_path = context.run_dir + "/gates/" + context.step + ".json";
    if (!context.Details(
            Json{{"gate", GateDetails(file, report)}, {"gate_report", GateReportJson(report)}})) {
      std::cout << "metrics.gate: cannot hand the report to tame run\n";
      return kStepFailed;
    }
  } else {
    report_path = context.InWorkspace(context.step + ".gate.json");
    std::string error;
    if (!WriteFileAtomic(report_path, FormatJsonValue(GateReportJson(report)) + "\n", &error)) {
      std::cout << "metrics.gate: " << report_path << ": " << error << "\n";
      return kStepFailed;
    }
  }
  context.Output("report", report_path);
  int failed = 0;
  for (const GateRow& row : report.rows) failed += row.passed ? 0 : 1;
  std::cout << (report.passed ? "gate passed: " + std::to_string(report.rows.size()) + " of " +
                                    std::to_string(report.rows.size()) + " rules hold"
                              : "gate failed: " + std::to_string(failed) + " of " +
                                    std::to_string(report.rows.size()) + " rules do not hold")
            << "\n";
  // A gate that judged the metrics will judge them the same way again.
  return report.passed ? kStepSucceeded : kStepFailedFinal;
}

}  // namespace tame
