// The Tekton exporter: a Pipeline (tekton.dev/v1) whose tasks embed their
// Task specs, and a PipelineRun that binds the shared workspace to a volume
// claim. `needs` and references become runAfter; steps whose `if` is
// failure or always become finally tasks; approvals become the Manual
// Approval Gate's ApprovalTask, since Tekton has no approval of its own.
#include <algorithm>

#include "core/export_internal.h"
#include "core/params.h"
#include "core/validate.h"

namespace tame {
namespace exporting {
namespace {

constexpr char kWorkdir[] = "$(workspaces.workspace.path)";

// Which steps become finally tasks: those whose `if` is not success, and
// those that need one (Tekton's tasks cannot run after a finally task).
std::vector<bool> FinallySteps(Context* ctx) {
  std::vector<bool> finally(ctx->steps.size(), false);
  for (const StepInfo& s : ctx->steps) {
    const std::string& c = s.step->if_condition;
    // Without steps before it, `always` is just a task, and `failure` one
    // that never runs (see PipelineTask).
    finally[s.index] = !s.deps.empty() && (c == "failure" || c == "always");
    for (int d : s.deps) {
      if (finally[d] && !finally[s.index]) {
        finally[s.index] = true;
        ctx->StepNote(s, "",
                      "runs as a finally task, since it needs " + Quoted(ctx->steps[d].id()) +
                          ", which is one");
      }
    }
  }
  return finally;
}

// The value a pipeline task passes for a reference, and whether it can.
std::string TaskParamValue(Context* ctx, const StepInfo& s, const RefUse& use,
                           const std::vector<bool>& finally) {
  switch (use.ref.kind) {
    case RefKind::kParam:
      return "$(params." + use.ref.name + ")";
    case RefKind::kRunId:
      return "$(context.pipelineRun.name)";
    case RefKind::kSecret:
      return "";
    case RefKind::kStepOutput:
      break;
  }
  const StepInfo& producer = ctx->steps[use.producer];
  if (producer.IsApproval()) {
    ctx->StepNote(
        s, "",
        "${{ " + use.ref.Text() + " }} is empty: the ApprovalTask does not say who approved");
    return "";
  }
  if (finally[use.producer] && finally[s.index]) {
    ctx->StepNote(
        s, "",
        "${{ " + use.ref.Text() + " }} is empty: a finally task cannot read another's results");
    return "";
  }
  return "$(tasks." + producer.name + ".results." + use.ref.name + ")";
}

bool PassedAsParam(const RefUse& use) { return use.ref.kind != RefKind::kSecret && !use.file; }

OrderedJson ApprovalTask(Context* ctx, const StepInfo& s) {
  const Step& step = *s.step;
  OrderedJson approvers = OrderedJson::array();
  std::vector<std::string> names;
  for (const Json& a : ParamValue(step, *FindParam(*s.kind, "approvers"))) {
    if (!a.is_string()) continue;
    approvers.push_back(a.get<std::string>());
    names.push_back(a.get<std::string>());
  }
  Json required = ParamValue(step, *FindParam(*s.kind, "required"));
  Json timeout = ParamValue(step, *FindParam(*s.kind, "timeout"));
  OrderedJson task;
  task["taskRef"]["apiVersion"] = "openshift-pipelines.org/v1alpha1";
  task["taskRef"]["kind"] = "ApprovalTask";
  OrderedJson params = OrderedJson::array();
  params.push_back({{"name", "approvers"}, {"value", approvers}});
  params.push_back({{"name", "numberOfApprovalsRequired"}, {"value", required.dump()}});
  params.push_back({{"name", "description"},
                    {"value", "Sign-off for " + ctx->pipeline->name + ": " + required.dump() +
                                  " of " + JoinWords(names)}});
  params.push_back({{"name", "timeout"},
                    {"value", GoDuration(DurationMs(timeout.is_string() ? timeout.get<std::string>()
                                                                        : "24h"))}});
  task["params"] = params;
  ctx->StepNote(s, "/uses",
                "Tekton has no approval of its own: this is the Manual Approval Gate's "
                "ApprovalTask (openshift-pipelines.org/v1alpha1), which must be installed; "
                "approvers are Kubernetes users who sign off with its CLI or console");
  if (step.with.contains("allowed_signers")) {
    ctx->StepNote(s, "/with/allowed_signers", "SSH-signed sign-offs are not exported");
  }
  if (ParamValue(step, *FindParam(*s.kind, "exclude_initiator")) == Json(true)) {
    ctx->StepNote(s, "/with/exclude_initiator", "exclude_initiator is not exported");
  }
  if (step.with.contains("notify")) {
    ctx->StepNote(s, "/with/notify", "no webhook message is sent while the approval waits");
  }
  return task;
}

std::string DirectScript(const StepInfo& s) {
  std::string out = "#!";
  out += s.shell.find('/') == 0 ? s.shell : "/usr/bin/env " + s.shell;
  out += "\n";
  bool pipefail =
      std::find(s.shell_flags.begin(), s.shell_flags.end(), "pipefail") != s.shell_flags.end();
  bool errexit = std::find(s.shell_flags.begin(), s.shell_flags.end(), "-e") != s.shell_flags.end();
  if (pipefail) {
    out += "set -e -o pipefail\n";
  } else if (errexit) {
    out += "set -e\n";
  }
  out += s.script;
  if (out.back() != '\n') out += '\n';  // so that YAML shows it as a block
  return out;
}

// The embedded Task: its params (the references passed in), results (the
// values it publishes), the workspace, and one step that runs the script
// or the wrapper with the references in its env.
OrderedJson TaskSpec(Context* ctx, const StepInfo& s, const OrderedJson& param_specs) {
  OrderedJson spec;
  if (!param_specs.empty()) spec["params"] = param_specs;
  if (HasValueOutputs(s)) {
    OrderedJson results = OrderedJson::array();
    for (const std::string& name : s.value_outputs) {
      results.push_back({{"name", name}, {"type", "string"}});
    }
    spec["results"] = results;
  }
  spec["workspaces"] = OrderedJson::array({{{"name", "workspace"}}});
  OrderedJson step;
  step["name"] = "run";
  step["image"] = s.image;
  std::string workdir = kWorkdir;
  if (!s.workdir.empty()) {
    workdir += "/" + MapReferences(
                         s.workdir, s.refs,
                         [](const RefUse& use) {
                           return use.file ? use.path : "$(params." + use.env + ")";
                         },
                         [](const std::string& text) { return text; });
  }
  step["workingDir"] = workdir;
  OrderedJson env = OrderedJson::array();
  for (const RefUse& use : s.refs) {
    OrderedJson var;
    var["name"] = use.env;
    if (use.ref.kind == RefKind::kSecret) {
      var["valueFrom"]["secretKeyRef"]["name"] = ctx->settings.secret;
      var["valueFrom"]["secretKeyRef"]["key"] = use.ref.name;
    } else {
      var["value"] = use.file ? KubeEscape(use.path) : "$(params." + use.env + ")";
    }
    env.push_back(var);
  }
  if (!s.IsShell()) {
    env.push_back({{"name", "TAME_STEP"}, {"value", s.id()}});
    env.push_back({{"name", "TAME_WORKSPACE"}, {"value", kWorkdir}});
    env.push_back({{"name", s.params_var}, {"value", KubeEscape(s.params_text)}});
  }
  for (const auto& [name, text] : s.step->env) {
    env.push_back(
        {{"name", name},
         {"value",
          MapReferences(
              text, s.refs, [](const RefUse& use) { return "$(" + use.env + ")"; }, KubeEscape)}});
  }
  if (!env.empty()) step["env"] = env;
  if (s.IsShell() && !HasValueOutputs(s)) {
    step["script"] = DirectScript(s);
  } else {
    step["script"] = "#!/bin/sh\n" + OutputWrapper(s, [](const std::string& name) {
                       return "$(results." + name + ".path)";
                     });
  }
  if (s.step->continue_on_error.value_or(false)) step["onError"] = "continue";
  spec["steps"] = OrderedJson::array({step});
  return spec;
}

OrderedJson PipelineTask(Context* ctx, const StepInfo& s, const std::vector<bool>& finally) {
  const Step& step = *s.step;
  OrderedJson task;
  task["name"] = s.name;
  if (!step.name.empty()) task["displayName"] = step.name;
  if (!finally[s.index] && !s.deps.empty()) {
    OrderedJson after = OrderedJson::array();
    for (int d : s.deps) after.push_back(ctx->steps[d].name);
    task["runAfter"] = after;
  }
  if (s.IsApproval()) {
    OrderedJson approval = ApprovalTask(ctx, s);
    for (auto it = approval.begin(); it != approval.end(); ++it) task[it.key()] = *it;
  } else {
    OrderedJson params = OrderedJson::array();
    OrderedJson param_specs = OrderedJson::array();
    for (const RefUse& use : s.refs) {
      if (!PassedAsParam(use)) continue;
      params.push_back({{"name", use.env}, {"value", TaskParamValue(ctx, s, use, finally)}});
      param_specs.push_back({{"name", use.env}, {"type", "string"}});
    }
    if (!params.empty()) task["params"] = params;
    task["workspaces"] = OrderedJson::array({{{"name", "workspace"}, {"workspace", "workspace"}}});
    task["taskSpec"] = TaskSpec(ctx, s, param_specs);
  }
  if (step.retries && step.retries->max > 0) task["retries"] = step.retries->max;
  // A task without a timeout would get the cluster's default (an hour).
  task["timeout"] = GoDuration(DurationMs(step.timeout));
  if (step.if_condition == "failure") {
    // Nothing before it can fail, so tame never runs it.
    std::string input = s.deps.empty() ? "never" : "$(tasks.status)";
    std::string value = s.deps.empty() ? "run" : "Failed";
    task["when"] =
        OrderedJson::array({{{"input", input}, {"operator", "in"}, {"values", {value}}}});
  }
  return task;
}

void StepNotes(Context* ctx, const StepInfo& s, const std::vector<bool>& finally) {
  const Step& step = *s.step;
  if (s.name != s.id()) {
    ctx->StepNote(s, "/id", "named " + Quoted(s.name) + " in Tekton, whose names allow no '_'");
  }
  // Without steps before it, the condition maps exactly (see FinallySteps()).
  const bool after_others = !s.deps.empty();
  if (after_others && step.if_condition == "always") {
    ctx->StepNote(s, "/if",
                  "if: always runs as a finally task: after every other task has "
                  "ended, not as soon as the steps it needs have");
  } else if (after_others && step.if_condition == "failure") {
    ctx->StepNote(s, "/if",
                  "if: failure runs as a finally task when any task has failed, not "
                  "only a step it needs");
  }
  if (finally[s.index]) {
    for (int d : s.deps) {
      if (finally[d]) {
        ctx->StepNote(s, "/needs",
                      "Tekton runs finally tasks side by side: it may start before " +
                          Quoted(ctx->steps[d].id()) + " ends");
      }
    }
  }
  if (step.retries && step.retries->max > 0) {
    int64_t backoff = step.retries->backoff.empty() ? 1000 : DurationMs(step.retries->backoff);
    ctx->StepNote(s, "/retries",
                  "Tekton retries at once: the wait of " + GoDuration(backoff) +
                      " between attempts, multiplied by " +
                      NumberText(step.retries->factor.value_or(2)) + " each time, is left out");
    if (!step.retries->on_exit_codes.empty()) {
      ctx->StepNote(s, "/retries/on_exit_codes",
                    "Tekton retries after any failure, not only the exit codes listed");
    }
    if (step.continue_on_error.value_or(false)) {
      ctx->StepNote(s, "/continue_on_error", "with onError: continue the step is not retried");
    }
  }
  if (s.IsApproval() && step.retries) {
    ctx->StepNote(s, "/retries", "retries do not apply to an ApprovalTask");
  }
  NoteKubernetesKind(ctx, s);
  NoteCommon(ctx, s);
}

}  // namespace

// Two documents: the Pipeline (params, the workspace, the tasks, then the
// finally tasks) and a PipelineRun of it that binds the workspace. Each
// step's notes are made as its task is written, so the report is in file
// order.
std::string ExportTekton(Context* ctx) {
  const Pipeline& p = *ctx->pipeline;
  const std::string name = KubeName(p.name, 52);
  NoteRuntime(ctx);
  ctx->Note("", std::string("steps share the workspace through a ") + ctx->settings.storage +
                    " ReadWriteOnce volume claim that the PipelineRun binds, which starts "
                    "empty (tame run starts in your folder)");
  if (HasParallelSteps(*ctx)) {
    ctx->Note("",
              "once a task fails Tekton starts no other task but the finally ones; tame "
              "keeps running the steps that do not need the failed one");
  }
  std::vector<bool> finally = FinallySteps(ctx);

  OrderedJson pipeline;
  pipeline["apiVersion"] = "tekton.dev/v1";
  pipeline["kind"] = "Pipeline";
  pipeline["metadata"]["name"] = name;
  OrderedJson spec;
  if (!p.description.empty()) spec["description"] = p.description;
  if (!p.params.empty()) {
    OrderedJson params = OrderedJson::array();
    for (const auto& [param_name, decl] : p.params) {
      OrderedJson param;
      param["name"] = param_name;
      param["type"] = "string";
      if (!decl.description.empty()) param["description"] = decl.description;
      if (decl.default_value) param["default"] = ParamText(*decl.default_value);
      params.push_back(param);
    }
    spec["params"] = params;
  }
  spec["workspaces"] = OrderedJson::array({{{"name", "workspace"}}});
  OrderedJson tasks = OrderedJson::array();
  OrderedJson finally_tasks = OrderedJson::array();
  for (const StepInfo& s : ctx->steps) {
    (finally[s.index] ? finally_tasks : tasks).push_back(PipelineTask(ctx, s, finally));
    StepNotes(ctx, s, finally);
  }
  spec["tasks"] = tasks;
  if (!finally_tasks.empty()) spec["finally"] = finally_tasks;
  pipeline["spec"] = spec;

  OrderedJson run;
  run["apiVersion"] = "tekton.dev/v1";
  run["kind"] = "PipelineRun";
  run["metadata"]["generateName"] = name + "-";
  run["spec"]["pipelineRef"]["name"] = name;
  // tame has no limit on a whole run; a step's own timeout still applies.
  run["spec"]["timeouts"]["pipeline"] = "0s";
  OrderedJson binding;
  binding["name"] = "workspace";
  binding["volumeClaimTemplate"]["spec"]["accessModes"] = OrderedJson::array({"ReadWriteOnce"});
  binding["volumeClaimTemplate"]["spec"]["resources"]["requests"]["storage"] =
      ctx->settings.storage;
  run["spec"]["workspaces"] = OrderedJson::array({binding});
  return EmitYaml({pipeline, run});
}

}  // namespace exporting
}  // namespace tame
