// The parts of `tame import` that do not depend on the source: reading the
// YAML, detecting the source, making step ids, and turning what the
// importers built into a canonical, laid out, validated pipeline.
#include "core/import.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/document_edit.h"
#include "core/import_internal.h"
#include "core/load.h"
#include "core/save.h"
#include "core/validate.h"

namespace tame {
namespace importing {

std::string Context::StepId(const std::string& name, int line, const std::string& place) {
  std::string id;
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    id += ok ? c : '-';
  }
  if (id.empty() || id[0] < 'a' || id[0] > 'z') id = "job-" + id;
  if (id.size() > 63) id.resize(63);
  std::string base = id;
  for (int n = 2; ids_.count(id); ++n) {
    std::string suffix = "-" + std::to_string(n);
    id = base.substr(0, std::min(base.size(), 63 - suffix.size())) + suffix;
  }
  ids_.insert(id);
  if (id != name) {
    Note(line, place, "renamed to \"" + id + "\" (step ids are [a-z][a-z0-9_-]{0,62}, unique)");
  }
  return id;
}

void Context::DeclareSecret(const std::string& name) {
  Json& secrets = pipeline["secrets"];
  if (!secrets.contains(name)) secrets[name] = Json{{"from", "env"}};
}

Json* Context::FindStep(const std::string& id) {
  if (!pipeline.contains("steps")) return nullptr;
  for (Json& step : pipeline["steps"]) {
    if (step["id"] == id) return &step;
  }
  return nullptr;
}

Json FailingStep(const std::string& id, const std::string& message) {
  return Json{
      {"id", id},
      {"uses", "shell"},
      {"with", {{"run", "echo " + ShellQuote("not imported: " + message) + " >&2\nexit 1\n"}}}};
}

std::string ShellQuote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string HereDocMarker(const std::string& text, const std::string& base) {
  std::string marker = base;
  for (int n = 2; ("\n" + text + "\n").find("\n" + marker + "\n") != std::string::npos; ++n) {
    marker = base + "_" + std::to_string(n);
  }
  return marker;
}

std::string ScalarText(const YamlNode* node) {
  return node && node->IsScalar() ? node->value : std::string();
}

Json ScalarJson(const YamlNode& node) {
  if (!node.plain) return node.value;
  if (node.IsNull()) return nullptr;
  if (node.value == "true" || node.value == "True" || node.value == "TRUE") return true;
  if (node.value == "false" || node.value == "False" || node.value == "FALSE") return false;
  Json number = Json::parse(node.value, nullptr, false);
  if (!number.is_discarded() && number.is_number()) return number;
  return node.value;
}

std::string MinutesDuration(double minutes) {
  double seconds = minutes * 60;
  if (std::fabs(minutes - std::round(minutes)) < 1e-9) {
    long long m = static_cast<long long>(std::round(minutes));
    return m % 60 == 0 ? std::to_string(m / 60) + "h" : std::to_string(m) + "m";
  }
  return std::to_string(static_cast<long long>(std::llround(seconds))) + "s";
}

bool LooksLikeGitHub(const YamlNode& root) {
  const YamlNode* jobs = root.Find("jobs");
  return jobs && jobs->IsMapping() && (root.Find("on") || root.Find("true"));
}

}  // namespace importing

const char* ImportSourceName(ImportSource source) {
  return source == ImportSource::kGitLabCi ? "gitlab-ci" : "github-actions";
}

bool ParseImportSource(const std::string& name, ImportSource* source) {
  if (name == "github-actions") {
    *source = ImportSource::kGitHubActions;
  } else if (name == "gitlab-ci") {
    *source = ImportSource::kGitLabCi;
  } else {
    return false;
  }
  return true;
}

std::string FormatImportReport(const std::string& file, const ImportResult& result) {
  if (!result.error.message.empty()) return FormatDiagnostic(file, result.error) + "\n";
  size_t notes = 0;
  size_t refused = 0;
  for (const ImportItem& item : result.items) (item.imported ? notes : refused) += 1;
  std::string out = file + ": imported from " + ImportSourceName(result.source) + ": " +
                    std::to_string(result.steps) + (result.steps == 1 ? " step, " : " steps, ") +
                    std::to_string(notes) + (notes == 1 ? " note" : " notes");
  if (refused) out += ", " + std::to_string(refused) + " not imported";
  out += "\n";
  for (const ImportItem& item : result.items) {
    out += file;
    if (item.line) out += ":" + std::to_string(item.line);
    out += ": ";
    if (!item.place.empty()) out += item.place + ": ";
    out += item.imported ? "note: " : "not imported: ";
    out += item.message + "\n";
  }
  return out;
}

namespace {

std::string Stem(const std::string& name) {
  std::string base = name.substr(name.find_last_of('/') + 1);
  for (const char* ext : {".gitlab-ci.yml", ".github.yml", ".yml", ".yaml"}) {
    std::string e = ext;
    if (base.size() > e.size() && base.compare(base.size() - e.size(), e.size(), e) == 0) {
      return base.substr(0, base.size() - e.size());
    }
  }
  return base.empty() ? "imported" : base;
}

void CollectStrings(const Json& value, std::string* out) {
  if (value.is_string()) *out += value.get<std::string>() + "\n";
  if (value.is_object() || value.is_array()) {
    for (const Json& v : value) CollectStrings(v, out);
  }
}

// A need that a reference already implies is left out, as a person writes it.
void DropImpliedNeeds(Json* pipeline) {
  for (Json& step : (*pipeline)["steps"]) {
    if (!step.contains("needs")) continue;
    std::string text;
    CollectStrings(step["with"], &text);
    if (step.contains("env")) CollectStrings(step["env"], &text);
    Json kept = Json::array();
    for (const Json& need : step["needs"]) {
      if (text.find("${{ steps." + need.get<std::string>() + ".outputs.") == std::string::npos) {
        kept.push_back(need);
      }
    }
    if (kept.empty()) {
      step.erase("needs");
    } else {
      step["needs"] = kept;
    }
  }
}

}  // namespace

ImportResult ImportWorkflow(std::string_view text, const std::string& name,
                            const ImportOptions& options) {
  ImportResult result;
  result.source = options.source;
  YamlReadResult yaml = ReadYaml(text);
  if (!yaml.root) {
    result.error = yaml.error;
    return result;
  }
  const YamlNode& root = *yaml.root;
  if (!root.IsMapping()) {
    result.error.message = "not a workflow: the file is not a YAML mapping";
    return result;
  }
  if (options.detect) {
    result.source =
        importing::LooksLikeGitHub(root) ? ImportSource::kGitHubActions : ImportSource::kGitLabCi;
  }
  importing::Context ctx(options);
  ctx.pipeline["version"] = 1;
  ctx.pipeline["name"] = Stem(name);
  ctx.pipeline["steps"] = Json::array();
  if (result.source == ImportSource::kGitHubActions) {
    importing::ImportGitHub(root, &ctx);
  } else {
    importing::ImportGitLab(root, &ctx);
  }
  if (ctx.fatal) {
    result.error = ctx.fatal_error;
    return result;
  }
  result.items = std::move(ctx.items);
  std::stable_sort(result.items.begin(), result.items.end(),
                   [](const ImportItem& a, const ImportItem& b) { return a.line < b.line; });
  result.steps = ctx.pipeline["steps"].size();
  bool refused = false;
  for (const ImportItem& item : result.items) refused = refused || !item.imported;
  if (refused && !options.keep_unknown) return result;

  DropImpliedNeeds(&ctx.pipeline);
  LoadOptions load;
  load.max_steps = options.max_steps;
  LoadResult loaded = DecodePipeline(std::move(ctx.pipeline), load);
  if (!loaded.pipeline) {
    result.error = loaded.errors.front();
    result.error.message = "the imported pipeline does not load: " +
                           (result.error.pointer.empty() ? "" : result.error.pointer + ": ") +
                           result.error.message;
    result.error.pointer.clear();
    return result;
  }
  Diagnostics problems = Validate(*loaded.pipeline);
  if (!problems.empty()) {
    result.error.message = "the imported pipeline is not valid: " +
                           (problems[0].pointer.empty() ? "" : problems[0].pointer + ": ") +
                           problems[0].message;
    return result;
  }
  PlaceUnplacedSteps(&*loaded.pipeline);
  result.text = SavePipeline(*loaded.pipeline);
  return result;
}

}  // namespace tame
