// What the exporters share: the pipeline read once into per-step
// facts (references, outputs, images, scripts), the fidelity notes, and
// small text helpers. Not part of core's public API; export.h is.
//
// Every exporter builds its documents as ordered JSON (keys stay in the
// order they are set, so the YAML reads as the targets' own examples do)
// and hands them to EmitYaml().
#ifndef TAME_CORE_EXPORT_INTERNAL_H_
#define TAME_CORE_EXPORT_INTERNAL_H_

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/catalog.h"
#include "core/diagnostic.h"
#include "core/export.h"
#include "core/expression.h"
#include "core/pipeline.h"

namespace tame {
namespace exporting {

using OrderedJson = nlohmann::ordered_json;

/// The options in force, after the caller's, the pipeline's x-export and
/// the defaults.
struct Settings {
  std::string image;         // shell steps' image; "" when none was named
  std::string image_origin;  // "--image" or "x-export.image"; "" when none
  std::string tame_image;
  std::string secret;   // the Kubernetes Secret holding every secret
  std::string runs_on;  // GitHub runner label
  std::string storage;  // the workspace volume's size on Kubernetes
};

/// One reference a step makes, with where its value comes from.
struct RefUse {
  Reference ref;
  std::string env;        // ReferenceEnvName(ref)
  int producer = -1;      // for step outputs: the step's index
  bool file = false;      // a declared file output: its value is its path
  std::string path;       // that path
  bool implicit = false;  // not in the file: the run id every `tame __step` gets
};

struct StepInfo {
  const Step* step = nullptr;
  const KindSpec* kind = nullptr;
  int index = 0;
  std::string pointer;          // "/steps/N"
  std::string name;             // the task or template name on Kubernetes engines
  std::vector<int> deps;        // steps it waits for, in file order
  std::vector<int> dependents;  // steps that wait for it, in file order
  std::vector<RefUse> refs;     // every reference in with and env, first use order
  /// Outputs published through $TAME_OUTPUT: a shell step's declared
  /// values, or the catalog outputs of kinds run by `tame __step`.
  std::vector<std::string> value_outputs;
  std::string image;  // resolved; "" for approvals and GitHub host runs
  // Shell steps.
  std::string shell;                     // the interpreter as written
  std::vector<std::string> shell_flags;  // as the runner gives them
  std::string script;                    // `run`, references as "${NAME}"
  std::string workdir;                   // with.workdir as written
  // Other kinds, run as `tame __step KIND`: their params go in TAME_PARAMS
  // as JSON when they hold no reference, else in TAME_WITH with
  // placeholders (ResolveExportedParams() in export.h).
  std::string params_var;
  std::string params_text;

  bool IsShell() const { return step->uses == "shell"; }
  bool IsApproval() const { return step->uses == "approval"; }
  const std::string& id() const { return step->id; }
};

/// The pipeline read for export, and the notes made on the way.
struct Context {
  const Pipeline* pipeline = nullptr;
  ExportTarget target = ExportTarget::kArgo;
  Settings settings;
  std::vector<StepInfo> steps;
  Diagnostics notes;

  /// Adds a note about the whole pipeline (`pointer` may be "").
  void Note(const std::string& pointer, const std::string& message);
  /// Adds a note about step `s` at its pointer extended by `sub` ("" or
  /// "/retries/factor"); the message is prefixed with `step "ID": `.
  void StepNote(const StepInfo& s, const std::string& sub, const std::string& message);
  const char* TargetTitle() const;  // ExportTargetTitle(target)
};

/// Reads `pipeline` (valid) into `ctx`, resolving options. Returns false
/// with `errors` set when x-export or x-image are malformed.
bool Prepare(const Pipeline& pipeline, ExportTarget target, const ExportOptions& options,
             Context* ctx, Diagnostics* errors);

// ---- Notes every target shares ----------------------------------------------

/// Notes on what no target keeps: cache, run.id, and engine syntax found in
/// text the engine will read (`{{` for Argo, `$(params.` and the like for
/// Tekton).
void NoteCommon(Context* ctx, const StepInfo& s);

/// Pipeline notes on where steps run: the shell image, the tame image and
/// the Kubernetes name and Secret (for Argo and Tekton).
void NoteRuntime(Context* ctx);

/// Step notes on kinds that need more than a pod gives: a Docker Engine,
/// rights on the cluster.
void NoteKubernetesKind(Context* ctx, const StepInfo& s);

/// True when two steps may run side by side (neither needs the other).
bool HasParallelSteps(const Context& ctx);

// ---- Text helpers -------------------------------------------------------------

/// `text` with each reference replaced by ref_text(use) and each literal run
/// of text by literal(run). `uses` must hold every reference in `text`.
std::string MapReferences(const std::string& text, const std::vector<RefUse>& uses,
                          const std::function<std::string(const RefUse&)>& ref_text,
                          const std::function<std::string(const std::string&)>& literal);

/// Escapes `text` for a Kubernetes env value or command, where "$(VAR)" is
/// expanded and "$$" becomes "$".
std::string KubeEscape(const std::string& text);

/// A literal string (no references) the way `tame step` reads TAME_WITH:
/// "$" doubled.
std::string WithEscape(const std::string& text);

/// The script a step runs inside a POSIX sh wrapper that publishes its
/// outputs: runs the step with TAME_OUTPUT set, then writes the last value
/// of each output to result_path(name), and exits with the step's status.
std::string OutputWrapper(const StepInfo& s,
                          const std::function<std::string(const std::string&)>& result_path);

/// `tame __step KIND`, or the interpreter line of a shell step run on
/// `script_path`.
std::string RunCommandLine(const StepInfo& s, const std::string& script_path);

/// Milliseconds as a Go duration ("1h30m", "500ms", "0s"), as Kubernetes
/// engines read them.
std::string GoDuration(int64_t ms);

/// The milliseconds of a valid duration text; 0 for "".
int64_t DurationMs(const std::string& text);

/// A DNS-1123 label made from `text`: lowercase letters, digits and '-'.
std::string KubeName(const std::string& text, size_t max_size);

/// True when the step publishes outputs through $TAME_OUTPUT.
inline bool HasValueOutputs(const StepInfo& s) { return !s.value_outputs.empty(); }

/// "a, b and c".
std::string JoinWords(const std::vector<std::string>& words);

/// `name` as a variable of Azure Pipelines or GitLab CI, whose variable
/// names take letters, digits and '_' (Azure also '.'): '-' becomes '_'.
std::string CiVariableName(const std::string& name);

/// The notes on the pipeline's secrets for such a CI system: "define A and
/// B <define_as>", and for each secret renamed by CiVariableName, the
/// variable it is read from (`system` names the CI system).
void NoteSecretVariables(Context* ctx, const std::string& define_as, const std::string& system);

/// The notes on an approval step that the CI system `system` holds itself
/// (Azure's environment checks, GitLab's manual jobs): its SSH-signed
/// sign-offs, its webhook and its approved_by output do not carry over.
void NoteHostedApproval(Context* ctx, const StepInfo& s, const std::string& system);

/// JSON text of a string, for notes: "\"text\"".
std::string Quoted(const std::string& text);

/// A number for notes: "2" for 2.0, "1.5" for 1.5.
std::string NumberText(double value);

// ---- The exporters and the YAML writer ---------------------------------------

std::string ExportArgo(Context* ctx);
std::string ExportTekton(Context* ctx);
std::string ExportGitHub(Context* ctx);
std::string ExportAzure(Context* ctx);
std::string ExportGitLab(Context* ctx);

/// True for the targets that run on Kubernetes (Argo, Tekton): every step
/// in an image, the workspace on a volume.
inline bool OnKubernetes(ExportTarget target) {
  return target == ExportTarget::kArgo || target == ExportTarget::kTekton;
}

/// The documents as YAML, separated by "---" lines, ending in a newline.
/// Strings that a YAML 1.1 or 1.2 reader would take for another type are
/// quoted; multi-line text is written as a literal block when it can be.
/// Top-level keys in `plain_keys` are written unquoted whatever they look
/// like (GitHub's `on`).
std::string EmitYaml(const std::vector<OrderedJson>& documents,
                     const std::vector<std::string>& plain_keys = {});

}  // namespace exporting
}  // namespace tame

#endif  // TAME_CORE_EXPORT_INTERNAL_H_
