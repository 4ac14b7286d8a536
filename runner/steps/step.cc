#include "runner/steps/step.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "core/catalog.h"
#include "core/duration.h"
#include "core/export.h"
#include "runner/files.h"
#include "runner/steps/kinds.h"

namespace tame {
namespace {

struct KindEntry {
  const char* kind;
  StepFunction run;
};

// Every kind with code of its own; shell steps are run by the session.
const KindEntry kKinds[] = {
    {"approval", RunApproval},      {"docker.build", RunDockerBuild},
    {"docker.push", RunDockerPush}, {"git.checkout", RunGitCheckout},
    {"git.tag", RunGitTag},         {"http.check", RunHttpCheck},
    {"k8s.deploy", RunK8sDeploy},   {"metrics.gate", RunMetricsGate},
    {"notify", RunNotify},
};

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

}  // namespace

std::string StepContext::String(const std::string& name) const {
  auto it = params.find(name);
  return it != params.end() && it->is_string() ? it->get<std::string>() : "";
}

int64_t StepContext::Integer(const std::string& name, int64_t fallback) const {
  auto it = params.find(name);
  return it != params.end() && it->is_number_integer() ? it->get<int64_t>() : fallback;
}

bool StepContext::Boolean(const std::string& name, bool fallback) const {
  auto it = params.find(name);
  return it != params.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

int64_t StepContext::DurationMs(const std::string& name, int64_t fallback) const {
  int64_t ms = 0;
  std::string error;
  return ParseDuration(String(name), &ms, &error) ? ms : fallback;
}

std::string StepContext::InWorkspace(const std::string& path) const {
  if (path.empty()) return workspace;
  if (path[0] == '/') return path;
  return workspace + "/" + path;
}

bool StepContext::Output(const std::string& name, const std::string& value) const {
  if (value.find_first_of("\r\n") != std::string::npos || output_file.empty()) return false;
  FILE* f = std::fopen(output_file.c_str(), "a");
  if (f == nullptr) return false;
  std::string line = name + "=" + value + "\n";
  bool ok = std::fwrite(line.data(), 1, line.size(), f) == line.size();
  return std::fclose(f) == 0 && ok;
}

bool StepContext::Details(const Json& details) const {
  if (details_file.empty()) return false;
  std::string error;
  return WriteFileAtomic(
      details_file, details.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n", &error);
}

StepFunction FindStepFunction(const std::string& kind) {
  for (const KindEntry& entry : kKinds) {
    if (kind == entry.kind) return entry.run;
  }
  return nullptr;
}

int RunStepProcess(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "tame: __step runs one step kind for a run; usage: tame __step KIND\n";
    return 2;
  }
  StepContext context;
  context.kind = argv[2];
  StepFunction run = FindStepFunction(context.kind);
  if (run == nullptr) {
    std::cerr << "tame: no step kind \"" << context.kind << "\" runs as a process\n";
    return kStepFailedFinal;
  }
  context.step = Env("TAME_STEP");
  context.run_id = Env("TAME_RUN_ID");
  context.workspace = Env("TAME_WORKSPACE");
  context.run_dir = Env("TAME_RUN_DIR");
  context.output_file = Env("TAME_OUTPUT");
  context.details_file = Env("TAME_DETAILS");
  if (context.workspace.empty()) {
    char* cwd = getcwd(nullptr, 0);
    context.workspace = cwd == nullptr ? "." : cwd;
    std::free(cwd);
  }
  // `tame run` hands over resolved params; an exported workflow (Argo,
  // Tekton, GitHub Actions) hands over TAME_WITH, whose ${VAR} placeholders
  // are filled from this process's environment.
  if (std::getenv("TAME_PARAMS") == nullptr && std::getenv("TAME_WITH") != nullptr) {
    std::string error;
    auto lookup = [](const std::string& name, std::string* value) {
      const char* v = std::getenv(name.c_str());
      if (v == nullptr) return false;
      *value = v;
      return true;
    };
    if (!ResolveExportedParams(Env("TAME_WITH"), lookup, &context.params, &error)) {
      std::cerr << "tame: TAME_WITH: " << error << "\n";
      return kStepFailedFinal;
    }
  } else {
    context.params = Json::parse(Env("TAME_PARAMS"), nullptr, /*allow_exceptions=*/false);
  }
  if (!context.params.is_object()) {
    std::cerr << "tame: TAME_PARAMS must hold the step's params as a JSON object\n";
    return kStepFailedFinal;
  }
  // Fill in the catalog's defaults for params the session left out.
  if (const KindSpec* spec = FindKind(context.kind)) {
    for (const ParamSpec& p : spec->params) {
      if (!context.params.contains(p.name) && !p.default_json.empty()) {
        context.params[p.name] = Json::parse(p.default_json, nullptr, false);
      }
    }
  }
  std::cout.setf(std::ios::unitbuf);  // lines reach the log as they are made
  return run(context);
}

}  // namespace tame
