// The GitLab CI exporter: one `.gitlab-ci.yml` with a job per step, in
// stages by plan level and with `needs` from the graph, so that steps run
// side by side as they do in tame. Each job carries the workspace on as an
// artifact (a tar the jobs that need it unpack) and its outputs as a dotenv
// report whose variables carry the step id in their names, so that the
// outputs of several needed jobs never collide. Params are pipeline
// variables named as `tame run` names them (TAME_PARAM_x); approvals are
// manual jobs on a protected environment.
#include <algorithm>
#include <set>

#include "core/export_internal.h"
#include "core/validate.h"

namespace tame {
namespace exporting {
namespace {

constexpr char kCarry[] = ".tame-export";
constexpr char kDotenv[] = ".tame-export/outputs.env";
constexpr int kMaxRetries = 2;  // GitLab's limit on retry:max

// Job names: step ids, except those GitLab reads as its own top-level
// keywords, which get a "-step" suffix.
std::vector<std::string> JobNames(const Context& ctx) {
  static const std::set<std::string> kKeywords = {
      "after_script", "before_script", "cache",  "default", "image",     "include", "pages",
      "services",     "spec",          "stages", "types",   "variables", "workflow"};
  std::vector<std::string> names;
  std::set<std::string> ids;
  for (const StepInfo& s : ctx.steps) ids.insert(s.id());
  for (const StepInfo& s : ctx.steps) {
    std::string name = s.id();
    if (kKeywords.count(name) > 0) {
      name += "-step";
      for (int n = 2; ids.count(name) > 0; ++n) name = s.id() + "-step-" + std::to_string(n);
    }
    names.push_back(name);
  }
  return names;
}

// A literal for a `variables:` value, where GitLab expands "$NAME" and
// reads "$$" as "$".
std::string VariableEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    out += c;
    if (c == '$') out += '$';
  }
  return out;
}

// The value of a reference in a job's variables.
std::string Value(const RefUse& use) {
  switch (use.ref.kind) {
    case RefKind::kParam:
      return "$" + use.env;  // the pipeline variable of the same name
    case RefKind::kSecret:
      return "$" + CiVariableName(use.ref.name);
    case RefKind::kRunId:
      return "$CI_PIPELINE_ID";
    case RefKind::kStepOutput:
      return use.file ? VariableEscape(use.path) : "$" + use.env;  // from the dotenv report
  }
  return "";
}

// A duration as GitLab's timeout reads it: "1h 30m 5s", whole seconds.
std::string GitLabDuration(int64_t ms) {
  int64_t seconds = (ms + 999) / 1000;
  std::string out;
  auto part = [&](int64_t value, const char* unit) {
    if (value == 0) return;
    if (!out.empty()) out += ' ';
    out += std::to_string(value) + unit;
  };
  part(seconds / 86400, "d");
  part(seconds / 3600 % 24, "h");
  part(seconds / 60 % 60, "m");
  part(seconds % 60, "s");
  return out.empty() ? "1s" : out;
}

// Every step before `s` in the graph, in file order.
std::vector<int> Ancestors(const Context& ctx, const StepInfo& s) {
  std::vector<bool> seen(ctx.steps.size(), false);
  std::vector<int> work(s.deps.begin(), s.deps.end());
  while (!work.empty()) {
    int d = work.back();
    work.pop_back();
    if (seen[d]) continue;
    seen[d] = true;
    for (int dd : ctx.steps[d].deps) work.push_back(dd);
  }
  std::vector<int> out;
  for (size_t i = 0; i < seen.size(); ++i) {
    if (seen[i]) out.push_back(static_cast<int>(i));
  }
  return out;
}

std::vector<int> Levels(const Context& ctx) {
  std::vector<int> level(ctx.steps.size(), 1);
  for (const StepInfo& s : ctx.steps) {
    for (int d : s.deps) level[s.index] = std::max(level[s.index], level[d] + 1);
  }
  return level;
}

// The step's own script written to a file and run by its interpreter, so
// that it runs as under `tame run` (same shell, same flags), in its workdir.
std::string MainScript(const StepInfo& s) {
  std::string out;
  if (!s.workdir.empty()) {
    out += "cd -- " +
           MapReferences(
               s.workdir, s.refs, [](const RefUse& use) { return "\"${" + use.env + "}\""; },
               [](const std::string& text) {
                 std::string quoted = "'";
                 for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
                 return text.empty() ? text : quoted + "'";
               }) +
           "\n";
  }
  if (!s.IsShell()) return out + RunCommandLine(s, "");
  std::string marker = "TAME_SCRIPT_END";
  std::string script = s.script;
  if (script.empty() || script.back() != '\n') script += '\n';
  for (int n = 1; ("\n" + script).find("\n" + marker + "\n") != std::string::npos; ++n) {
    marker = "TAME_SCRIPT_END_" + std::to_string(n);
  }
  out += "cat > \"$TAME_SCRIPT\" <<'" + marker + "'\n" + script + marker + "\n";
  return out + RunCommandLine(s, "\"$TAME_SCRIPT\"");
}

void NoteRetries(Context* ctx, const StepInfo& s, OrderedJson* job) {
  const Step& step = *s.step;
  if (!step.retries || step.retries->max <= 0) return;
  const Retries& r = *step.retries;
  OrderedJson retry;
  retry["max"] = std::min(r.max, kMaxRetries);
  if (r.on_exit_codes.empty()) {
    retry["when"] = "script_failure";
  } else {
    OrderedJson codes = OrderedJson::array();
    for (int code : r.on_exit_codes) codes.push_back(code);
    retry["exit_codes"] = codes;
  }
  (*job)["retry"] = retry;
  if (r.max > kMaxRetries) {
    ctx->StepNote(s, "/retries/max",
                  "GitLab retries a job at most 2 times: retries.max " + std::to_string(r.max) +
                      " becomes 2");
  }
  if (!r.backoff.empty() || r.factor) {
    ctx->StepNote(s, "/retries",
                  "GitLab retries at once, without backoff: the backoff and factor are not "
                  "applied");
  }
  ctx->StepNote(s, "/retries",
                "GitLab retries the whole job, on a runner it picks again, not the step's "
                "process alone");
}

// Notes and settings of an approval: a manual job, blocking, on a
// protected environment whose approval rules GitLab keeps outside the file.
void Approval(Context* ctx, const StepInfo& s, OrderedJson* job) {
  const Step& step = *s.step;
  std::vector<std::string> approvers;
  for (const Json& a : ParamValue(step, *FindParam(*s.kind, "approvers"))) {
    if (a.is_string()) approvers.push_back(a.get<std::string>());
  }
  Json required = ParamValue(step, *FindParam(*s.kind, "required"));
  (*job)["environment"]["name"] = s.id();
  (*job)["when"] = "manual";
  (*job)["allow_failure"] = false;
  ctx->StepNote(s, "/with/required",
                "the approval is a manual job on the environment " + Quoted(s.id()) +
                    ": protect it (Settings > CI/CD > Protected environments) with the "
                    "approvers " +
                    JoinWords(approvers) + " and " + required.dump() +
                    (required == Json(1) ? " required approval" : " required approvals") +
                    "; GitLab keeps these rules outside the file");
  if (!step.if_condition.empty() && step.if_condition != "success") {
    ctx->StepNote(s, "/if",
                  "a manual job waits for its needs to succeed: the approval's if is not "
                  "applied");
  }
  Json timeout = ParamValue(step, *FindParam(*s.kind, "timeout"));
  if (timeout.is_string()) {
    ctx->StepNote(s, "/with/timeout",
                  "a manual job waits until someone runs it; the approval's timeout is not "
                  "applied");
  }
  if (ParamValue(step, *FindParam(*s.kind, "exclude_initiator")) == Json(true)) {
    ctx->StepNote(s, "/with/exclude_initiator",
                  "GitLab refuses self-approval when the project's \"Prevent approval by "
                  "author\" setting is on");
  }
  NoteHostedApproval(ctx, s, "GitLab");
}

// The workspace packed for the jobs that need it (after_script would do
// too, but some local runners start it in a fresh copy of the folder).
std::string PackScript(const StepInfo& s) {
  if (s.dependents.empty()) return "";
  const std::string tar = "\"${TMPDIR:-/tmp}/tame-workspace-$$.tar\"";
  return std::string("mkdir -p ") + kCarry + "/" + s.id() + "\ntar -cf " + tar +
         " --exclude=./.git --exclude=./" + kCarry + " .\nmv " + tar + " " + kCarry + "/" + s.id() +
         "/workspace.tar\n";
}

// The job's script: unpack the workspaces of the jobs it needs, run the
// step with TAME_OUTPUT set, write its outputs to the dotenv report, pack
// the workspace for the jobs that need it, and end with the step's status.
// The step runs in a subshell so that its `exit` ends only the step.
OrderedJson Script(const Context& ctx, const StepInfo& s) {
  OrderedJson script = OrderedJson::array();
  std::string in;
  for (int d : s.deps) {
    const std::string tar = std::string(kCarry) + "/" + ctx.steps[d].id() + "/workspace.tar";
    in += "if [ -f " + tar + " ]; then tar -xf " + tar + "; fi\n";
  }
  script.push_back(in + "mkdir -p " + kCarry + "\n: > " + kDotenv + "\n");
  if (s.IsApproval()) {
    script.push_back("echo \"TAME_STEP_" + s.id() + "_OUT_approved_by=\" >> " + kDotenv + "\n" +
                     PackScript(s));
  } else {
    std::string main =
        "export TAME_OUTPUT=\"$PWD/.tame-export/output\" TAME_SCRIPT=\"$PWD/.tame-export/script\"\n"
        ": > \"$TAME_OUTPUT\"\n"
        "status=0\n"
        "(\n" +
        MainScript(s) + "\n) || status=$?\n";
    for (const std::string& name : s.value_outputs) {
      RefUse use;
      use.ref.kind = RefKind::kStepOutput;
      use.ref.step = s.id();
      use.ref.name = name;
      main += "value=$(sed -n 's/^" + name + "=//p' \"$TAME_OUTPUT\" | tail -n 1)\n";
      main += "echo \"" + ReferenceEnvName(use.ref) + "=$value\" >> " + kDotenv + "\n";
    }
    script.push_back(main + PackScript(s) + "exit \"$status\"\n");
  }
  return script;
}

OrderedJson Job(Context* ctx, const StepInfo& s, const std::vector<int>& levels,
                const std::vector<std::string>& names) {
  const Step& step = *s.step;
  OrderedJson job;
  job["stage"] = "level-" + std::to_string(levels[s.index]);
  if (!s.deps.empty()) {
    // A failure step looks at every step before it, as tame's failure does;
    // the workspaces come from the steps it needs.
    std::vector<int> needed =
        step.if_condition == "failure" ? Ancestors(*ctx, s) : std::vector<int>(s.deps);
    OrderedJson needs = OrderedJson::array();
    for (int d : needed) {
      OrderedJson need;
      need["job"] = names[d];
      need["artifacts"] = std::find(s.deps.begin(), s.deps.end(), d) != s.deps.end();
      needs.push_back(need);
    }
    job["needs"] = needs;
  }
  if (!s.image.empty()) job["image"] = s.image;
  OrderedJson variables = OrderedJson::object();
  for (const RefUse& use : s.refs) {
    // Params and step outputs already come as variables of the same name.
    if (use.ref.kind == RefKind::kParam || (use.ref.kind == RefKind::kStepOutput && !use.file)) {
      continue;
    }
    variables[use.env] = Value(use);
  }
  if (!s.IsShell() && !s.IsApproval()) {
    variables["TAME_STEP"] = s.id();
    variables[s.params_var] = VariableEscape(s.params_text);
  }
  for (const auto& [name, text] : s.step->env) {
    variables[name] = MapReferences(text, s.refs, Value, VariableEscape);
  }
  if (!variables.empty()) job["variables"] = variables;
  if (s.IsApproval()) {
    Approval(ctx, s, &job);
  } else if (step.if_condition == "failure") {
    job["when"] = "on_failure";
  } else if (step.if_condition == "always") {
    job["when"] = "always";
  }
  if (step.continue_on_error.value_or(false)) job["allow_failure"] = true;
  if (!step.timeout.empty()) {
    int64_t ms = DurationMs(step.timeout);
    if (ms % 1000 != 0) {
      ctx->StepNote(s, "/timeout",
                    "GitLab counts whole seconds: the timeout is " + GitLabDuration(ms));
    }
    job["timeout"] = GitLabDuration(ms);
  }
  NoteRetries(ctx, s, &job);
  job["script"] = Script(*ctx, s);
  OrderedJson artifacts;
  artifacts["when"] = "always";
  if (!s.dependents.empty()) {
    artifacts["paths"] = OrderedJson::array({std::string(kCarry) + "/" + s.id() + "/"});
  }
  artifacts["reports"]["dotenv"] = kDotenv;
  job["artifacts"] = artifacts;
  return job;
}

void PipelineNotes(Context* ctx) {
  const Pipeline& p = *ctx->pipeline;
  NoteRuntime(ctx);
  ctx->Note("",
            "GitLab runs the pipeline on every push, with the params' defaults; add "
            "workflow:rules to start it otherwise");
  ctx->Note("",
            "each step is a job on a runner it picks: it starts from a checkout of the "
            "repository and the workspaces of the jobs it needs (carried as artifacts)");
  bool untimed = false;
  for (const StepInfo& s : ctx->steps) untimed = untimed || s.step->timeout.empty();
  if (untimed) {
    ctx->Note("",
              "GitLab stops a job after the project's timeout (60 minutes unless changed): "
              "steps without a timeout get that limit");
  }
  for (const auto& [name, decl] : p.params) {
    if (!decl.default_value) {
      ctx->Note(PointerAppend("/params", name),
                "param " + Quoted(name) + " has no default: give TAME_PARAM_" + name +
                    " when running the pipeline (GitLab does not refuse a run without it)");
    } else if (decl.type != "string") {
      ctx->Note(PointerAppend("/params", name),
                "param " + Quoted(name) + " is the variable TAME_PARAM_" + name +
                    ", a string: GitLab does not check that a value given is of type " + decl.type);
    }
  }
  NoteSecretVariables(ctx,
                      "as masked CI/CD variables (Settings > CI/CD > Variables); the jobs that use "
                      "them read them as TAME_SECRET_ variables",
                      "GitLab");
}

void StepNotes(Context* ctx, const StepInfo& s) {
  if (s.step->uses == "k8s.deploy") {
    ctx->StepNote(s, "/uses",
                  "k8s.deploy needs access to the cluster: give the job a kubeconfig, for "
                  "example a file-type CI/CD variable named in the step's env");
  }
  NoteCommon(ctx, s);
}

}  // namespace

std::string ExportGitLab(Context* ctx) {
  PipelineNotes(ctx);
  std::vector<int> levels = Levels(*ctx);
  OrderedJson pipeline;
  OrderedJson stages = OrderedJson::array();
  int top = levels.empty() ? 1 : *std::max_element(levels.begin(), levels.end());
  for (int l = 1; l <= top; ++l) stages.push_back("level-" + std::to_string(l));
  pipeline["stages"] = stages;
  OrderedJson variables = OrderedJson::object();
  for (const auto& [name, decl] : ctx->pipeline->params) {
    OrderedJson variable;
    std::string value;
    if (decl.default_value) {
      value = decl.default_value->is_string() ? decl.default_value->get<std::string>()
                                              : decl.default_value->dump();
    }
    variable["value"] = VariableEscape(value);
    variable["description"] =
        decl.description.empty() ? "param " + name + " (" + decl.type + ")" : decl.description;
    variables["TAME_PARAM_" + name] = variable;
  }
  if (!variables.empty()) pipeline["variables"] = variables;
  std::vector<std::string> names = JobNames(*ctx);
  for (const StepInfo& s : ctx->steps) {
    pipeline[names[s.index]] = Job(ctx, s, levels, names);
    if (names[s.index] != s.id()) {
      ctx->StepNote(s, "/id",
                    "the job is named " + Quoted(names[s.index]) + ": GitLab reads " +
                        Quoted(s.id()) + " at the top of the file as its own keyword");
    }
    StepNotes(ctx, s);
  }
  return EmitYaml({pipeline});
}

}  // namespace exporting
}  // namespace tame
