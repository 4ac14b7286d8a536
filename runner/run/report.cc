#include "runner/run/report.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <string_view>
#include <utility>

#include "core/gate.h"
#include "core/save.h"
#include "runner/files.h"
#include "runner/run/util.h"

namespace tame {

namespace {

// Appends JSON text for an object, one member per line, at a given indent.
class JsonText {
 public:
  JsonText(std::string* out, const MaskPatterns& mask) : out_(out), mask_(mask) {}

  void Open(char bracket) {
    *out_ += bracket;
    ++depth_;
    first_ = true;
  }
  void Close(char bracket) {
    --depth_;
    if (!first_) Newline();
    *out_ += bracket;
    first_ = false;
  }
  void Key(std::string_view key) {
    if (!first_) *out_ += ',';
    Newline();
    Quote(key);
    *out_ += ": ";
    first_ = true;  // the value follows on the same line
  }
  void Item() {
    if (!first_) *out_ += ',';
    Newline();
    first_ = true;
  }
  void String(std::string_view key, std::string_view value) {
    Key(key);
    Quote(value);
    first_ = false;
  }
  void Raw(std::string_view key, std::string_view json) {
    Key(key);
    out_->append(json);
    first_ = false;
  }
  void Int(std::string_view key, int64_t value) { Raw(key, std::to_string(value)); }
  void Value(std::string_view key, const Json& value) {
    Raw(key, MaskJson(value, mask_).dump(-1, ' ', false, Json::error_handler_t::replace));
  }

 private:
  // Appends `s`, masked, as a JSON string; plain printable ASCII without
  // a secret, most of a report, is copied as it is.
  void Quote(std::string_view s) {
    if (!mask_.empty()) {
      *out_ += QuoteJson(mask_.Mask(s));
      return;
    }
    for (char c : s) {
      if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
        *out_ += QuoteJson(std::string(s));
        return;
      }
    }
    *out_ += '"';
    out_->append(s);
    *out_ += '"';
  }

 private:
  void Newline() {
    *out_ += '\n';
    out_->append(static_cast<size_t>(2 * depth_), ' ');
  }

  std::string* out_;
  const MaskPatterns& mask_;
  int depth_ = 0;
  bool first_ = true;
};

using OrderedJson = nlohmann::ordered_json;

// MaskJson for a document whose members keep their order.
OrderedJson MaskOrdered(const OrderedJson& value, const MaskPatterns& mask) {
  if (value.is_string()) return mask.Mask(value.get_ref<const std::string&>());
  if (value.is_array()) {
    OrderedJson out = OrderedJson::array();
    for (const OrderedJson& item : value) out.push_back(MaskOrdered(item, mask));
    return out;
  }
  if (value.is_object()) {
    OrderedJson out = OrderedJson::object();
    for (auto it = value.begin(); it != value.end(); ++it) {
      out[mask.Mask(it.key())] = MaskOrdered(it.value(), mask);
    }
    return out;
  }
  return value;
}

}  // namespace

const char* ReportStatus(const RunStep& r) {
  if (r.not_selected) return "not run";
  if (!r.status) {
    if (r.first_start_ms < 0 && r.attempts == 0) return "not run";
    return r.waiting ? "waiting" : "running";
  }
  if (*r.status == StepStatus::kSucceeded && r.cached) return "cached";
  return StepStatusName(*r.status);
}

std::string ReportText(const RunState& state) {
  std::string out;
  JsonText j(&out, *state.mask);
  Json params = Json::object();
  for (const auto& [name, value] : state.params) params[name] = value;
  const bool running = state.status.empty() || state.status == "running";
  const int64_t now = running ? SteadyNowMs() : 0;
  j.Open('{');
  j.Int("version", kReportVersion);
  j.String("run", state.run_id);
  j.String("pipeline", state.pipeline.name);
  j.String("pipeline_hash", state.pipeline_hash);
  j.String("file", state.pipeline_file);
  j.String("workspace", state.workspace);
  j.String("status", running ? "running" : state.status);
  j.String("started_at", state.started_at);
  j.Int("duration_ms", running ? now - state.started_ms : state.duration_ms);
  j.Value("params", params);
  if (!state.reuse.run_id.empty()) {
    j.Key("reuse");
    j.Open('{');
    j.String("run", state.reuse.run_id);
    j.Value(state.reuse.mode, Json(state.reuse.steps));
    j.Close('}');
  }
  j.Key("steps");
  j.Open('[');
  for (size_t i = 0; i < state.pipeline.steps.size(); ++i) {
    const Step& step = state.pipeline.steps[i];
    const RunStep& r = state.records[i];
    const bool in_progress = !r.status && r.first_start_ms >= 0 && running;
    j.Item();
    j.Open('{');
    j.String("id", step.id);
    if (!step.name.empty()) j.String("name", step.name);
    j.String("uses", step.uses);
    j.String("status", ReportStatus(r));
    j.Int("attempts", r.attempts);
    if (r.exit_code >= 0) j.Int("exit_code", r.exit_code);
    if (!r.started_at.empty()) j.String("started_at", r.started_at);
    j.Int("duration_ms", in_progress ? now - r.first_start_ms : r.duration_ms);
    if (r.cached) j.Raw("cached", "true");
    if (r.restored) j.Raw("restored", "true");
    if (!r.reused_from.empty()) j.String("reused_from", r.reused_from);
    j.Key("outputs");
    j.Open('{');
    for (const auto& [name, value] : r.outputs) j.String(name, value);
    j.Close('}');
    if (r.has_log) j.String("log", "logs/" + step.id + ".log");
    if (!r.error.empty() && r.status && *r.status != StepStatus::kSucceeded) {
      j.String("error", r.error);
    }
    if (r.details.is_object()) {
      for (const auto& [key, value] : r.details.items()) j.Value(key, value);
    }
    j.Close('}');
  }
  j.Close(']');
  // The pipeline as it ran, so that a report opened alone brings its steps:
  // written from the model on one line, as laying out its canonical text
  // and parsing that back cost more than the rest of the report. A
  // pipeline file holds secrets only by reference; masking is kept all the
  // same, as for every string of the report.
  std::string source = PipelineJsonLine(state.pipeline);
  if (!state.mask->empty()) {
    source = MaskOrdered(OrderedJson::parse(source, nullptr, false), *state.mask)
                 .dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
  }
  j.Raw("pipeline_source", source);
  j.Close('}');
  return out + "\n";
}

std::string CountSteps(const std::vector<StepTally>& steps) {
  std::map<std::string, int> counts;
  int cached = 0;
  int restored = 0;
  int reused = 0;
  for (const StepTally& t : steps) {
    bool success = t.status == "succeeded" || t.status == "cached";
    counts[success ? "succeeded" : t.status] += 1;
    if (!success) continue;
    cached += t.status == "cached" ? 1 : 0;
    restored += t.restored ? 1 : 0;
    reused += t.reused ? 1 : 0;
  }
  std::string text = std::to_string(steps.size()) + " steps:";
  bool first = true;
  for (const char* status :
       {"succeeded", "failed", "skipped", "cancelled", "waiting", "running", "not run"}) {
    if (counts[status] == 0) continue;
    text += std::string(first ? " " : ", ") + std::to_string(counts[status]) + " " + status;
    if (std::string(status) == "succeeded" && (cached > 0 || restored > 0 || reused > 0)) {
      std::string notes;
      const std::pair<int, const char*> kinds[] = {
          {cached, "cached"}, {restored, "restored"}, {reused, "reused"}};
      for (const auto& [n, word] : kinds) {
        if (n > 0) notes += (notes.empty() ? "" : ", ") + std::to_string(n) + " " + word;
      }
      text += " (" + notes + ")";
    }
    first = false;
  }
  return text;
}

std::vector<StepTally> TallySteps(const RunState& state) {
  std::vector<StepTally> out;
  out.reserve(state.records.size());
  for (const RunStep& r : state.records) {
    out.push_back({ReportStatus(r), r.restored, !r.reused_from.empty()});
  }
  return out;
}

std::vector<std::string> LogTailOf(const std::string& path, size_t count) {
  // A log is read back from the run folder: a symbolic link or anything
  // but a plain file there is not followed (run_dir.h).
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return {};
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return {};
  }
  const off_t keep = 1 << 16;
  const off_t from = st.st_size > keep ? st.st_size - keep : 0;
  std::string text(static_cast<size_t>(st.st_size - from), '\0');
  ssize_t n = pread(fd, &text[0], text.size(), from);
  close(fd);
  text.resize(n > 0 ? static_cast<size_t>(n) : 0);
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  if (lines.size() > count) lines.erase(lines.begin(), lines.end() - static_cast<long>(count));
  return lines;
}

std::vector<std::string> LogTail(const RunState& state, int step, size_t count) {
  return LogTailOf(state.run_dir + "/logs/" + state.pipeline.steps[step].id + ".log", count);
}

// A release's analysis: a test case per metric, its measurements in the
// case's output, failed when one measurement failed.
void AnalysisCases(const RunState& state, const std::string& step, const Json& analysis,
                   std::string* cases, size_t* tests, int* failures) {
  if (!analysis.is_array()) return;
  auto text = [&](const std::string& s) { return XmlEscape(state.mask->Mask(s)); };
  std::vector<std::string> order;
  std::map<std::string, std::pair<std::string, std::string>> metrics;  // output, first failure
  for (const Json& row : analysis) {
    if (!row.is_object()) continue;
    const std::string metric = Field(row, "metric", std::string());
    if (metrics.find(metric) == metrics.end()) order.push_back(metric);
    auto& [output, failed] = metrics[metric];
    const Json value = row.value("value", Json());
    const std::string verdict = Field(row, "verdict", std::string());
    const std::string note = Field(row, "note", std::string());
    std::string line = "#" + std::to_string(Field(row, "index", int64_t{0}) + 1) + " " +
                       (value.is_number() ? FormatNumber(value.get<double>()) : "no value") + " " +
                       verdict + (note.empty() ? "" : " (" + note + ")");
    output += line + "\n";
    if (verdict == "failed" && failed.empty()) failed = metric + ": " + line;
  }
  for (const std::string& metric : order) {
    const auto& [output, failed] = metrics[metric];
    ++*tests;
    *cases += "    <testcase classname=\"" + text(state.pipeline.name + "." + step) +
              "\" name=\"analysis " + text(metric) + "\">\n";
    if (!failed.empty()) {
      ++*failures;
      *cases += "      <failure message=\"" + text(failed) + "\"/>\n";
    }
    *cases += "      <system-out>" + text(output) + "</system-out>\n    </testcase>\n";
  }
}

std::string BuildJunit(const RunState& state) {
  auto seconds = [](int64_t ms) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.3f", static_cast<double>(ms) / 1000);
    return std::string(buf);
  };
  const MaskPatterns& mask = *state.mask;
  auto text = [&](const std::string& s) { return XmlEscape(mask.Mask(s)); };
  int failures = 0;
  int skipped = 0;
  size_t tests = 0;
  std::string cases;
  for (size_t i = 0; i < state.pipeline.steps.size(); ++i) {
    const Step& step = state.pipeline.steps[i];
    const RunStep& r = state.records[i];
    const std::string status = ReportStatus(r);
    ++tests;
    cases += "    <testcase classname=\"" + text(state.pipeline.name) + "\" name=\"" +
             text(step.id) + "\" time=\"" + seconds(r.duration_ms) + "\"";
    if (status == "succeeded" || status == "cached") {
      cases += "/>\n";
    } else {
      cases += ">\n";
      if (status == "failed") {
        ++failures;
        std::string log;
        for (const std::string& line : LogTail(state, static_cast<int>(i), 50)) log += line + "\n";
        cases += "      <failure message=\"" + text(r.error.empty() ? "failed" : r.error) + "\">" +
                 text(log) + "</failure>\n";
      } else {
        ++skipped;
        cases += "      <skipped message=\"" + text(status) + "\"/>\n";
      }
      cases += "    </testcase>\n";
    }
    AnalysisCases(state, step.id,
                  r.details.is_object() ? r.details.value("analysis", Json()) : Json(), &cases,
                  &tests, &failures);
    // Each rule of a metrics gate is a test case of its own, so CI shows
    // which metric missed its threshold.
    const Json gate = r.details.is_object() ? r.details.value("gate", Json()) : Json();
    if (!gate.is_object() || !gate.contains("rows") || !gate["rows"].is_array()) continue;
    for (const Json& row : gate["rows"]) {
      if (!row.is_object()) continue;
      const Json threshold = row.value("threshold", Json());
      std::string name =
          Field(row, "metric", "") + " " + Field(row, "op", "") + " " +
          (threshold.is_number() ? FormatNumber(threshold.get<double>()) : threshold.dump());
      ++tests;
      cases += "    <testcase classname=\"" + text(state.pipeline.name + "." + step.id) +
               "\" name=\"" + text(name) + "\"";
      if (Field(row, "pass", false)) {
        cases += "/>\n";
        continue;
      }
      ++failures;
      std::string message = Field(row, "message", "failed");
      cases += ">\n      <failure message=\"" + text(message) + "\">" + text(message) +
               "</failure>\n    </testcase>\n";
    }
  }
  std::string head = "<testsuite name=\"" + text(state.pipeline.name) + "\" tests=\"" +
                     std::to_string(tests) + "\" failures=\"" + std::to_string(failures) +
                     "\" errors=\"0\" skipped=\"" + std::to_string(skipped) + "\" time=\"" +
                     seconds(state.duration_ms) + "\" timestamp=\"" + text(state.started_at) +
                     "\">\n";
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  " + head + cases +
         "  </testsuite>\n</testsuites>\n";
}

bool WriteReport(const RunState& state, std::string* error) {
  // Replaced atomically (rename), without fsync: the journal, not the
  // report, is what a run is resumed from, and a sync on every rewrite
  // would stall the run loop on a busy disk.
  // Every string in the report is masked already; the whole text is masked
  // again on its way out, for forms that only escaping makes.
  std::string text = ReportText(state);
  if (!state.mask->empty()) text = state.mask->Mask(text);
  if (!WriteFileReplace(state.run_dir + "/report.json", text, error)) {
    *error = "report.json: " + *error;
    return false;
  }
  return true;
}

bool WriteReports(const RunState& state, const std::string& junit_path, std::string* error) {
  if (!WriteReport(state, error)) return false;
  if (!junit_path.empty() && !WriteMaskedFile(*state.mask, junit_path, BuildJunit(state), error)) {
    *error = "JUnit report " + junit_path + ": " + *error;
    return false;
  }
  return true;
}

}  // namespace tame
