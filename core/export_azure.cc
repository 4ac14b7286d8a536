// The Azure Pipelines exporter: one stage with a job per step, so that
// `needs` and references become the jobs' dependsOn and steps run side by
// side as they do in tame. Jobs run on separate agents, so each carries the
// workspace on as a pipeline artifact, as the GitHub export does. Outputs
// travel as output variables (`##vso[task.setvariable ...;isOutput=true]`)
// read by the jobs that need them through `dependencies.JOB.outputs[...]`.
// Approvals become deployment jobs on an environment whose Approvals check
// the user sets up; the report says how.
#include <algorithm>
#include <set>

#include "core/export_internal.h"
#include "core/validate.h"

namespace tame {
namespace exporting {
namespace {

constexpr char kCarry[] = ".tame-export";
constexpr int kMaxRetries = 10;  // Azure's limit on retryCountOnTaskFailure

// Job names: letters, digits and '_' (Azure refuses '-' there), unique.
std::vector<std::string> JobNames(const Context& ctx) {
  std::vector<std::string> names;
  std::set<std::string> taken;
  for (const StepInfo& s : ctx.steps) {
    std::string base = CiVariableName(s.id());
    std::string name = base;
    for (int n = 2; taken.count(name) > 0; ++n) name = base + "_" + std::to_string(n);
    taken.insert(name);
    names.push_back(name);
  }
  return names;
}

struct Azure {
  Context* ctx;
  std::vector<std::string> jobs;  // job name per step

  // The value of a reference where a step's env reads it.
  std::string Value(const RefUse& use) const {
    switch (use.ref.kind) {
      case RefKind::kParam: {
        auto decl = ctx->pipeline->params.find(use.ref.name);
        // Azure writes booleans as True and False; tame reads true and false.
        if (decl != ctx->pipeline->params.end() && decl->second.type == "boolean") {
          return "${{ lower(parameters." + use.ref.name + ") }}";
        }
        return "${{ parameters." + use.ref.name + " }}";
      }
      case RefKind::kSecret:
        return "$(" + CiVariableName(use.ref.name) + ")";
      case RefKind::kRunId:
        return "$(Build.BuildId)";
      case RefKind::kStepOutput:
        return use.file ? use.path : "$(" + use.env + ")";
    }
    return "";
  }

  // Where the job variable of a step output reads it from.
  std::string OutputSource(const RefUse& use) const {
    const StepInfo& producer = ctx->steps[use.producer];
    const std::string& job = jobs[use.producer];
    // A deployment job's step outputs are named after the job as well.
    std::string step = producer.IsApproval() ? job + ".outputs" : "outputs";
    return "$[ dependencies." + job + ".outputs['" + step + "." + use.ref.name + "'] ]";
  }
};

OrderedJson Parameters(Context* ctx) {
  OrderedJson params = OrderedJson::array();
  for (const auto& [name, decl] : ctx->pipeline->params) {
    OrderedJson param;
    param["name"] = name;
    if (!decl.description.empty()) param["displayName"] = decl.description;
    param["type"] = decl.type == "boolean"  ? "boolean"
                    : decl.type == "string" ? "string"
                                            : "number";
    if (decl.type == "integer") {
      ctx->Note(PointerAppend("/params", name),
                "param " + Quoted(name) +
                    " is a number parameter: Azure does not refuse a fraction for an integer");
    }
    if (decl.default_value) param["default"] = OrderedJson(*decl.default_value);
    params.push_back(param);
  }
  return params;
}

OrderedJson Bash(const std::string& display, const std::string& script) {
  OrderedJson step;
  step["bash"] = script;
  step["displayName"] = display;
  return step;
}

// The steps that bring in the workspaces of the jobs `s` needs, or the
// repository when it needs none.
void WorkspaceIn(const Azure& az, const StepInfo& s, OrderedJson* steps) {
  OrderedJson checkout;
  checkout["checkout"] = s.deps.empty() ? "self" : "none";
  steps->push_back(checkout);
  if (s.deps.empty()) return;
  const bool tolerant = !s.step->if_condition.empty() && s.step->if_condition != "success";
  std::string unpack;
  for (int d : s.deps) {
    const std::string artifact = "tame-workspace-" + az.jobs[d];
    OrderedJson download;
    download["download"] = "current";
    download["artifact"] = artifact;
    download["displayName"] = "Get the workspace of " + az.ctx->steps[d].id();
    // A job that failed may have left none behind.
    if (tolerant) download["continueOnError"] = true;
    steps->push_back(download);
    const std::string tar = "\"$PIPELINE_WORKSPACE/" + artifact + "/workspace.tar\"";
    unpack += "if [ -f " + tar + " ]; then tar -xf " + tar + "; fi\n";
  }
  steps->push_back(Bash("Unpack the workspace", unpack));
}

void WorkspaceOut(const Azure& az, const StepInfo& s, OrderedJson* steps) {
  if (s.dependents.empty()) return;
  OrderedJson pack = Bash("Pack the workspace", std::string("mkdir -p \"$AGENT_TEMPDIRECTORY/") +
                                                    kCarry + "\"\ntar -cf \"$AGENT_TEMPDIRECTORY/" +
                                                    kCarry + "/workspace.tar\" .\n");
  pack["condition"] = "always()";
  steps->push_back(pack);
  OrderedJson publish;
  publish["publish"] = std::string("$(Agent.TempDirectory)/") + kCarry;
  publish["artifact"] = "tame-workspace-" + az.jobs[s.index];
  publish["displayName"] = "Keep the workspace for the jobs that need it";
  publish["condition"] = "always()";
  steps->push_back(publish);
}

// Text for a single-quoted shell word: ' becomes '\''.
std::string SingleQuoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The script of the step's main task: the step's own script written to a
// file and run by its interpreter (so that it runs as under `tame run`,
// with the same shell and flags), in its workdir.
std::string MainScript(const StepInfo& s) {
  std::string out;
  if (!s.workdir.empty()) {
    out += "cd -- " +
           MapReferences(
               s.workdir, s.refs, [](const RefUse& use) { return "\"${" + use.env + "}\""; },
               [](const std::string& text) { return text.empty() ? text : SingleQuoted(text); }) +
           "\n";
  }
  if (!s.IsShell()) return out + RunCommandLine(s, "") + "\n";
  std::string marker = "TAME_SCRIPT_END";
  std::string script = s.script;
  if (script.empty() || script.back() != '\n') script += '\n';
  for (int n = 1; ("\n" + script).find("\n" + marker + "\n") != std::string::npos; ++n) {
    marker = "TAME_SCRIPT_END_" + std::to_string(n);
  }
  out += "cat > \"$AGENT_TEMPDIRECTORY/tame-script\" <<'" + marker + "'\n" + script + marker + "\n";
  return out + RunCommandLine(s, "\"$AGENT_TEMPDIRECTORY/tame-script\"") + "\n";
}

OrderedJson StepEnv(const Azure& az, const StepInfo& s) {
  OrderedJson env = OrderedJson::object();
  for (const RefUse& use : s.refs) env[use.env] = az.Value(use);
  if (HasValueOutputs(s)) env["TAME_OUTPUT"] = "$(Agent.TempDirectory)/tame-output";
  if (!s.IsShell()) {
    env["TAME_STEP"] = s.id();
    env[s.params_var] = s.params_text;
  }
  for (const auto& [name, text] : s.step->env) {
    env[name] = MapReferences(
        text, s.refs, [&](const RefUse& use) { return az.Value(use); },
        [](const std::string& literal) { return literal; });
  }
  return env;
}

void NoteRetries(Context* ctx, const StepInfo& s, OrderedJson* main) {
  const Step& step = *s.step;
  if (!step.retries || step.retries->max <= 0) return;
  const Retries& r = *step.retries;
  int count = std::min(r.max, kMaxRetries);
  (*main)["retryCountOnTaskFailure"] = count;
  if (r.max > kMaxRetries) {
    ctx->StepNote(s, "/retries/max",
                  "Azure retries a task at most 10 times: retries.max " + std::to_string(r.max) +
                      " becomes 10");
  }
  if (!r.backoff.empty() || r.factor) {
    ctx->StepNote(s, "/retries",
                  "Azure waits between retries as it chooses (1 s, then longer, up to 100 s); "
                  "the backoff and factor are not applied");
  }
  if (!r.on_exit_codes.empty()) {
    ctx->StepNote(s, "/retries/on_exit_codes",
                  "Azure retries on any failure, not only on the exit codes listed");
  }
}

// The task that publishes the step's outputs as output variables of the
// step named "outputs".
OrderedJson PublishOutputs(const StepInfo& s) {
  std::string run = "touch \"$TAME_OUTPUT\"\n";
  for (const std::string& name : s.value_outputs) {
    run += "value=$(sed -n 's/^" + name + "=//p' \"$TAME_OUTPUT\" | tail -n 1)\n";
    run += "echo \"##vso[task.setvariable variable=" + name + ";isOutput=true]$value\"\n";
  }
  OrderedJson publish = Bash("Publish the outputs", run);
  publish["name"] = "outputs";
  publish["env"]["TAME_OUTPUT"] = "$(Agent.TempDirectory)/tame-output";
  return publish;
}

void ApprovalNotes(Context* ctx, const StepInfo& s) {
  const Step& step = *s.step;
  std::vector<std::string> approvers;
  for (const Json& a : ParamValue(step, *FindParam(*s.kind, "approvers"))) {
    if (a.is_string()) approvers.push_back(a.get<std::string>());
  }
  Json required = ParamValue(step, *FindParam(*s.kind, "required"));
  Json timeout = ParamValue(step, *FindParam(*s.kind, "timeout"));
  std::string wait = "30 days, Azure's default";
  if (timeout.is_string()) {
    int64_t minutes = (DurationMs(timeout.get<std::string>()) + 59999) / 60000;
    wait = std::to_string(minutes) + (minutes == 1 ? " minute" : " minutes");
  }
  ctx->StepNote(s, "/with/required",
                "the approval is the environment " + Quoted(s.id()) +
                    ", whose checks Azure keeps outside the YAML: in Pipelines > Environments > " +
                    s.id() + " > Approvals and checks, add Approvals with the approvers " +
                    JoinWords(approvers) + ", \"Minimum number of approvals required\" " +
                    required.dump() + " and the timeout " + wait);
  if (ParamValue(step, *FindParam(*s.kind, "exclude_initiator")) == Json(true)) {
    ctx->StepNote(s, "/with/exclude_initiator",
                  "clear the check's \"Allow approvers to approve their own runs\" to refuse the "
                  "initiator");
  }
  NoteHostedApproval(ctx, s, "Azure DevOps");
}

// The job's steps: bring the workspace in, run (an approval runs nothing),
// publish the outputs, and carry the workspace on.
OrderedJson JobSteps(const Azure& az, const StepInfo& s) {
  OrderedJson steps = OrderedJson::array();
  WorkspaceIn(az, s, &steps);
  if (s.IsApproval()) {
    OrderedJson publish = Bash("Publish the outputs",
                               "echo \"##vso[task.setvariable variable=approved_by;"
                               "isOutput=true]\"\n");
    publish["name"] = "outputs";
    steps.push_back(publish);
  } else {
    const std::string display = s.IsShell()
                                    ? (s.step->name.empty() ? "Run " + s.id() : s.step->name)
                                    : "tame __step " + s.step->uses;
    OrderedJson main = Bash(display, MainScript(s));
    OrderedJson env = StepEnv(az, s);
    if (!env.empty()) main["env"] = env;
    NoteRetries(az.ctx, s, &main);
    steps.push_back(main);
    if (HasValueOutputs(s)) steps.push_back(PublishOutputs(s));
  }
  WorkspaceOut(az, s, &steps);
  return steps;
}

// A step's job: a job, or a deployment job for an approval, with its
// dependencies, condition, agent, container, timeout and variables.
OrderedJson Job(Azure* az, const StepInfo& s) {
  Context* ctx = az->ctx;
  const Step& step = *s.step;
  OrderedJson job;
  if (s.IsApproval()) {
    job["deployment"] = az->jobs[s.index];
  } else {
    job["job"] = az->jobs[s.index];
  }
  if (!step.name.empty()) job["displayName"] = step.name;
  if (!s.deps.empty()) {
    OrderedJson depends = OrderedJson::array();
    for (int d : s.deps) depends.push_back(az->jobs[d]);
    job["dependsOn"] = depends;
  }
  // With no condition a job runs when every job before it succeeded (or
  // succeeded with issues: a step that may fail); failed() and always()
  // look at the whole graph before the job, as tame's failure does.
  if (step.if_condition == "failure") job["condition"] = "failed()";
  if (step.if_condition == "always") job["condition"] = "always()";
  if (step.continue_on_error.value_or(false)) job["continueOnError"] = true;
  if (!step.timeout.empty()) {
    int64_t ms = DurationMs(step.timeout);
    int64_t minutes = (ms + 59999) / 60000;
    if (minutes * 60000 != ms) {
      ctx->StepNote(s, "/timeout",
                    "Azure counts whole minutes: the timeout is " + std::to_string(minutes) +
                        (minutes == 1 ? " minute" : " minutes"));
    }
    job["timeoutInMinutes"] = minutes;
  }
  OrderedJson variables = OrderedJson::object();
  for (const RefUse& use : s.refs) {
    if (use.ref.kind == RefKind::kStepOutput && !use.file) {
      variables[use.env] = az->OutputSource(use);
    }
  }
  if (!variables.empty()) job["variables"] = variables;
  job["pool"]["vmImage"] = ctx->settings.runs_on;
  if (!s.image.empty()) job["container"] = s.image;
  if (s.IsApproval()) {
    job["environment"] = s.id();
    job["strategy"]["runOnce"]["deploy"]["steps"] = JobSteps(*az, s);
    ApprovalNotes(ctx, s);
  } else {
    job["steps"] = JobSteps(*az, s);
  }
  return job;
}

void PipelineNotes(Context* ctx) {
  NoteRuntime(ctx);
  ctx->Note("",
            "the pipeline starts by hand (trigger: none, pr: none) with the params as runtime "
            "parameters; add the triggers you want");
  ctx->Note("",
            "each step is a job on its own agent: it starts from the workspaces of the jobs "
            "it needs (carried as pipeline artifacts), or from a checkout of the repository "
            "when it needs none");
  bool untimed = false;
  for (const StepInfo& s : ctx->steps) untimed = untimed || s.step->timeout.empty();
  if (untimed) {
    ctx->Note("",
              "Azure stops a job after 60 minutes unless it sets timeoutInMinutes: steps "
              "without a timeout get that limit");
  }
  NoteSecretVariables(
      ctx,
      "as secret variables of the pipeline (or of a variable group it links); the steps that use "
      "them get them in env, as Azure passes no secret to a script by itself",
      "Azure");
}

void StepNotes(Azure* az, const StepInfo& s) {
  Context* ctx = az->ctx;
  if (az->jobs[s.index] != s.id()) {
    ctx->StepNote(s, "/id",
                  "the job is named " + Quoted(az->jobs[s.index]) +
                      " (Azure's job names take letters, digits and '_')");
  }
  if (s.step->uses == "k8s.deploy") {
    ctx->StepNote(s, "/uses",
                  "k8s.deploy needs access to the cluster: give the job a kubeconfig, for "
                  "example from a secure file or a secret variable in the step's env");
  }
  NoteCommon(ctx, s);
}

}  // namespace

std::string ExportAzure(Context* ctx) {
  const Pipeline& p = *ctx->pipeline;
  Azure az{ctx, JobNames(*ctx)};
  PipelineNotes(ctx);
  OrderedJson pipeline;
  pipeline["trigger"] = "none";
  pipeline["pr"] = "none";
  OrderedJson params = Parameters(ctx);
  if (!params.empty()) pipeline["parameters"] = params;
  OrderedJson stage;
  stage["stage"] = "pipeline";
  stage["displayName"] = p.name;
  OrderedJson jobs = OrderedJson::array();
  for (const StepInfo& s : ctx->steps) {
    jobs.push_back(Job(&az, s));
    StepNotes(&az, s);
  }
  stage["jobs"] = jobs;
  pipeline["stages"] = OrderedJson::array({stage});
  return EmitYaml({pipeline});
}

}  // namespace exporting
}  // namespace tame
