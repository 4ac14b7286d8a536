// The table of targets, the export entry point and what the exporters share: options from
// x-export and x-image, the per-step facts, and the text helpers.
#include "core/export.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "core/duration.h"
#include "core/export_internal.h"
#include "core/graph.h"
#include "core/load.h"
#include "core/step_inputs.h"
#include "core/validate.h"

namespace tame {
namespace exporting {
namespace {

const char* const kExportKeys[] = {"image", "tame_image", "secret", "runs_on", "storage"};

bool IsKubeSubdomain(const std::string& s) {
  if (s.empty() || s.size() > 253) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
  }
  return s.front() != '-' && s.front() != '.' && s.back() != '-' && s.back() != '.';
}

// Reads the pipeline's x-export object into `settings`.
void ReadExportOptions(const Pipeline& pipeline, Settings* settings, Diagnostics* errors) {
  auto it = pipeline.extensions.find("x-export");
  if (it == pipeline.extensions.end()) return;
  if (!it->is_object()) {
    errors->push_back(
        {"/x-export", "x-export must be an object such as {\"image\": \"python:3.12\"}"});
    return;
  }
  std::vector<std::string> known(std::begin(kExportKeys), std::end(kExportKeys));
  for (auto option = it->begin(); option != it->end(); ++option) {
    const std::string pointer = PointerAppend("/x-export", option.key());
    if (std::find(known.begin(), known.end(), option.key()) == known.end()) {
      std::string suggestion = SuggestSpelling(option.key(), known);
      errors->push_back(
          {pointer, "unknown export option " + Quoted(option.key()) +
                        (suggestion.empty() ? "" : " (did you mean " + Quoted(suggestion) + "?)") +
                        "; known: " + JoinWords(known)});
      continue;
    }
    if (!option->is_string() || option->get_ref<const std::string&>().empty() ||
        option->get_ref<const std::string&>().find('\n') != std::string::npos) {
      errors->push_back(
          {pointer, "x-export." + option.key() + " must be a non-empty line of text"});
      continue;
    }
    const std::string& value = option->get_ref<const std::string&>();
    if (option.key() == "image") {
      settings->image = value;
      settings->image_origin = "x-export.image";
    } else if (option.key() == "tame_image") {
      settings->tame_image = value;
    } else if (option.key() == "secret") {
      if (!IsKubeSubdomain(value)) {
        errors->push_back({pointer,
                           "x-export.secret must be a Kubernetes name: lowercase "
                           "letters, digits, '-' and '.'"});
      }
      settings->secret = value;
    } else if (option.key() == "runs_on") {
      settings->runs_on = value;
    } else {
      settings->storage = value;
    }
  }
}

// Every reference in the strings of `value`, appended to `uses` once each.
void CollectReferences(const Pipeline& pipeline, const Json& value, std::vector<RefUse>* uses) {
  ForEachString(value, Place(), [&](const Place&, const std::string& text) {
    if (text.find("${{") == std::string::npos) return;
    std::vector<Reference> refs;
    std::string error;
    if (!ParseReferences(text, &refs, &error)) return;  // Validate() reported it
    for (const Reference& ref : refs) {
      RefUse use;
      use.ref = ref;
      use.env = ReferenceEnvName(ref);
      bool seen = false;
      for (const RefUse& u : *uses) seen = seen || u.env == use.env;
      if (seen) continue;
      if (ref.kind == RefKind::kStepOutput) {
        use.producer = pipeline.FindStep(ref.step);
        if (use.producer >= 0) {
          const Step& producer = pipeline.steps[use.producer];
          auto decl = producer.outputs.find(ref.name);
          if (decl != producer.outputs.end() && !decl->second.path.empty()) {
            use.file = true;
            use.path = decl->second.path;
          }
        }
      }
      uses->push_back(use);
    }
  });
}

// The step's `with` as TAME_WITH carries it: compact JSON whose strings
// hold "${NAME}" for each reference and "$$" for a literal "$", and
// "${NAME:json}" for a whole reference to a param that is not a string.
std::string WithText(const Pipeline& pipeline, const StepInfo& s) {
  std::function<Json(const Json&)> convert = [&](const Json& value) -> Json {
    if (value.is_string()) {
      const std::string& text = value.get_ref<const std::string&>();
      std::vector<Reference> refs;
      std::string error;
      if (ParseReferences(text, &refs, &error) && refs.size() == 1 &&
          IsWholeReference(text, refs) && refs[0].kind == RefKind::kParam) {
        auto param = pipeline.params.find(refs[0].name);
        if (param != pipeline.params.end() && param->second.type != "string") {
          return "${" + ReferenceEnvName(refs[0]) + ":json}";
        }
      }
      return MapReferences(
          text, s.refs, [](const RefUse& use) { return "${" + use.env + "}"; }, WithEscape);
    }
    if (value.is_array()) {
      Json out = Json::array();
      for (const Json& item : value) out.push_back(convert(item));
      return out;
    }
    if (value.is_object()) {
      Json out = Json::object();
      for (auto it = value.begin(); it != value.end(); ++it) out[it.key()] = convert(*it);
      return out;
    }
    return value;
  };
  return convert(s.step->with).dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Task and template names: step ids with '_' turned into '-' (Kubernetes
// engines allow only letters, digits and '-'), made unique.
void NameSteps(Context* ctx) {
  std::set<std::string> taken;
  for (StepInfo& s : ctx->steps) {
    std::string name = s.id();
    std::replace(name.begin(), name.end(), '_', '-');
    while (!name.empty() && name.back() == '-') name.pop_back();
    std::string base = name;
    for (int n = 2; taken.count(name) > 0; ++n) name = base + "-" + std::to_string(n);
    taken.insert(name);
    s.name = name;
  }
}

bool PrepareShell(StepInfo* s, Diagnostics* errors) {
  const Step& step = *s->step;
  auto shell = step.with.find("shell");
  if (shell != step.with.end() && shell->is_string() &&
      shell->get_ref<const std::string&>().find("${{") != std::string::npos) {
    errors->push_back(
        {s->pointer + "/with/shell", "step " + Quoted(step.id) +
                                         ": a reference in with.shell cannot be exported; "
                                         "name the interpreter"});
    return false;
  }
  auto workdir = step.with.find("workdir");
  if (workdir != step.with.end() && workdir->is_string()) {
    s->workdir = workdir->get<std::string>();
  }
  ShellCommand command;
  std::string error;
  if (!PrepareShellStep(
          step, [](const Reference&) { return std::string(); }, &command, &error)) {
    errors->push_back({s->pointer, "step " + Quoted(step.id) + ": " + error});
    return false;
  }
  s->shell = command.shell;
  s->shell_flags = command.flags;
  s->script = command.script;
  return true;
}

// A step of a kind that runs as `tame __step KIND`: its params and the run
// id the process is always given.
void PrepareTameStep(const Pipeline& pipeline, const Settings& settings, StepInfo* s) {
  if (s->image.empty()) s->image = settings.tame_image;
  std::vector<RefUse> with_refs;
  CollectReferences(pipeline, s->step->with, &with_refs);
  s->params_var = with_refs.empty() ? "TAME_PARAMS" : "TAME_WITH";
  s->params_text = with_refs.empty()
                       ? s->step->with.dump(-1, ' ', false, Json::error_handler_t::replace)
                       : WithText(pipeline, *s);
  for (const RefUse& use : s->refs) {
    if (use.ref.kind == RefKind::kRunId) return;
  }
  RefUse run_id;
  run_id.ref.kind = RefKind::kRunId;
  run_id.env = ReferenceEnvName(run_id.ref);
  run_id.implicit = true;
  s->refs.push_back(run_id);
}

// Fills `s` for step `i`: its place, edges, references, image and what it
// runs.
void PrepareStep(const Pipeline& pipeline, const Graph& graph, const Context& ctx, size_t i,
                 StepInfo* s, Diagnostics* errors) {
  s->step = &pipeline.steps[i];
  s->kind = FindKind(s->step->uses);
  s->index = static_cast<int>(i);
  s->pointer = PointerAppend("/steps", i);
  s->deps = graph.deps[i];
  s->dependents = graph.dependents[i];
  CollectReferences(pipeline, s->step->with, &s->refs);
  Json env = Json::object();
  for (const auto& [name, value] : s->step->env) env[name] = value;
  CollectReferences(pipeline, env, &s->refs);
  auto image = s->step->extensions.find("x-image");
  if (image != s->step->extensions.end()) {
    if (!image->is_string() || image->get_ref<const std::string&>().empty() ||
        image->get_ref<const std::string&>().find('\n') != std::string::npos) {
      errors->push_back({s->pointer + "/x-image",
                         "step " + Quoted(s->id()) + ": x-image must be a non-empty line of text"});
    } else {
      s->image = image->get<std::string>();
    }
  }
  if (s->IsShell()) {
    for (const auto& [name, decl] : s->step->outputs) {
      if (decl.path.empty()) s->value_outputs.push_back(name);
    }
    if (!PrepareShell(s, errors)) return;
    if (s->image.empty()) s->image = ctx.settings.image;
    if (s->image.empty() && OnKubernetes(ctx.target)) {
      s->image = kDefaultShellImage;
    }
    return;
  }
  if (s->kind != nullptr) {
    for (const OutputSpec& out : s->kind->outputs) s->value_outputs.push_back(out.name);
  }
  if (s->IsApproval()) {
    s->image.clear();  // no container: the engine's own pause
  } else {
    PrepareTameStep(pipeline, ctx.settings, s);
  }
}

}  // namespace

void Context::Note(const std::string& pointer, const std::string& message) {
  notes.push_back({pointer, message});
}

void Context::StepNote(const StepInfo& s, const std::string& sub, const std::string& message) {
  notes.push_back({s.pointer + sub, "step " + Quoted(s.id()) + ": " + message});
}

const char* Context::TargetTitle() const { return ExportTargetTitle(target); }

bool Prepare(const Pipeline& pipeline, ExportTarget target, const ExportOptions& options,
             Context* ctx, Diagnostics* errors) {
  ctx->pipeline = &pipeline;
  ctx->target = target;
  Settings& settings = ctx->settings;
  ReadExportOptions(pipeline, &settings, errors);
  if (!options.image.empty()) {
    settings.image = options.image;
    settings.image_origin = "--image";
  }
  if (!options.tame_image.empty()) settings.tame_image = options.tame_image;
  if (settings.tame_image.empty()) settings.tame_image = kDefaultTameImage;
  if (settings.secret.empty()) settings.secret = KubeName(pipeline.name, 52) + "-secrets";
  if (settings.runs_on.empty()) settings.runs_on = "ubuntu-latest";
  if (settings.storage.empty()) settings.storage = "1Gi";
  Graph graph = BuildGraph(pipeline);
  ctx->steps.resize(pipeline.steps.size());
  for (size_t i = 0; i < pipeline.steps.size(); ++i) {
    PrepareStep(pipeline, graph, *ctx, i, &ctx->steps[i], errors);
  }
  NameSteps(ctx);
  return errors->empty();
}

namespace {

// Whether `text` holds `pattern` as the target reads it. Azure's macros
// are "$(" a name of letters, digits, '.' and '_', then ")": a shell's
// "$(date +%s)" is not one.
bool HasPattern(const std::string& text, const std::string& pattern, ExportTarget target) {
  if (target != ExportTarget::kAzurePipelines) return text.find(pattern) != std::string::npos;
  for (size_t at = text.find("$("); at != std::string::npos; at = text.find("$(", at + 2)) {
    size_t end = at + 2;
    while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) ||
                                 text[end] == '_' || text[end] == '.')) {
      ++end;
    }
    if (end > at + 2 && end < text.size() && text[end] == ')') return true;
  }
  return false;
}

}  // namespace

void NoteCommon(Context* ctx, const StepInfo& s) {
  const Step& step = *s.step;
  if (step.uses == "k8s.deploy") {
    auto strategy = step.with.find("strategy");
    if (strategy != step.with.end() && strategy->is_string() && *strategy != "rolling") {
      ctx->StepNote(s, "/with/strategy",
                    "the " + strategy->get<std::string>() +
                        " release is driven by the step for as long as it lasts: in " +
                        ctx->TargetTitle() +
                        " it runs through every pause and measurement, and if it is ended "
                        "without a grace period the new version stays beside the old");
    }
  }
  if (step.cache && step.cache->enabled) {
    ctx->StepNote(
        s, "/cache",
        std::string("cache is not exported: ") + ctx->TargetTitle() + " runs the step every time");
  }
  for (const RefUse& use : s.refs) {
    if (use.ref.kind != RefKind::kRunId || use.implicit) continue;
    const char* run_id = ctx->target == ExportTarget::kArgo             ? "the workflow's name"
                         : ctx->target == ExportTarget::kTekton         ? "the PipelineRun's name"
                         : ctx->target == ExportTarget::kAzurePipelines ? "Build.BuildId"
                         : ctx->target == ExportTarget::kGitLabCi       ? "CI_PIPELINE_ID"
                                                                        : "github.run_id";
    ctx->StepNote(s, "", std::string("${{ run.id }} is ") + run_id + ", not a tame run id");
  }
  // Text the engine itself reads for its own expressions.
  std::vector<std::string> patterns;
  std::string what;
  if (ctx->target == ExportTarget::kArgo) {
    patterns = {"{{"};
    what = "Argo reads \"{{...}}\" in it as its own expression";
  } else if (ctx->target == ExportTarget::kTekton) {
    patterns = {"$(params.",     "$(context.", "$(tasks.", "$(results.",
                "$(workspaces.", "$(steps.",   "$(step."};
    what = "Tekton reads \"$(params.)\", \"$(context.)\" and the like in it as its own variables";
  } else if (ctx->target == ExportTarget::kAzurePipelines) {
    patterns = {"$("};
    what = "Azure replaces \"$(NAME)\" in it with the variable NAME when one is defined";
  } else {
    // GitHub reads only "${{", which is always a tame reference; GitLab
    // expands "$" in variables, which the export escapes.
    return;
  }
  std::set<std::string> noted;
  auto check = [&](const std::string& pointer, const std::string& with_refs) {
    // Only the text around references reaches the engine as written.
    std::string text = MapReferences(
        with_refs, s.refs, [](const RefUse&) { return std::string("\n"); },
        [](const std::string& literal) { return literal; });
    for (const std::string& pattern : patterns) {
      if (HasPattern(text, pattern, ctx->target) && noted.insert(pointer).second) {
        ctx->StepNote(s, pointer,
                      "the text at " + pointer.substr(1) + " is passed on as written, but " + what);
      }
    }
  };
  ForEachString(step.with, Place(), [&](const Place& place, const std::string& text) {
    check("/with" + place.Pointer(), text);
  });
  for (const auto& [name, value] : step.env) check(PointerAppend("/env", name), value);
}

bool HasParallelSteps(const Context& ctx) {
  std::vector<int> level(ctx.steps.size(), 0);
  std::vector<int> count(ctx.steps.size() + 1, 0);
  for (const StepInfo& s : ctx.steps) {
    for (int d : s.deps) level[s.index] = std::max(level[s.index], level[d] + 1);
  }
  for (int l : level) {
    if (++count[l] > 1) return true;
  }
  return false;
}

void NoteRuntime(Context* ctx) {
  const Pipeline& p = *ctx->pipeline;
  const bool kube = OnKubernetes(ctx->target);
  std::string kube_name = KubeName(p.name, 52);
  if (kube && kube_name != p.name) {
    ctx->Note("/name", std::string("the ") +
                           (ctx->target == ExportTarget::kArgo ? "workflow" : "pipeline") +
                           " is named " + Quoted(kube_name) +
                           " (Kubernetes names take lowercase letters, digits and '-')");
  }
  bool shell = false;  // a shell step without an x-image of its own
  std::vector<std::string> tame_kinds;
  for (const StepInfo& s : ctx->steps) {
    shell = shell || (s.IsShell() && !s.step->extensions.contains("x-image"));
    if (!s.IsShell() && !s.IsApproval() &&
        std::find(tame_kinds.begin(), tame_kinds.end(), s.step->uses) == tame_kinds.end()) {
      tame_kinds.push_back(s.step->uses);
    }
  }
  const Settings& settings = ctx->settings;
  if (shell && !settings.image_origin.empty()) {
    ctx->Note("", "shell steps run in the image " + Quoted(settings.image) + " (from " +
                      settings.image_origin + "), not on a build host");
  } else if (shell && kube) {
    ctx->Note("", std::string("shell steps run in the image \"") + kDefaultShellImage +
                      "\", as none was named (x-export.image, --image or a step's x-image); "
                      "the tools they call must be in it");
  } else if (shell && ctx->target == ExportTarget::kGitLabCi) {
    ctx->Note("",
              "shell steps run on a GitLab runner, in its default image if it runs jobs in "
              "containers, not on your build host; the tools they call must be there");
  } else if (shell) {
    ctx->Note("", "shell steps run on the " + settings.runs_on +
                      (ctx->target == ExportTarget::kAzurePipelines ? " agent" : " runner") +
                      ", not on your build host; the tools they call must be on it");
  }
  if (!tame_kinds.empty()) {
    ctx->Note("", "steps of kind " + JoinWords(tame_kinds) +
                      " run \"tame __step KIND\" in the image " + Quoted(settings.tame_image));
  }
  if (kube && !p.secrets.empty()) {
    ctx->Note("/secrets", "secrets are read from the Kubernetes Secret " + Quoted(settings.secret) +
                              ", one key per secret name");
    ctx->Note("/secrets", std::string(ctx->TargetTitle()) +
                              " does not mask secret values in step logs as tame does");
  }
}

void NoteKubernetesKind(Context* ctx, const StepInfo& s) {
  const std::string& uses = s.step->uses;
  if (uses == "docker.build" || uses == "docker.push") {
    ctx->StepNote(s, "/uses",
                  uses +
                      " needs a Docker Engine; the pod has one only if the "
                      "image or the cluster provides it (a mounted docker socket)");
  } else if (uses == "k8s.deploy") {
    const Json& with = s.step->with;
    const bool elsewhere =
        with.is_object() && (with.contains("context") || with.contains("kubeconfig"));
    if (elsewhere) {
      // In a pod there is no kubeconfig unless one is mounted, and the pod's
      // own cluster is not the context the step names.
      ctx->StepNote(s, "/with",
                    "k8s.deploy names a kubeconfig context; in the pod that needs a "
                    "kubeconfig with it, mounted and named by KUBECONFIG (with the "
                    "exec plugin it runs, if any, in the step image)");
    } else {
      ctx->StepNote(s, "/uses",
                    "k8s.deploy uses the pod's service account, which must be "
                    "allowed to apply Deployments and Services");
    }
    if (with.is_object() && (with.contains("ingress") || with.contains("autoscale"))) {
      ctx->StepNote(s, "/with",
                    "k8s.deploy's ingress and autoscale need permission to apply and delete "
                    "Ingresses and HorizontalPodAutoscalers too");
    }
  }
}

std::string MapReferences(const std::string& text, const std::vector<RefUse>& uses,
                          const std::function<std::string(const RefUse&)>& ref_text,
                          const std::function<std::string(const std::string&)>& literal) {
  std::vector<Reference> refs;
  std::string error;
  if (text.find("${{") == std::string::npos || !ParseReferences(text, &refs, &error)) {
    return literal(text);
  }
  std::string out;
  size_t at = 0;
  for (const Reference& ref : refs) {
    out += literal(text.substr(at, ref.begin - at));
    std::string env = ReferenceEnvName(ref);
    for (const RefUse& use : uses) {
      if (use.env == env) {
        out += ref_text(use);
        break;
      }
    }
    at = ref.end;
  }
  return out + literal(text.substr(at));
}

std::string KubeEscape(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    out += text[i];
    if (text[i] == '$' && i + 1 < text.size() && (text[i + 1] == '$' || text[i + 1] == '(')) {
      out += '$';
    }
  }
  return out;
}

std::string WithEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    out += c;
    if (c == '$') out += '$';
  }
  return out;
}

std::string RunCommandLine(const StepInfo& s, const std::string& script_path) {
  if (!s.IsShell()) return "tame __step " + s.step->uses;
  std::string line = s.shell;
  for (const std::string& flag : s.shell_flags) line += " " + flag;
  return line + " " + script_path;
}

std::string OutputWrapper(const StepInfo& s,
                          const std::function<std::string(const std::string&)>& result_path) {
  std::string out =
      "# Run the step with TAME_OUTPUT set, then publish the last value of each output.\n"
      "export TAME_OUTPUT=/tmp/tame-output\n"
      ": > \"$TAME_OUTPUT\"\n";
  if (s.IsShell()) {
    // A quoted here-document keeps the script as written; its end marker is
    // chosen so that no line of the script can end it early.
    std::string marker = "TAME_SCRIPT_END";
    std::string script = s.script;
    if (script.empty() || script.back() != '\n') script += '\n';
    for (int n = 1; ("\n" + script).find("\n" + marker + "\n") != std::string::npos; ++n) {
      marker = "TAME_SCRIPT_END_" + std::to_string(n);
    }
    out += "cat > /tmp/tame-script <<'" + marker + "'\n" + script + marker + "\n";
  }
  out += "status=0\n" + RunCommandLine(s, "/tmp/tame-script") + " || status=$?\n";
  for (const std::string& name : s.value_outputs) {
    out += "value=$(sed -n 's/^" + name + "=//p' \"$TAME_OUTPUT\" | tail -n 1)\n";
    out += "printf '%s' \"$value\" > \"" + result_path(name) + "\"\n";
  }
  return out + "exit \"$status\"\n";
}

std::string GoDuration(int64_t ms) {
  if (ms <= 0) return "0s";
  std::string out;
  int64_t hours = ms / 3600000;
  int64_t minutes = ms / 60000 % 60;
  int64_t seconds = ms / 1000 % 60;
  int64_t millis = ms % 1000;
  if (hours > 0) out += std::to_string(hours) + "h";
  if (minutes > 0) out += std::to_string(minutes) + "m";
  if (seconds > 0) out += std::to_string(seconds) + "s";
  if (millis > 0) out += std::to_string(millis) + "ms";
  return out;
}

int64_t DurationMs(const std::string& text) {
  int64_t ms = 0;
  std::string error;
  if (text.empty() || !ParseDuration(text, &ms, &error)) return 0;
  return ms;
}

std::string KubeName(const std::string& text, size_t max_size) {
  std::string out;
  for (char c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (ok) {
      out += c;
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  if (out.size() > max_size) out.resize(max_size);
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "pipeline" : out;
}

std::string CiVariableName(const std::string& name) {
  std::string out = name;
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

void NoteHostedApproval(Context* ctx, const StepInfo& s, const std::string& system) {
  if (s.step->with.contains("allowed_signers")) {
    ctx->StepNote(s, "/with/allowed_signers",
                  "SSH-signed sign-offs are not exported: approvers approve in " + system);
  }
  if (s.step->with.contains("notify")) {
    ctx->StepNote(s, "/with/notify",
                  system + " notifies the approvers itself; the webhook is not called");
  }
  ctx->StepNote(s, "",
                system + " does not tell the job who approved: the output approved_by is empty");
}

void NoteSecretVariables(Context* ctx, const std::string& define_as, const std::string& system) {
  const Pipeline& p = *ctx->pipeline;
  if (p.secrets.empty()) return;
  std::vector<std::string> names;
  for (const auto& [name, decl] : p.secrets) names.push_back(CiVariableName(name));
  ctx->Note("/secrets", "define " + JoinWords(names) + " " + define_as);
  for (const auto& [name, decl] : p.secrets) {
    if (CiVariableName(name) != name) {
      ctx->Note(PointerAppend("/secrets", name),
                "secret " + Quoted(name) + " is read from the variable " + CiVariableName(name) +
                    " (" + system + "'s variable names allow no '-')");
    }
  }
}

std::string JoinWords(const std::vector<std::string>& words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? " and " : ", ";
    out += words[i];
  }
  return out;
}

std::string NumberText(double value) {
  if (value == static_cast<double>(static_cast<int64_t>(value)) && value < 1e15 && value > -1e15) {
    return std::to_string(static_cast<int64_t>(value));
  }
  return Json(value).dump();
}

std::string Quoted(const std::string& text) {
  return Json(text).dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace exporting

const std::vector<ExportTargetInfo>& ExportTargets() {
  static const std::vector<ExportTargetInfo>* const targets = new std::vector<ExportTargetInfo>{
      {ExportTarget::kArgo, "argo", "Argo Workflows", ".argo.yaml", "one Workflow (a DAG)",
       "kubectl create -f FILE, or argo submit FILE", exporting::ExportArgo},
      {ExportTarget::kTekton, "tekton", "Tekton", ".tekton.yaml", "a Pipeline and its PipelineRun",
       "kubectl create -f FILE", exporting::ExportTekton},
      {ExportTarget::kGitHubActions, "github-actions", "GitHub Actions", ".github.yml",
       "one workflow, a job per step", "commit it as .github/workflows/NAME.yml",
       exporting::ExportGitHub},
      {ExportTarget::kAzurePipelines, "azure-pipelines", "Azure Pipelines", ".azure-pipelines.yml",
       "one pipeline, a stage with a job per step",
       "commit it as azure-pipelines.yml and create a pipeline from it", exporting::ExportAzure},
      {ExportTarget::kGitLabCi, "gitlab-ci", "GitLab CI", ".gitlab-ci.yml",
       "one .gitlab-ci.yml, a job per step", "commit it as .gitlab-ci.yml (or include it)",
       exporting::ExportGitLab},
  };
  return *targets;
}

const ExportTargetInfo& TargetInfo(ExportTarget target) {
  for (const ExportTargetInfo& info : ExportTargets()) {
    if (info.target == target) return info;
  }
  return ExportTargets().front();  // unreachable: every enumerator has a row
}

const char* ExportTargetName(ExportTarget target) { return TargetInfo(target).name; }

const char* ExportTargetTitle(ExportTarget target) { return TargetInfo(target).title; }

std::string ExportTargetNames(const std::string& last) {
  std::string out;
  const std::vector<ExportTargetInfo>& targets = ExportTargets();
  for (size_t i = 0; i < targets.size(); ++i) {
    if (i > 0) out += last == "|" ? "|" : i + 1 == targets.size() ? " " + last + " " : ", ";
    out += targets[i].name;
  }
  return out;
}

bool ParseExportTarget(const std::string& name, ExportTarget* target) {
  for (const ExportTargetInfo& info : ExportTargets()) {
    if (name == info.name) {
      *target = info.target;
      return true;
    }
  }
  return false;
}

std::string FormatFidelityReport(const std::string& file, ExportTarget target, size_t steps,
                                 const Diagnostics& notes) {
  std::string out = file + ": exported to " + ExportTargetName(target) + ": " +
                    std::to_string(steps) + (steps == 1 ? " step, " : " steps, ") +
                    std::to_string(notes.size()) +
                    (notes.size() == 1 ? " note on fidelity\n" : " notes on fidelity\n");
  for (const Diagnostic& note : notes) out += FormatDiagnostic(file, note) + "\n";
  return out;
}

std::string ExportFileName(const Pipeline& pipeline, ExportTarget target) {
  return exporting::KubeName(pipeline.name, 100) + TargetInfo(target).file_suffix;
}

ExportResult ExportPipeline(const Pipeline& pipeline, ExportTarget target,
                            const ExportOptions& options) {
  ExportResult result;
  result.errors = Validate(pipeline);
  if (!result.errors.empty()) return result;
  exporting::Context ctx;
  if (!exporting::Prepare(pipeline, target, options, &ctx, &result.errors)) return result;
  result.text = TargetInfo(target).exporter(&ctx);
  result.notes = std::move(ctx.notes);
  return result;
}

}  // namespace tame
