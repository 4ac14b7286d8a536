// The GitHub Actions exporter: a workflow started by hand
// (workflow_dispatch, the params as inputs) with a job per step, so that
// `needs` and references become the jobs' needs and steps run side by side
// as they do in tame. Jobs run on separate machines, so each carries the
// workspace on as an artifact: it starts from the workspaces of the jobs
// it needs (or from a checkout of the repository when it needs none) and
// leaves its own for the jobs that need it. Approvals become environments.
#include <algorithm>

#include "core/export_internal.h"
#include "core/validate.h"

namespace tame {
namespace exporting {
namespace {

constexpr char kCarry[] = ".tame-export";

std::string Expr(const std::string& inner) { return "${{ " + inner + " }}"; }

std::string SecretName(const std::string& name) {
  std::string out = name;
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

std::string GitHubValue(const Context& ctx, const RefUse& use) {
  switch (use.ref.kind) {
    case RefKind::kParam:
      return Expr("inputs." + use.ref.name);
    case RefKind::kSecret:
      return Expr("secrets." + SecretName(use.ref.name));
    case RefKind::kRunId:
      return Expr("github.run_id");
    case RefKind::kStepOutput:
      return use.file ? use.path
                      : Expr("needs." + ctx.steps[use.producer].id() + ".outputs." + use.ref.name);
  }
  return "";
}

OrderedJson Inputs(Context* ctx) {
  OrderedJson inputs = OrderedJson::object();
  for (const auto& [name, decl] : ctx->pipeline->params) {
    OrderedJson input;
    if (!decl.description.empty()) input["description"] = decl.description;
    input["required"] = !decl.default_value.has_value();
    std::string type = decl.type == "boolean"  ? "boolean"
                       : decl.type == "string" ? "string"
                                               : "number";
    input["type"] = type;
    if (decl.type == "integer") {
      ctx->Note(PointerAppend("/params", name), "param " + Quoted(name) +
                                                    " is a number input: GitHub does not refuse a "
                                                    "fraction for an integer");
    }
    if (decl.default_value) input["default"] = OrderedJson(*decl.default_value);
    inputs[name] = input;
  }
  return inputs;
}

OrderedJson NamedStep(const std::string& name) {
  OrderedJson step;
  step["name"] = name;
  return step;
}

// The steps that bring in the workspaces of the jobs `s` needs, or the
// repository when it needs none.
void WorkspaceIn(const Context& ctx, const StepInfo& s, OrderedJson* steps) {
  if (s.deps.empty()) {
    OrderedJson checkout = NamedStep("Check out the repository");
    checkout["uses"] = "actions/checkout@v4";
    steps->push_back(checkout);
    return;
  }
  const bool tolerant = !s.step->if_condition.empty() && s.step->if_condition != "success";
  std::string unpack;
  for (int d : s.deps) {
    const std::string& dep = ctx.steps[d].id();
    OrderedJson download = NamedStep("Get the workspace of " + dep);
    download["uses"] = "actions/download-artifact@v4";
    download["with"]["name"] = "tame-workspace-" + dep;
    download["with"]["path"] = std::string(kCarry) + "/" + dep;
    // A job that failed may have left none behind.
    if (tolerant) download["continue-on-error"] = true;
    steps->push_back(download);
    std::string tar = std::string(kCarry) + "/" + dep + "/workspace.tar";
    unpack += "if [ -f " + tar + " ]; then tar -xf " + tar + "; fi\n";
  }
  OrderedJson step = NamedStep("Unpack the workspace");
  step["shell"] = "sh -e {0}";
  step["run"] = unpack + "rm -rf " + kCarry + "\n";
  steps->push_back(step);
}

void WorkspaceOut(const StepInfo& s, OrderedJson* steps) {
  if (s.dependents.empty()) return;
  OrderedJson pack = NamedStep("Pack the workspace");
  pack["if"] = Expr("always()");
  pack["shell"] = "sh -e {0}";
  pack["run"] = std::string("tar -cf \"$RUNNER_TEMP/workspace.tar\" .\nmkdir -p ") + kCarry +
                "\nmv \"$RUNNER_TEMP/workspace.tar\" " + kCarry + "/workspace.tar\n";
  steps->push_back(pack);
  OrderedJson upload = NamedStep("Keep the workspace for the jobs that need it");
  upload["if"] = Expr("always()");
  upload["uses"] = "actions/upload-artifact@v4";
  upload["with"]["name"] = "tame-workspace-" + s.id();
  upload["with"]["path"] = std::string(kCarry) + "/workspace.tar";
  steps->push_back(upload);
}

OrderedJson StepEnv(const Context& ctx, const StepInfo& s) {
  OrderedJson env = OrderedJson::object();
  for (const RefUse& use : s.refs) env[use.env] = GitHubValue(ctx, use);
  if (!s.IsShell()) {
    env["TAME_STEP"] = s.id();
    env[s.params_var] = s.params_text;
  }
  for (const auto& [name, text] : s.step->env) {
    env[name] = MapReferences(
        text, s.refs, [&](const RefUse& use) { return GitHubValue(ctx, use); },
        [](const std::string& literal) { return literal; });
  }
  return env;
}

void ApprovalJob(Context* ctx, const StepInfo& s, OrderedJson* job, OrderedJson* steps) {
  const Step& step = *s.step;
  std::vector<std::string> approvers;
  for (const Json& a : ParamValue(step, *FindParam(*s.kind, "approvers"))) {
    if (a.is_string()) approvers.push_back(a.get<std::string>());
  }
  Json required = ParamValue(step, *FindParam(*s.kind, "required"));
  (*job)["environment"] = s.id();
  (*job)["permissions"]["actions"] = "read";
  (*job)["permissions"]["contents"] = "read";
  OrderedJson record = NamedStep("Record who approved");
  record["id"] = "approval";
  record["shell"] = "bash";
  record["env"]["GH_TOKEN"] = Expr("github.token");
  record["run"] =
      "approved_by=$(gh api \"repos/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID/approvals\" "
      "--jq '[.[] | select(.state == \"approved\") | select(any(.environments[]; .name == \"" +
      s.id() +
      "\")) | .user.login] | join(\",\")')\n"
      "echo \"approved_by=$approved_by\" >> \"$GITHUB_OUTPUT\"\n";
  steps->push_back(record);
  (*job)["outputs"]["approved_by"] = Expr("steps.approval.outputs.approved_by");
  std::string who = JoinWords(approvers);
  ctx->StepNote(
      s, "/with/required",
      "the approval is the environment " + Quoted(s.id()) + ", whose required reviewers (" + who +
          ") are set in the repository's settings; " +
          (required == Json(1) ? "any one of them approves"
                               : "GitHub lets any one of them approve, not " + required.dump() +
                                     " of " + std::to_string(approvers.size())));
  ctx->StepNote(s, "/with/timeout",
                "GitHub waits up to 30 days for a review; the approval's timeout is not applied");
  if (step.with.contains("allowed_signers")) {
    ctx->StepNote(s, "/with/allowed_signers",
                  "SSH-signed sign-offs are not exported: reviewers approve in GitHub");
  }
  if (ParamValue(step, *FindParam(*s.kind, "exclude_initiator")) == Json(true)) {
    ctx->StepNote(s, "/with/exclude_initiator",
                  "set the environment's \"prevent self-review\" option to refuse the initiator");
  }
  if (step.with.contains("notify")) {
    ctx->StepNote(s, "/with/notify",
                  "GitHub notifies the reviewers itself; the webhook is not called");
  }
}

OrderedJson MainStep(const Context& ctx, const StepInfo& s) {
  OrderedJson step = NamedStep(s.IsShell() ? (s.step->name.empty() ? "Run " + s.id() : s.step->name)
                                           : "tame __step " + s.step->uses);
  std::string shell = s.IsShell() ? s.shell : "sh";
  std::vector<std::string> flags = s.IsShell() ? s.shell_flags : std::vector<std::string>{"-e"};
  for (const std::string& flag : flags) shell += " " + flag;
  step["shell"] = shell + " {0}";
  if (s.IsShell() && !s.workdir.empty()) {
    step["working-directory"] = MapReferences(
        s.workdir, s.refs, [&](const RefUse& use) { return GitHubValue(ctx, use); },
        [](const std::string& text) { return text; });
  }
  OrderedJson env = StepEnv(ctx, s);
  if (!env.empty()) step["env"] = env;
  step["run"] = s.IsShell() ? s.script : RunCommandLine(s, "");
  if (s.step->continue_on_error.value_or(false)) step["continue-on-error"] = true;
  return step;
}

// A step's job: its settings (needs, if, runner, image, environment,
// timeout, outputs), then its steps: bring the workspace in, run (or wait
// for the approval), publish the outputs, and carry the workspace on.
OrderedJson Job(Context* ctx, const StepInfo& s) {
  const Step& step = *s.step;
  OrderedJson job;
  if (!step.name.empty()) job["name"] = step.name;
  if (!s.deps.empty()) {
    OrderedJson needs = OrderedJson::array();
    for (int d : s.deps) needs.push_back(ctx->steps[d].id());
    job["needs"] = needs;
  }
  if (step.if_condition == "failure") job["if"] = Expr("failure()");
  if (step.if_condition == "always") job["if"] = Expr("always()");
  job["runs-on"] = ctx->settings.runs_on;
  if (!s.image.empty()) job["container"] = s.image;
  if (!step.timeout.empty()) {
    int64_t ms = DurationMs(step.timeout);
    int64_t minutes = (ms + 59999) / 60000;
    if (minutes * 60000 != ms) {
      ctx->StepNote(s, "/timeout",
                    "GitHub counts whole minutes: the timeout is " + std::to_string(minutes) +
                        (minutes == 1 ? " minute" : " minutes"));
    }
    job["timeout-minutes"] = minutes;
  }
  OrderedJson steps = OrderedJson::array();
  WorkspaceIn(*ctx, s, &steps);
  if (s.IsApproval()) {
    ApprovalJob(ctx, s, &job, &steps);
  } else {
    if (HasValueOutputs(s)) {
      OrderedJson setup = NamedStep("Set TAME_OUTPUT");
      setup["shell"] = "sh -e {0}";
      setup["run"] = "echo \"TAME_OUTPUT=$RUNNER_TEMP/tame-output\" >> \"$GITHUB_ENV\"\n";
      steps.push_back(setup);
    }
    steps.push_back(MainStep(*ctx, s));
    if (HasValueOutputs(s)) {
      OrderedJson publish = NamedStep("Publish the outputs");
      publish["id"] = "outputs";
      publish["shell"] = "sh -e {0}";
      std::string run = "touch \"$TAME_OUTPUT\"\n";
      for (const std::string& name : s.value_outputs) {
        run += "value=$(sed -n 's/^" + name + "=//p' \"$TAME_OUTPUT\" | tail -n 1)\n";
        run += "echo \"" + name + "=$value\" >> \"$GITHUB_OUTPUT\"\n";
        job["outputs"][name] = Expr("steps.outputs.outputs." + name);
      }
      publish["run"] = run;
      steps.push_back(publish);
    }
  }
  WorkspaceOut(s, &steps);
  // The keys in the order GitHub's own examples use.
  OrderedJson ordered;
  for (const char* key : {"name", "needs", "if", "runs-on", "container", "environment",
                          "permissions", "timeout-minutes", "outputs"}) {
    if (job.contains(key)) ordered[key] = job[key];
  }
  ordered["steps"] = steps;
  return ordered;
}

void PipelineNotes(Context* ctx) {
  const Pipeline& p = *ctx->pipeline;
  NoteRuntime(ctx);
  ctx->Note("",
            "the workflow starts by hand (workflow_dispatch) with the params as inputs; "
            "add the triggers you want");
  ctx->Note("",
            "each step is a job on its own machine: it starts from the workspaces of the "
            "jobs it needs (carried as artifacts), or from a checkout of the repository "
            "when it needs none");
  bool untimed = false;
  for (const StepInfo& s : ctx->steps)
    untimed = untimed || (s.step->timeout.empty() && !s.IsApproval());
  if (untimed) {
    ctx->Note("", "GitHub stops a job after 360 minutes: steps without a timeout get that limit");
  }
  for (const auto& [name, decl] : p.secrets) {
    if (SecretName(name) != name) {
      ctx->Note(PointerAppend("/secrets", name), "secret " + Quoted(name) + " is read as secrets." +
                                                     SecretName(name) +
                                                     " (GitHub's secret names allow no '-')");
    }
  }
}

void StepNotes(Context* ctx, const StepInfo& s) {
  const Step& step = *s.step;
  if (step.retries && step.retries->max > 0) {
    ctx->StepNote(s, "/retries", "GitHub Actions has no retries: the step runs once");
  }
  if (step.uses == "k8s.deploy") {
    ctx->StepNote(s, "/uses",
                  "k8s.deploy needs access to the cluster: give the job a "
                  "kubeconfig, for example from a secret in the step's env");
  }
  NoteCommon(ctx, s);
}

}  // namespace

std::string ExportGitHub(Context* ctx) {
  const Pipeline& p = *ctx->pipeline;
  PipelineNotes(ctx);
  OrderedJson workflow;
  workflow["name"] = p.name;
  OrderedJson dispatch = OrderedJson::object();
  OrderedJson inputs = Inputs(ctx);
  if (!inputs.empty()) dispatch["inputs"] = inputs;
  workflow["on"]["workflow_dispatch"] = dispatch;
  OrderedJson jobs = OrderedJson::object();
  for (const StepInfo& s : ctx->steps) {
    jobs[s.id()] = Job(ctx, s);
    StepNotes(ctx, s);
  }
  workflow["jobs"] = jobs;
  return EmitYaml({workflow}, {"on"});
}

}  // namespace exporting
}  // namespace tame
