// Metric gates: read a model's metrics from JSON or CSV and check them
// against rules and, optionally, a baseline. Pure functions on text, so the
// runner, the exporters and the tests share one judgement.
//
// Everything fails closed: a metric that is missing, not a number, NaN or
// infinite fails its rule with a message naming the metric and the file.
#ifndef TAME_CORE_GATE_H_
#define TAME_CORE_GATE_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/pipeline.h"

namespace tame {

/// Metrics as read from a file: a value, or why there is none usable.
struct MetricSource {
  std::string file;                            // for messages
  Json json;                                   // a JSON file's document
  std::map<std::string, std::string> csv_row;  // a CSV file's chosen row
  std::vector<std::string> csv_columns;
  bool is_csv = false;
};

/// Reads `text` as `format` ("json" or "csv"; "auto" goes by the file name's
/// extension). For CSV, `row` picks the row whose first column equals it,
/// else the last row. Returns false with `error` naming the file.
bool ReadMetrics(std::string_view text, const std::string& file, const std::string& format,
                 const std::string& row, MetricSource* out, std::string* error);

/// The number `metric` has in `source`: JSON keys by dot path ("f1.macro",
/// array items by index), a literal key with dots first; CSV by column.
/// Returns false with `error` saying why it has none.
bool LookUpMetric(const MetricSource& source, const std::string& metric, double* value,
                  std::string* error);

struct GateRule {
  std::string metric;
  std::string op;  // >=, >, <=, <, ==, !=
  double value = 0;
};

struct GateOptions {
  double tolerance = 0;
  bool relative = true;  // tolerance as a fraction of the baseline
};

struct GateRow {
  GateRule rule;
  std::optional<double> value;     // the metric, when it has one
  std::optional<double> baseline;  // its baseline, when a baseline was given
  std::optional<double> limit;     // the worst value the baseline allows
  bool passed = false;
  std::string reason;  // why it failed; empty when it passed
};

struct GateReport {
  bool passed = false;
  std::string file;
  std::string baseline_file;
  std::vector<GateRow> rows;
};

/// Checks every rule against `metrics` and, when `baseline` is given, that
/// no metric falls behind its baseline by more than the tolerance: for >=
/// and > rules higher is better, for <= and < lower is better; == and !=
/// rules ignore the baseline.
GateReport EvaluateGate(const MetricSource& metrics, const std::vector<GateRule>& rules,
                        const MetricSource* baseline, const GateOptions& options);

/// The report as a fixed-width table for a log, one row a rule.
std::string FormatGateTable(const GateReport& report);

/// The report as JSON: { passed, file, baseline, metrics: [...] }.
Json GateReportJson(const GateReport& report);

/// A number as the table and messages print it: shortest round-trip form.
std::string FormatNumber(double value);

/// True when `value op threshold` holds for one of the rule operators
/// (>=, >, <=, <, ==, !=); false for any other `op`. NaN never holds.
/// The one judgement of metrics.gate and of a release's live analysis.
bool RuleHolds(double value, const std::string& op, double threshold);

/// The rule operators, in the order docs and the schema list them.
const std::vector<std::string>& RuleOps();

}  // namespace tame

#endif  // TAME_CORE_GATE_H_
