#include "runner/run/preview.h"

#include <unistd.h>

#include <cstdlib>

#include "core/graph.h"
#include "core/params.h"
#include "core/step_inputs.h"
#include "runner/run/cache.h"

namespace tame {

std::vector<CacheVerdict> PreviewCache(const Pipeline& pipeline, const std::string& workspace,
                                       const std::map<std::string, Json>& params,
                                       const std::map<std::string, std::string>& secrets) {
  std::vector<CacheVerdict> verdicts(pipeline.steps.size());
  Plan plan;
  if (!MakePlan(BuildGraph(pipeline), &plan)) return verdicts;
  Cache cache(workspace, /*create_key=*/false);
  // Outputs of the steps the cache would skip: what their dependents see.
  std::vector<const CacheEntry*> hits(pipeline.steps.size(), nullptr);
  for (const std::vector<int>& level : plan.levels) {
    for (int i : level) {
      const Step& step = pipeline.steps[i];
      CacheVerdict& v = verdicts[i];
      v.cacheable = step.cache && step.cache->enabled;
      if (!v.cacheable) continue;
      std::map<std::string, std::string> refs;
      std::map<std::string, std::string> file_refs;
      for (const Reference& ref : StepReferences(step)) {
        std::string value;
        switch (ref.kind) {
          case RefKind::kParam: {
            auto it = params.find(ref.name);
            if (it == params.end()) v.reason = "param " + ref.name + " has no value yet";
            value = it == params.end() ? "" : ParamText(it->second);
            break;
          }
          case RefKind::kSecret: {
            auto it = secrets.find(ref.name);
            if (it == secrets.end()) v.reason = "secret " + ref.name + " is not set";
            if (it != secrets.end()) value = it->second;
            break;
          }
          case RefKind::kRunId:
            v.reason = "it uses run.id, which is new in every run";
            break;
          case RefKind::kStepOutput: {
            int producer = pipeline.FindStep(ref.step);
            if (producer < 0 || hits[producer] == nullptr) {
              v.reason = "it needs an output of " + ref.step + ", which runs";
              break;
            }
            std::map<std::string, std::string> outputs;
            std::string why;
            cache.Outputs(*hits[producer], &outputs, &why);
            auto out = outputs.find(ref.name);
            value = out == outputs.end() ? "" : out->second;
            auto decl = pipeline.steps[producer].outputs.find(ref.name);
            if (decl != pipeline.steps[producer].outputs.end() && !decl->second.path.empty()) {
              file_refs[ref.Text()] = decl->second.path;
            }
            break;
          }
        }
        refs[ref.Text()] = value;
      }
      if (!v.reason.empty()) continue;
      CacheEntry entry;
      std::string error;
      if (!cache.ComputeKey(pipeline.name, step, StepDefinitionHash(step), refs, file_refs, &entry,
                            &error)) {
        v.reason = error;
        continue;
      }
      const CacheEntry* hit = cache.Find(entry.key);
      std::string why;
      std::map<std::string, std::string> outputs;
      if (hit != nullptr && cache.OutputsIntact(*hit, &why) &&
          cache.Outputs(*hit, &outputs, &why)) {
        v.skip = true;
        v.reason = "unchanged since an earlier run";
        hits[i] = hit;
      } else {
        v.reason = hit != nullptr ? why : cache.ExplainMiss(entry);
      }
    }
  }
  return verdicts;
}

std::vector<CacheVerdict> PreviewCacheHere(const Pipeline& pipeline) {
  std::map<std::string, Json> params;
  for (const auto& [name, decl] : pipeline.params) {
    if (decl.default_value) params[name] = *decl.default_value;
  }
  std::map<std::string, std::string> secrets;
  for (const auto& [name, decl] : pipeline.secrets) {
    const char* value = std::getenv((decl.env.empty() ? name : decl.env).c_str());
    if (decl.from == "env" && value != nullptr) secrets[name] = value;
  }
  char cwd[4096];
  if (getcwd(cwd, sizeof(cwd)) == nullptr) return std::vector<CacheVerdict>(pipeline.steps.size());
  return PreviewCache(pipeline, cwd, params, secrets);
}

std::string DescribeVerdict(const CacheVerdict& verdict) {
  return verdict.skip ? "skipped, " + verdict.reason : "runs: " + verdict.reason;
}

void PrintDryRun(const Pipeline& pipeline, const std::string& workspace,
                 const std::map<std::string, Json>& params,
                 const std::map<std::string, std::string>& secrets, bool use_cache,
                 std::ostream& out) {
  Plan plan;
  MakePlan(BuildGraph(pipeline), &plan);
  std::vector<CacheVerdict> verdicts;
  if (use_cache) verdicts = PreviewCache(pipeline, workspace, params, secrets);
  out << pipeline.name << ": dry run of " << pipeline.steps.size() << " steps in "
      << plan.levels.size() << " levels; nothing is started\n";
  auto value = [&](const Reference& ref) -> std::string {
    switch (ref.kind) {
      case RefKind::kParam: {
        auto it = params.find(ref.name);
        return it == params.end() ? "" : ParamText(it->second);
      }
      case RefKind::kSecret:
        return secrets.count(ref.name) > 0 ? "***" : "<not set>";
      case RefKind::kRunId:
        return "<the run's id>";
      case RefKind::kStepOutput:
        return "<" + ref.Text() + ">";
    }
    return "";
  };
  for (size_t l = 0; l < plan.levels.size(); ++l) {
    out << "level " << l + 1 << "\n";
    for (int i : plan.levels[l]) {
      const Step& step = pipeline.steps[i];
      std::string line = "  " + step.id + "  " + step.uses;
      if (!step.if_condition.empty() && step.if_condition != "success") {
        line += "  (if: " + step.if_condition + ")";
      }
      if (!verdicts.empty() && verdicts[i].cacheable) {
        line += verdicts[i].skip ? "  would be skipped: " + verdicts[i].reason
                                 : "  runs: " + verdicts[i].reason;
      }
      out << line << "\n";
      if (step.uses != "shell") {
        Json params;
        std::string error;
        if (!SubstituteReferences(step.with, value, nullptr, &params, &error)) {
          out << "      error: " << error << "\n";
        } else {
          out << "      $ tame __step " << step.uses << "   with " << params.dump() << "\n";
        }
        continue;
      }
      ShellCommand cmd;
      std::string error;
      if (!PrepareShellStep(step, value, &cmd, &error)) {
        out << "      error: " << error << "\n";
        continue;
      }
      std::string command = cmd.shell;
      for (const std::string& flag : cmd.flags) command += " " + flag;
      out << "      $ " << command << " SCRIPT"
          << (cmd.workdir.empty() ? "" : "   (in " + cmd.workdir + ")") << "\n";
      size_t start = 0;
      while (start < cmd.script.size()) {
        size_t nl = cmd.script.find('\n', start);
        if (nl == std::string::npos) nl = cmd.script.size();
        out << "      | " << cmd.script.substr(start, nl - start) << "\n";
        start = nl + 1;
      }
      for (const auto& [name, v] : cmd.env) out << "      " << name << "=" << v << "\n";
    }
  }
}

}  // namespace tame
