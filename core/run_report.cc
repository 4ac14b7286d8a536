#include "core/run_report.h"

#include <cmath>
#include <unordered_map>

#include "core/gate.h"
#include "core/json_parse.h"
#include "core/save.h"
#include "core/sha256.h"

namespace tame {
namespace {

constexpr std::pair<StepRunStatus, const char*> kStatusNames[] = {
    {StepRunStatus::kSucceeded, "succeeded"}, {StepRunStatus::kFailed, "failed"},
    {StepRunStatus::kSkipped, "skipped"},     {StepRunStatus::kCached, "cached"},
    {StepRunStatus::kCancelled, "cancelled"}, {StepRunStatus::kWaiting, "waiting"},
    {StepRunStatus::kRunning, "running"},     {StepRunStatus::kNotRun, "not run"},
};

// Reads the known keys of a report's objects into the model, collecting a
// problem for each value of the wrong type. Keys it does not know, and
// known keys holding null, are passed over.
class Reader {
 public:
  RunReport Read(const Json& doc) {
    RunReport report;
    const Place root;
    if (!doc.is_object()) {
      Error(root, std::string("expected a run report (a JSON object), found ") + JsonTypeName(doc));
      return report;
    }
    if (!doc.contains("run") || !doc.contains("steps")) {
      Error(root, std::string("not a run report: it has no \"") +
                      (doc.contains("run") ? "steps" : "run") + "\"" +
                      (doc.contains("name") ? "; is it a pipeline file?" : ""));
      return report;
    }
    if (const Json* v = Find(doc, "version")) {
      const Place at(root, "version");
      if (!v->is_number_integer() || v->get<int64_t>() < 1) {
        Error(at, "expected a report version (an integer from 1), found " + v->dump());
      } else if (v->get<int64_t>() > kRunReportVersion) {
        Error(at, "report version " + v->dump() + " is newer than this tame reads (" +
                      std::to_string(kRunReportVersion) + ")");
        return report;
      } else {
        report.version = v->get<int>();
      }
    }
    String(doc, root, "run", &report.run);
    String(doc, root, "pipeline", &report.pipeline);
    String(doc, root, "pipeline_hash", &report.pipeline_hash);
    if (const Json* source = Find(doc, "pipeline_source")) {
      if (source->is_object()) {
        report.pipeline_source = source->dump();
      } else {
        Expected(Place(root, "pipeline_source"), "a pipeline (an object)", *source);
      }
    }
    String(doc, root, "status", &report.status);
    String(doc, root, "started_at", &report.started_at);
    Milliseconds(doc, root, "duration_ms", &report.duration_ms);
    const Json& steps = *doc.find("steps");
    const Place at(root, "steps");
    if (!steps.is_array()) {
      Expected(at, "an array of steps", steps);
      return report;
    }
    std::unordered_map<std::string, size_t> seen;
    for (size_t i = 0; i < steps.size(); ++i) {
      const Place step_at(at, i);
      StepRun step;
      if (!Step(steps[i], step_at, &step)) continue;
      auto [it, added] = seen.emplace(step.id, i);
      if (!added) {
        Error(Place(step_at, "id"),
              "step \"" + step.id + "\" is also /steps/" + std::to_string(it->second));
        continue;
      }
      report.steps.push_back(std::move(step));
    }
    return report;
  }

  Diagnostics TakeErrors() { return std::move(errors_); }

 private:
  // Reads one entry of "steps"; false when it has no usable id.
  bool Step(const Json& v, const Place& at, StepRun* step) {
    if (!v.is_object()) {
      Expected(at, "a step (an object)", v);
      return false;
    }
    if (Find(v, "id") == nullptr) {
      Error(at, "missing \"id\"");
      return false;
    }
    if (!String(v, at, "id", &step->id)) return false;
    if (step->id.empty()) {
      Error(at, "a step's \"id\" is empty");
      return false;
    }
    String(v, at, "name", &step->name);
    String(v, at, "uses", &step->uses);
    if (String(v, at, "status", &step->status_text)) {
      step->status = ParseStepRunStatus(step->status_text);
    }
    if (const Json* n = Find(v, "attempts")) {
      if (n->is_number_unsigned() && n->get<uint64_t>() <= 1000000) {
        step->attempts = n->get<int>();
      } else {
        Expected(Place(at, "attempts"), "a count (an integer from 0)", *n);
      }
    }
    Milliseconds(v, at, "duration_ms", &step->duration_ms);
    if (const Json* n = Find(v, "exit_code")) {
      if (n->is_number_integer() && std::abs(n->get<int64_t>()) <= 1000000) {
        step->exit_code = n->get<int>();
      } else {
        Expected(Place(at, "exit_code"), "an exit code (an integer)", *n);
      }
    }
    if (const Json* outputs = Find(v, "outputs")) {
      const Place outputs_at(at, "outputs");
      if (outputs->is_object()) {
        for (const auto& [name, value] : outputs->items()) {
          step->outputs.emplace_back(name,
                                     value.is_string() ? value.get<std::string>() : Dump(value));
        }
      } else {
        Expected(outputs_at, "an object of output values", *outputs);
      }
    }
    String(v, at, "log", &step->log);
    String(v, at, "error", &step->error);
    Bool(v, at, "cached", &step->cached);
    String(v, at, "reused_from", &step->reused_from);
    if (const Json* gate = Find(v, "gate")) Gate(*gate, Place(at, "gate"), step);
    if (const Json* approvals = Find(v, "approvals")) {
      Approvals(*approvals, Place(at, "approvals"), step);
    }
    if (const Json* analysis = Find(v, "analysis")) {
      Analysis(*analysis, Place(at, "analysis"), step);
    }
    return true;
  }

  void Gate(const Json& v, const Place& at, StepRun* step) {
    if (!v.is_object()) {
      Expected(at, "a gate report (an object)", v);
      return;
    }
    GateRun gate;
    String(v, at, "file", &gate.file);
    if (const Json* rows = Find(v, "rows")) {
      const Place rows_at(at, "rows");
      if (!rows->is_array()) {
        Expected(rows_at, "an array of gate rows", *rows);
      } else {
        for (size_t i = 0; i < rows->size(); ++i) {
          const Json& r = (*rows)[i];
          const Place row_at(rows_at, i);
          if (!r.is_object()) {
            Expected(row_at, "a gate row (an object)", r);
            continue;
          }
          GateRowRun row;
          String(r, row_at, "metric", &row.metric);
          String(r, row_at, "op", &row.op);
          Number(r, row_at, "threshold", &row.threshold);
          Number(r, row_at, "value", &row.value);
          Number(r, row_at, "baseline", &row.baseline);
          Bool(r, row_at, "pass", &row.pass);
          gate.rows.push_back(std::move(row));
        }
      }
    }
    step->gate = std::move(gate);
  }

  void Approvals(const Json& v, const Place& at, StepRun* step) {
    if (!v.is_array()) {
      Expected(at, "an array of approvals", v);
      return;
    }
    for (size_t i = 0; i < v.size(); ++i) {
      const Json& a = v[i];
      const Place item(at, i);
      if (!a.is_object()) {
        Expected(item, "an approval (an object)", a);
        continue;
      }
      ApprovalRun approval;
      String(a, item, "who", &approval.who);
      String(a, item, "at", &approval.at);
      String(a, item, "decision", &approval.decision);
      String(a, item, "comment", &approval.comment);
      Bool(a, item, "accepted", &approval.accepted);
      String(a, item, "reason", &approval.reason);
      String(a, item, "key_fingerprint", &approval.key_fingerprint);
      String(a, item, "allowed_signers_sha256", &approval.allowed_signers_sha256);
      step->approvals.push_back(std::move(approval));
    }
  }

  void Analysis(const Json& v, const Place& at, StepRun* step) {
    if (!v.is_array()) {
      Expected(at, "an array of measurements", v);
      return;
    }
    for (size_t i = 0; i < v.size(); ++i) {
      const Json& m = v[i];
      const Place item(at, i);
      if (!m.is_object()) {
        Expected(item, "a measurement (an object)", m);
        continue;
      }
      Measurement measurement;
      String(m, item, "metric", &measurement.metric);
      if (const Json* n = Find(m, "index");
          n != nullptr && n->is_number_unsigned() && n->get<uint64_t>() <= 1000000) {
        measurement.index = n->get<int>();
      }
      Milliseconds(m, item, "at_ms", &measurement.at_ms);
      if (const Json* n = Find(m, "value")) {
        if (n->is_number()) {
          measurement.value = n->get<double>();
        } else {
          Expected(Place(item, "value"), "a number", *n);
        }
      }
      std::string verdict;
      String(m, item, "verdict", &verdict);
      measurement.verdict = verdict == "passed"   ? Verdict::kPassed
                            : verdict == "failed" ? Verdict::kFailed
                                                  : Verdict::kInconclusive;
      String(m, item, "note", &measurement.note);
      step->analysis.push_back(std::move(measurement));
    }
  }

  // The member `key` of object `v`, or nullptr when it is absent or null.
  static const Json* Find(const Json& v, const char* key) {
    auto it = v.find(key);
    return it == v.end() || it->is_null() ? nullptr : &*it;
  }

  static std::string Dump(const Json& v) {
    return v.dump(-1, ' ', false, Json::error_handler_t::replace);
  }

  // False when the key is absent or of the wrong type.
  bool String(const Json& v, const Place& at, const char* key, std::string* out) {
    const Json* s = Find(v, key);
    if (s == nullptr) return false;
    if (!s->is_string()) {
      Expected(Place(at, key), "a string", *s);
      return false;
    }
    *out = s->get<std::string>();
    return true;
  }

  void Bool(const Json& v, const Place& at, const char* key, bool* out) {
    const Json* b = Find(v, key);
    if (b == nullptr) return;
    if (b->is_boolean()) {
      *out = b->get<bool>();
    } else {
      Expected(Place(at, key), "true or false", *b);
    }
  }

  // A number, kept as the gate prints numbers.
  void Number(const Json& v, const Place& at, const char* key, std::string* out) {
    const Json* n = Find(v, key);
    if (n == nullptr) return;
    if (n->is_number()) {
      *out = FormatNumber(n->get<double>());
    } else {
      Expected(Place(at, key), "a number", *n);
    }
  }

  void Milliseconds(const Json& v, const Place& at, const char* key, int64_t* out) {
    const Json* n = Find(v, key);
    if (n == nullptr) return;
    const double ms = n->is_number() ? n->get<double>() : -1;
    if (ms >= 0 && ms < 1e15) {
      *out = static_cast<int64_t>(std::llround(ms));
    } else {
      Expected(Place(at, key), "milliseconds (a number from 0)", *n);
    }
  }

  void Expected(const Place& at, const char* what, const Json& found) {
    Error(at, std::string("expected ") + what + ", found " + JsonTypeName(found));
  }

  void Error(const Place& at, const std::string& message) {
    errors_.push_back(Diagnostic{at.Pointer(), message, 0, 0});
  }

  Diagnostics errors_;
};

}  // namespace

const char* StepRunStatusName(StepRunStatus status) {
  for (const auto& [value, name] : kStatusNames) {
    if (value == status) return name;
  }
  return "unknown";
}

StepRunStatus ParseStepRunStatus(std::string_view text) {
  for (const auto& [value, name] : kStatusNames) {
    if (text == name) return value;
  }
  return StepRunStatus::kUnknown;
}

int RunReport::IndexOf(const std::string& id) const {
  for (size_t i = 0; i < steps.size(); ++i) {
    if (steps[i].id == id) return static_cast<int>(i);
  }
  return -1;
}

RunReportResult ReadRunReport(std::string_view text, const ParseLimits& limits) {
  RunReportResult result;
  Json doc;
  Diagnostic error;
  if (!ParseJsonStrict(text, limits, &doc, &error)) {
    result.errors.push_back(std::move(error));
    return result;
  }
  Reader reader;
  RunReport report = reader.Read(doc);
  result.errors = reader.TakeErrors();
  if (result.errors.empty()) result.report = std::move(report);
  return result;
}

RunMatch MatchRun(const Pipeline& pipeline, const RunReport& report) {
  RunMatch match;
  std::unordered_map<std::string, int> by_id;
  by_id.reserve(report.steps.size());
  for (size_t i = 0; i < report.steps.size(); ++i) {
    by_id.emplace(report.steps[i].id, static_cast<int>(i));
  }
  std::vector<bool> matched(report.steps.size(), false);
  match.run_step.reserve(pipeline.steps.size());
  for (const Step& step : pipeline.steps) {
    auto it = by_id.find(step.id);
    const int index = it == by_id.end() ? -1 : it->second;
    match.run_step.push_back(index);
    if (index >= 0) matched[index] = true;
  }
  for (size_t i = 0; i < matched.size(); ++i) {
    if (!matched[i]) match.run_only.push_back(static_cast<int>(i));
  }
  return match;
}

bool PipelineHashMatches(const Pipeline& pipeline, const std::string& hash) {
  if (hash.empty()) return false;
  if (Sha256Hex(SavePipeline(pipeline)) == hash) return true;
  if (pipeline.layout.empty()) return false;
  Pipeline unplaced = pipeline;
  unplaced.layout.clear();
  return Sha256Hex(SavePipeline(unplaced)) == hash;
}

}  // namespace tame
