#include "core/gate.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace tame {
namespace {

bool EndsWith(const std::string& s, const char* suffix) {
  std::string_view tail(suffix);
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

// Splits CSV text into rows of fields, as RFC 4180 writes them: commas,
// double quotes around fields that hold commas, quotes or line breaks, and
// "" for a quote inside them. Blank lines are skipped.
bool SplitCsv(std::string_view text, std::vector<std::vector<std::string>>* rows,
              std::string* error) {
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  bool field_started = false;
  int line = 1;
  auto end_row = [&] {
    if (field_started || !row.empty() || !field.empty()) {
      row.push_back(Trim(field));
      rows->push_back(std::move(row));
    }
    row.clear();
    field.clear();
    field_started = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line;
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
      field_started = true;
    } else if (c == ',') {
      row.push_back(Trim(field));
      field.clear();
      field_started = true;
    } else if (c == '\n') {
      end_row();
      ++line;
    } else {
      field += c;
    }
  }
  if (quoted) {
    *error = "unterminated quoted field at line " + std::to_string(line);
    return false;
  }
  end_row();
  return true;
}

bool ReadCsv(std::string_view text, const std::string& row_key, MetricSource* out,
             std::string* error) {
  std::vector<std::vector<std::string>> rows;
  if (!SplitCsv(text, &rows, error)) return false;
  if (rows.size() < 2) {
    *error = "needs a header row and at least one row of values";
    return false;
  }
  out->csv_columns = rows[0];
  for (size_t r = 1; r < rows.size(); ++r) {
    if (rows[r].size() != rows[0].size()) {
      *error = "row " + std::to_string(r + 1) + " has " + std::to_string(rows[r].size()) +
               " fields; the header has " + std::to_string(rows[0].size());
      return false;
    }
  }
  size_t chosen = rows.size() - 1;
  if (!row_key.empty()) {
    auto it = std::find_if(rows.begin() + 1, rows.end(),
                           [&](const std::vector<std::string>& r) { return r[0] == row_key; });
    if (it == rows.end()) {
      *error = "has no row whose " + rows[0][0] + " is \"" + row_key + "\"";
      return false;
    }
    chosen = static_cast<size_t>(it - rows.begin());
  }
  for (size_t c = 0; c < rows[0].size(); ++c) out->csv_row[rows[0][c]] = rows[chosen][c];
  return true;
}

// Follows a dot path through objects and arrays.
const Json* FollowPath(const Json& root, const std::string& path) {
  const Json* at = &root;
  size_t start = 0;
  while (start <= path.size()) {
    size_t dot = path.find('.', start);
    std::string part =
        path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (at->is_object()) {
      auto it = at->find(part);
      if (it == at->end()) return nullptr;
      at = &*it;
    } else if (at->is_array()) {
      if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos ||
          part.size() > 9) {
        return nullptr;
      }
      size_t index = static_cast<size_t>(std::stoul(part));
      if (index >= at->size()) return nullptr;
      at = &(*at)[index];
    } else {
      return nullptr;
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return at;
}

std::string Pad(const std::string& s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

}  // namespace

bool RuleHolds(double value, const std::string& op, double threshold) {
  if (std::isnan(value) || std::isnan(threshold)) return false;
  if (op == ">=") return value >= threshold;
  if (op == ">") return value > threshold;
  if (op == "<=") return value <= threshold;
  if (op == "<") return value < threshold;
  if (op == "==") return value == threshold;
  if (op == "!=") return value != threshold;
  return false;
}

const std::vector<std::string>& RuleOps() {
  static const std::vector<std::string> kOps = {">=", ">", "<=", "<", "==", "!="};
  return kOps;
}

std::string FormatNumber(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  std::string text = Json(value).dump();
  if (text.size() > 2 && text.compare(text.size() - 2, 2, ".0") == 0) text.resize(text.size() - 2);
  return text;
}

bool ReadMetrics(std::string_view text, const std::string& file, const std::string& format,
                 const std::string& row, MetricSource* out, std::string* error) {
  out->file = file;
  std::string kind = format;
  if (kind.empty() || kind == "auto") kind = EndsWith(file, ".csv") ? "csv" : "json";
  std::string why;
  bool ok;
  if (kind == "csv") {
    out->is_csv = true;
    ok = ReadCsv(text, row, out, &why);
  } else {
    out->json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    ok = !out->json.is_discarded() && out->json.is_object();
    if (!ok) why = "is not a JSON object";
  }
  if (!ok) *error = file + " " + why;
  return ok;
}

bool LookUpMetric(const MetricSource& source, const std::string& metric, double* value,
                  std::string* error) {
  const std::string where = "metric \"" + metric + "\" in " + source.file;
  if (source.is_csv) {
    auto it = source.csv_row.find(metric);
    if (it == source.csv_row.end()) {
      std::string columns;
      for (const std::string& c : source.csv_columns) columns += (columns.empty() ? "" : ", ") + c;
      *error = source.file + " has no column \"" + metric + "\" (columns: " + columns + ")";
      return false;
    }
    const std::string& text = it->second;
    if (text.empty()) {
      *error = where + " is empty";
      return false;
    }
    char* end = nullptr;
    double v = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size()) {
      *error = where + " is \"" + text + "\", not a number";
      return false;
    }
    if (!std::isfinite(v)) {
      *error = where + " is " + FormatNumber(v);
      return false;
    }
    *value = v;
    return true;
  }
  const Json* found = nullptr;
  auto literal = source.json.find(metric);
  found = literal != source.json.end() ? &*literal : FollowPath(source.json, metric);
  if (found == nullptr) {
    *error = "metric \"" + metric + "\" is not in " + source.file;
    return false;
  }
  if (!found->is_number()) {
    *error = where + " is " + found->dump() + ", not a number";
    return false;
  }
  *value = found->get<double>();
  return true;
}

GateReport EvaluateGate(const MetricSource& metrics, const std::vector<GateRule>& rules,
                        const MetricSource* baseline, const GateOptions& options) {
  GateReport report;
  report.file = metrics.file;
  if (baseline != nullptr) report.baseline_file = baseline->file;
  report.passed = true;
  for (const GateRule& rule : rules) {
    GateRow row;
    row.rule = rule;
    double value = 0;
    std::string error;
    if (!LookUpMetric(metrics, rule.metric, &value, &error)) {
      row.reason = error;
    } else {
      row.value = value;
      if (!RuleHolds(value, rule.op, rule.value)) {
        row.reason = FormatNumber(value) + " is not " + rule.op + " " + FormatNumber(rule.value);
      }
    }
    bool directed = rule.op != "==" && rule.op != "!=";
    if (baseline != nullptr && directed) {
      double base = 0;
      if (!LookUpMetric(*baseline, rule.metric, &base, &error)) {
        if (row.reason.empty()) row.reason = error;
      } else {
        row.baseline = base;
        bool higher_is_better = rule.op[0] == '>';
        double slack = options.relative ? std::fabs(base) * options.tolerance : options.tolerance;
        row.limit = higher_is_better ? base - slack : base + slack;
        bool behind =
            row.value && (higher_is_better ? *row.value < *row.limit : *row.value > *row.limit);
        if (behind && row.reason.empty()) {
          row.reason = FormatNumber(*row.value) + " is " + (higher_is_better ? "below" : "above") +
                       " the baseline's limit " + FormatNumber(*row.limit) + " (baseline " +
                       FormatNumber(base) + ")";
        }
      }
    }
    row.passed = row.reason.empty();
    report.passed = report.passed && row.passed;
    report.rows.push_back(std::move(row));
  }
  return report;
}

std::string FormatGateTable(const GateReport& report) {
  std::vector<std::vector<std::string>> cells = {{"metric", "rule", "value", "baseline", "result"}};
  for (const GateRow& row : report.rows) {
    std::string baseline = "-";
    if (row.baseline) {
      baseline = FormatNumber(*row.baseline) + " (limit " + FormatNumber(*row.limit) + ")";
    }
    cells.push_back({row.rule.metric, row.rule.op + " " + FormatNumber(row.rule.value),
                     row.value ? FormatNumber(*row.value) : "-", baseline,
                     row.passed ? "pass" : "FAIL: " + row.reason});
  }
  std::vector<size_t> width(5, 0);
  for (const auto& line : cells) {
    for (size_t c = 0; c < 4; ++c) width[c] = std::max(width[c], line[c].size());
  }
  std::string out;
  for (const auto& line : cells) {
    for (size_t c = 0; c < 4; ++c) out += Pad(line[c], width[c] + 2);
    out += line[4] + "\n";
  }
  return out;
}

Json GateReportJson(const GateReport& report) {
  Json metrics = Json::array();
  for (const GateRow& row : report.rows) {
    Json item{{"metric", row.rule.metric},
              {"op", row.rule.op},
              {"threshold", row.rule.value},
              {"passed", row.passed}};
    item["value"] = row.value ? Json(*row.value) : Json();
    if (row.baseline) {
      item["baseline"] = *row.baseline;
      item["limit"] = *row.limit;
    }
    if (!row.passed) item["reason"] = row.reason;
    metrics.push_back(std::move(item));
  }
  Json out{{"passed", report.passed}, {"file", report.file}, {"metrics", metrics}};
  if (!report.baseline_file.empty()) out["baseline"] = report.baseline_file;
  return out;
}

}  // namespace tame
