// The Argo Workflows exporter: one Workflow whose entry template is a DAG
// with a task per step, and a template per step. Steps share the workspace
// through a volume claim mounted at /workspace; shell steps are script
// templates, approvals are suspend templates, every other kind runs
// `tame __step KIND` in the tame image. Task names are step ids with '_'
// turned into '-'.
#include <algorithm>

#include "core/export_internal.h"
#include "core/params.h"
#include "core/validate.h"

namespace tame {
namespace exporting {
namespace {

constexpr char kWorkspace[] = "/workspace";
constexpr char kOutputsDir[] = "/tmp/tame-outputs";

// Where a reference's value comes from inside the step's template.
std::string ArgoValue(Context* ctx, const StepInfo& s, const RefUse& use) {
  switch (use.ref.kind) {
    case RefKind::kParam:
      return "{{workflow.parameters." + use.ref.name + "}}";
    case RefKind::kRunId:
      return "{{workflow.name}}";
    case RefKind::kStepOutput:
      return use.file ? use.path : "{{inputs.parameters." + use.env + "}}";
    case RefKind::kSecret:
      ctx->StepNote(s, "", "a secret cannot be placed in a template field; left empty");
      return "";
  }
  return "";
}

// The task's `depends`: the results of the steps it needs, as its `if`
// asks. Returns "" when it needs nothing.
std::string Depends(const Context& ctx, const StepInfo& s) {
  const std::string& condition = s.step->if_condition;
  std::vector<std::string> terms;
  for (int d : s.deps) {
    const StepInfo& dep = ctx.steps[d];
    const std::string& n = dep.name;
    bool excused = dep.step->continue_on_error.value_or(false);
    if (condition == "always") {
      terms.push_back("(" + n + ".Succeeded || " + n + ".Failed || " + n + ".Errored || " + n +
                      ".Skipped || " + n + ".Omitted)");
    } else if (condition == "failure") {
      std::vector<std::string> any;
      if (!excused) any = {n + ".Failed", n + ".Errored"};
      const std::string& dep_condition = dep.step->if_condition;
      if (dep_condition == "failure") any.push_back(n + ".Succeeded");
      if (dep_condition.empty() || dep_condition == "success") any.push_back(n + ".Omitted");
      for (const std::string& a : any) terms.push_back(a);
    } else {
      terms.push_back(excused ? "(" + n + ".Succeeded || " + n + ".Failed)" : n + ".Succeeded");
    }
  }
  std::string out;
  const char* join = condition == "failure" ? " || " : " && ";
  for (const std::string& t : terms) out += (out.empty() ? "" : join) + t;
  return out;
}

OrderedJson RetryStrategy(Context* ctx, const StepInfo& s) {
  const Retries& r = *s.step->retries;
  OrderedJson strategy;
  strategy["limit"] = std::to_string(r.max);
  strategy["retryPolicy"] = "Always";
  int64_t backoff = r.backoff.empty() ? 1000 : DurationMs(r.backoff);
  double factor = r.factor.value_or(2);
  long rounded = std::max(1L, static_cast<long>(factor + 0.5));
  if (static_cast<double>(rounded) != factor) {
    ctx->StepNote(s, "/retries/factor",
                  "Argo's backoff factor is a whole number; " + NumberText(factor) +
                      " is written as " + std::to_string(rounded));
  }
  OrderedJson b;
  b["duration"] = GoDuration(backoff);
  b["factor"] = std::to_string(rounded);
  b["cap"] = GoDuration(std::max<int64_t>(backoff, 10 * 60 * 1000));
  strategy["backoff"] = b;
  if (!r.on_exit_codes.empty()) {
    std::string codes;
    for (int code : r.on_exit_codes) codes += (codes.empty() ? "" : ", ") + std::to_string(code);
    strategy["expression"] = "asInt(lastRetry.exitCode) in [" + codes + "]";
  }
  return strategy;
}

OrderedJson ApprovalTemplate(Context* ctx, const StepInfo& s) {
  const Step& step = *s.step;
  std::vector<std::string> approvers;
  Json list = ParamValue(step, *FindParam(*s.kind, "approvers"));
  for (const Json& a : list) {
    if (a.is_string()) approvers.push_back(a.get<std::string>());
  }
  Json required = ParamValue(step, *FindParam(*s.kind, "required"));
  std::string who =
      approvers.size() == 1 ? approvers[0] : required.dump() + " of " + JoinWords(approvers);
  OrderedJson param;
  param["name"] = "approved_by";
  param["default"] = "";
  param["description"] = "Sign-off needed from " + who + ": enter who approved, then resume";
  OrderedJson supplied;
  supplied["name"] = "approved_by";
  supplied["valueFrom"]["supplied"] = OrderedJson::object();
  OrderedJson t;
  t["name"] = s.name;
  t["inputs"]["parameters"] = OrderedJson::array({param});
  t["outputs"]["parameters"] = OrderedJson::array({supplied});
  t["suspend"] = OrderedJson::object();
  ctx->StepNote(s, "/with/required",
                "Argo's suspend step is resumed by anyone allowed to resume the workflow; "
                "sign-off by " +
                    who +
                    " is not enforced, and approved_by is what the person "
                    "resuming enters");
  ctx->StepNote(s, "/with/timeout",
                "the approval does not time out in Argo (a suspend duration would resume, "
                "that is approve, when it ends); reject by stopping the workflow");
  if (step.with.contains("allowed_signers")) {
    ctx->StepNote(s, "/with/allowed_signers", "SSH-signed sign-offs are not exported");
  }
  if (ParamValue(step, *FindParam(*s.kind, "exclude_initiator")) == Json(true)) {
    ctx->StepNote(s, "/with/exclude_initiator",
                  "exclude_initiator is not exported: Argo lets whoever started it resume");
  }
  if (step.with.contains("notify")) {
    ctx->StepNote(s, "/with/notify", "no webhook message is sent while the approval waits");
  }
  return t;
}

// The env of a step's container: the references first, so that the step's
// own env can use them as $(NAME), then what `tame __step` reads, then the
// step's env.
OrderedJson ContainerEnv(Context* ctx, const StepInfo& s) {
  OrderedJson env = OrderedJson::array();
  for (const RefUse& use : s.refs) {
    OrderedJson var;
    var["name"] = use.env;
    if (use.ref.kind == RefKind::kSecret) {
      var["valueFrom"]["secretKeyRef"]["name"] = ctx->settings.secret;
      var["valueFrom"]["secretKeyRef"]["key"] = use.ref.name;
    } else {
      std::string value = ArgoValue(ctx, s, use);
      var["value"] = use.file ? KubeEscape(value) : value;
    }
    env.push_back(var);
  }
  if (!s.IsShell()) {
    env.push_back({{"name", "TAME_STEP"}, {"value", s.id()}});
    env.push_back({{"name", "TAME_WORKSPACE"}, {"value", kWorkspace}});
    env.push_back({{"name", s.params_var}, {"value", KubeEscape(s.params_text)}});
  }
  for (const auto& [name, text] : s.step->env) {
    OrderedJson var;
    var["name"] = name;
    var["value"] = MapReferences(
        text, s.refs, [](const RefUse& use) { return "$(" + use.env + ")"; }, KubeEscape);
    env.push_back(var);
  }
  return env;
}

// The script template's container: the step's own script when it
// publishes no values, else the wrapper that publishes them.
OrderedJson Script(Context* ctx, const StepInfo& s) {
  OrderedJson script;
  script["image"] = s.image;
  if (HasValueOutputs(s) || !s.IsShell()) {
    script["command"] = OrderedJson::array({"sh"});
    script["source"] = "mkdir -p " + std::string(kOutputsDir) + "\n" +
                       OutputWrapper(s, [](const std::string& name) {
                         return std::string(kOutputsDir) + "/" + name;
                       });
  } else {
    OrderedJson command = OrderedJson::array({s.shell});
    for (const std::string& flag : s.shell_flags) command.push_back(flag);
    script["command"] = command;
    script["source"] = s.script;
  }
  std::string workdir = kWorkspace;
  if (!s.workdir.empty()) {
    workdir +=
        "/" + MapReferences(
                  s.workdir, s.refs, [&](const RefUse& use) { return ArgoValue(ctx, s, use); },
                  [](const std::string& text) { return text; });
  }
  script["workingDir"] = workdir;
  OrderedJson env = ContainerEnv(ctx, s);
  if (!env.empty()) script["env"] = env;
  script["volumeMounts"] = OrderedJson::array({{{"name", "workspace"}, {"mountPath", kWorkspace}}});
  return script;
}

OrderedJson StepTemplate(Context* ctx, const StepInfo& s) {
  if (s.IsApproval()) return ApprovalTemplate(ctx, s);
  const Step& step = *s.step;
  OrderedJson t;
  t["name"] = s.name;
  OrderedJson inputs = OrderedJson::array();
  for (const RefUse& use : s.refs) {
    if (use.ref.kind == RefKind::kStepOutput && !use.file) inputs.push_back({{"name", use.env}});
  }
  if (!inputs.empty()) t["inputs"]["parameters"] = inputs;
  if (HasValueOutputs(s)) {
    OrderedJson outputs = OrderedJson::array();
    for (const std::string& name : s.value_outputs) {
      OrderedJson out;
      out["name"] = name;
      out["valueFrom"]["path"] = std::string(kOutputsDir) + "/" + name;
      outputs.push_back(out);
    }
    t["outputs"]["parameters"] = outputs;
  }
  if (step.retries && step.retries->max > 0) t["retryStrategy"] = RetryStrategy(ctx, s);
  if (!step.timeout.empty()) {
    int64_t ms = DurationMs(step.timeout);
    int64_t seconds = (ms + 999) / 1000;
    if (seconds * 1000 != ms) {
      ctx->StepNote(s, "/timeout",
                    "Argo counts whole seconds: the timeout is " + std::to_string(seconds) + "s");
    }
    t["activeDeadlineSeconds"] = std::to_string(seconds);
  }
  t["script"] = Script(ctx, s);
  return t;
}

OrderedJson DagTask(const Context& ctx, const StepInfo& s) {
  OrderedJson task;
  task["name"] = s.name;
  task["template"] = s.name;
  std::string depends = Depends(ctx, s);
  if (!depends.empty()) task["depends"] = depends;
  if (s.step->if_condition == "failure" && s.deps.empty()) task["when"] = "false";
  OrderedJson args = OrderedJson::array();
  for (const RefUse& use : s.refs) {
    if (use.ref.kind != RefKind::kStepOutput || use.file || use.producer < 0) continue;
    args.push_back({{"name", use.env},
                    {"value", "{{tasks." + ctx.steps[use.producer].name + ".outputs.parameters." +
                                  use.ref.name + "}}"}});
  }
  if (!args.empty()) task["arguments"]["parameters"] = args;
  return task;
}

void PipelineNotes(Context* ctx) {
  NoteRuntime(ctx);
  ctx->Note("", std::string("steps share the workspace through a ") + ctx->settings.storage +
                    " ReadWriteOnce volume claim mounted at /workspace, which starts empty "
                    "(tame run starts in your folder)" +
                    (HasParallelSteps(*ctx) ? "; steps that run side by side need their pods "
                                              "on one node, or a ReadWriteMany storage class"
                                            : ""));
}

void StepNotes(Context* ctx, const StepInfo& s) {
  const Step& step = *s.step;
  if (s.name != s.id()) {
    ctx->StepNote(s, "/id", "named " + Quoted(s.name) + " in Argo, whose names allow no '_'");
  }
  if (step.if_condition == "failure" && !s.deps.empty()) {
    ctx->StepNote(s, "/if",
                  "if: failure is approximated: Argo runs it when a step it needs "
                  "failed, or was left out after a failure");
  }
  if (step.if_condition == "always") {
    ctx->StepNote(s, "/if",
                  "if: always runs once the steps it needs have ended, but not after "
                  "the workflow is stopped");
  }
  if (step.continue_on_error.value_or(false)) {
    ctx->StepNote(s, "/continue_on_error",
                  "continue_on_error: the steps that need it accept its failure "
                  "(X.Succeeded || X.Failed), but Argo may still mark the workflow failed");
  }
  if (s.IsApproval() && (step.retries || !step.timeout.empty())) {
    ctx->StepNote(s, step.retries ? "/retries" : "/timeout",
                  "retries and timeout do not apply to an Argo suspend step");
  }
  NoteKubernetesKind(ctx, s);
  NoteCommon(ctx, s);
}

}  // namespace

// The Workflow: metadata; then the spec: params, the workspace claim, the
// entry DAG with a task per step, and a template per step. Each step's
// notes are made as its template is written, so the report is in file order.
std::string ExportArgo(Context* ctx) {
  const Pipeline& p = *ctx->pipeline;
  PipelineNotes(ctx);
  OrderedJson wf;
  wf["apiVersion"] = "argoproj.io/v1alpha1";
  wf["kind"] = "Workflow";
  wf["metadata"]["generateName"] = KubeName(p.name, 52) + "-";
  if (!p.description.empty()) {
    wf["metadata"]["annotations"]["workflows.argoproj.io/description"] = p.description;
  }
  std::string entry = "pipeline";
  for (bool taken = true; taken;) {
    taken = false;
    for (const StepInfo& s : ctx->steps) taken = taken || s.name == entry;
    if (taken) entry += "-dag";
  }
  OrderedJson spec;
  spec["entrypoint"] = entry;
  if (!p.params.empty()) {
    OrderedJson params = OrderedJson::array();
    for (const auto& [name, decl] : p.params) {
      OrderedJson param;
      param["name"] = name;
      if (decl.default_value) param["value"] = ParamText(*decl.default_value);
      if (!decl.description.empty()) param["description"] = decl.description;
      params.push_back(param);
    }
    spec["arguments"]["parameters"] = params;
  }
  OrderedJson claim;
  claim["metadata"]["name"] = "workspace";
  claim["spec"]["accessModes"] = OrderedJson::array({"ReadWriteOnce"});
  claim["spec"]["resources"]["requests"]["storage"] = ctx->settings.storage;
  spec["volumeClaimTemplates"] = OrderedJson::array({claim});
  OrderedJson dag;
  dag["name"] = entry;
  // Steps that do not depend on a failed one keep running, as in tame.
  dag["dag"]["failFast"] = false;
  OrderedJson tasks = OrderedJson::array();
  OrderedJson templates = OrderedJson::array();
  for (const StepInfo& s : ctx->steps) {
    tasks.push_back(DagTask(*ctx, s));
    templates.push_back(StepTemplate(ctx, s));
    StepNotes(ctx, s);
  }
  dag["dag"]["tasks"] = tasks;
  OrderedJson all = OrderedJson::array({dag});
  for (OrderedJson& t : templates) all.push_back(std::move(t));
  spec["templates"] = all;
  wf["spec"] = spec;
  return EmitYaml({wf});
}

}  // namespace exporting
}  // namespace tame
