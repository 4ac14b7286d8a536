#include "runner/run/report.h"

#include <cstdio>

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
  void Key(const std::string& key) {
    if (!first_) *out_ += ',';
    Newline();
    *out_ += Quote(key);
    *out_ += ": ";
    first_ = true;  // the value follows on the same line
  }
  void Item() {
    if (!first_) *out_ += ',';
    Newline();
    first_ = true;
  }
  void String(const std::string& key, const std::string& value) {
    Key(key);
    *out_ += Quote(value);
    first_ = false;
  }
  void Raw(const std::string& key, const std::string& json) {
    Key(key);
    *out_ += json;
    first_ = false;
  }
  void Int(const std::string& key, int64_t value) { Raw(key, std::to_string(value)); }
  void Value(const std::string& key, const Json& value) {
    Raw(key, MaskJson(value, mask_).dump(-1, ' ', false, Json::error_handler_t::replace));
  }
  std::string Quote(const std::string& s) const {
    return QuoteJson(mask_.empty() ? s : mask_.Mask(s));
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

}  // namespace

std::string ReportText(const RunState& state) {
  std::string out;
  JsonText j(&out, *state.mask);
  Json params = Json::object();
  for (const auto& [name, value] : state.params) params[name] = value;
  j.Open('{');
  j.String("run", state.run_id);
  j.String("pipeline", state.pipeline.name);
  j.String("pipeline_hash", state.pipeline_hash);
  j.String("file", state.pipeline_file);
  j.String("workspace", state.workspace);
  j.String("status", state.status);
  j.String("started_at", state.started_at);
  j.Int("duration_ms", state.duration_ms);
  j.Value("params", params);
  j.Key("steps");
  j.Open('[');
  for (size_t i = 0; i < state.pipeline.steps.size(); ++i) {
    const Step& step = state.pipeline.steps[i];
    const StepRecord& r = state.records[i];
    j.Item();
    j.Open('{');
    j.String("id", step.id);
    if (!step.name.empty()) j.String("name", step.name);
    j.String("uses", step.uses);
    j.String("status", r.status.empty() ? "not run" : r.status);
    j.Int("attempts", r.attempts);
    if (r.exit_code >= 0) j.Int("exit_code", r.exit_code);
    if (!r.started_at.empty()) j.String("started_at", r.started_at);
    j.Int("duration_ms", r.duration_ms);
    if (r.cached) j.Raw("cached", "true");
    if (r.restored) j.Raw("restored", "true");
    j.Key("outputs");
    j.Open('{');
    for (const auto& [name, value] : r.outputs) j.String(name, value);
    j.Close('}');
    if (r.has_log) j.String("log", "logs/" + step.id + ".log");
    if (!r.error.empty()) j.String("error", r.error);
    j.Close('}');
  }
  j.Close(']');
  j.Close('}');
  return out + "\n";
}

std::vector<std::string> LogTail(const RunState& state, int step, size_t count) {
  std::string text;
  std::string error;
  std::string path = state.run_dir + "/logs/" + state.pipeline.steps[step].id + ".log";
  if (!ReadFile(path, size_t{1} << 30, &text, &error)) return {};
  if (text.size() > (1u << 16)) text = text.substr(text.size() - (1u << 16));
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
  std::string cases;
  for (size_t i = 0; i < state.pipeline.steps.size(); ++i) {
    const Step& step = state.pipeline.steps[i];
    const StepRecord& r = state.records[i];
    cases += "    <testcase classname=\"" + text(state.pipeline.name) + "\" name=\"" +
             text(step.id) + "\" time=\"" + seconds(r.duration_ms) + "\"";
    if (r.status == "succeeded") {
      cases += "/>\n";
      continue;
    }
    cases += ">\n";
    if (r.status == "failed") {
      ++failures;
      std::string log;
      for (const std::string& line : LogTail(state, static_cast<int>(i), 50)) log += line + "\n";
      cases += "      <failure message=\"" + text(r.error.empty() ? "failed" : r.error) +
               "\">" + text(log) + "</failure>\n";
    } else {
      ++skipped;
      cases += "      <skipped message=\"" + text(r.status.empty() ? "not run" : r.status) +
               "\"/>\n";
    }
    cases += "    </testcase>\n";
  }
  const size_t n = state.pipeline.steps.size();
  std::string head = "<testsuite name=\"" + text(state.pipeline.name) + "\" tests=\"" +
                     std::to_string(n) + "\" failures=\"" + std::to_string(failures) +
                     "\" errors=\"0\" skipped=\"" + std::to_string(skipped) + "\" time=\"" +
                     seconds(state.duration_ms) + "\" timestamp=\"" + text(state.started_at) +
                     "\">\n";
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  " + head + cases +
         "  </testsuite>\n</testsuites>\n";
}

bool WriteReports(const RunState& state, const std::string& junit_path, std::string* error) {
  std::string report = ReportText(state);
  // Replaced atomically (rename), without fsync: the journal, not the
  // report, is what a run is resumed from.
  if (!WriteFileReplace(state.run_dir + "/report.json", report, error)) {
    *error = "report.json: " + *error;
    return false;
  }
  if (!junit_path.empty() && !WriteFileAtomic(junit_path, BuildJunit(state), error)) {
    *error = junit_path + ": " + *error;
    return false;
  }
  return true;
}

}  // namespace tame
