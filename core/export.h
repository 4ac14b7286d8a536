// Exporting a pipeline to engines that run on many machines: an Argo
// Workflow, a Tekton Pipeline with a PipelineRun, a GitHub Actions
// workflow, an Azure Pipelines or a GitLab CI pipeline (ExportTargets()). Each exporter is a pure
// function from a valid pipeline to YAML text and a fidelity report: every place where the target
// cannot say what the pipeline says, and how it was approximated. Nothing is dropped without a
// note. No secret value is ever written: secrets stay references into the target's own secret
// mechanism.
//
// Sections: targets and options; the result and the report; exporting;
// reading an export's params back (for `tame __step` in the tame image).
//
// How each step kind maps, and the options a pipeline file can carry
// (`x-export` at the top level, `x-image` on a step), are in docs/export.md.
#ifndef TAME_CORE_EXPORT_H_
#define TAME_CORE_EXPORT_H_

#include <functional>
#include <string>
#include <vector>

#include "core/diagnostic.h"
#include "core/pipeline.h"

namespace tame {

// ---- Targets and options ---------------------------------------------------

enum class ExportTarget { kArgo, kTekton, kGitHubActions, kAzurePipelines, kGitLabCi };

namespace exporting {
struct Context;
}  // namespace exporting

/// One engine tame exports to. ExportTargets() is the one list of them: the
/// CLI (`--to`, its help and errors), the designer's Export menu, the docs'
/// list and the tests all read it, so a new target touches core only.
struct ExportTargetInfo {
  ExportTarget target;
  const char* name;         // what `tame export --to` takes: "github-actions"
  const char* title;        // the engine's name in menus and notes: "GitHub Actions"
  const char* file_suffix;  // what ExportFileName() appends: ".github.yml"
  const char* writes;       // what the YAML holds: "one workflow, a job per step"
  const char* use;          // what the user does with it: "commit it as ..."
  std::string (*exporter)(exporting::Context* ctx);
};

/// Every target, in the order menus and help list them.
const std::vector<ExportTargetInfo>& ExportTargets();

/// The table's row for `target`.
const ExportTargetInfo& TargetInfo(ExportTarget target);

/// The name `tame export --to` takes, such as "github-actions".
const char* ExportTargetName(ExportTarget target);

/// The engine's title, such as "GitHub Actions".
const char* ExportTargetTitle(ExportTarget target);

/// Every target's name joined for messages: with `last` "or" it is
/// "argo, tekton, ... or gitlab-ci"; with `last` "|" it is "argo|tekton|...".
std::string ExportTargetNames(const std::string& last);

/// Reads a target name as ExportTargetName() writes it. Returns false for
/// any other text.
bool ParseExportTarget(const std::string& name, ExportTarget* target);

/// The image that runs `tame step KIND` for every kind but shell and
/// approval, unless the pipeline's x-export or the options name another.
constexpr char kDefaultTameImage[] = "tame:0.1.0";

/// The image shell steps run in on Argo and Tekton when nothing names one.
/// (The CI systems run them on their runner or agent unless an image is named.)
constexpr char kDefaultShellImage[] = "debian:bookworm-slim";

/// Overrides given by the caller (the CLI's flags); empty means "not given".
/// They win over the pipeline's `x-export`; a step's `x-image` wins over both.
struct ExportOptions {
  std::string image;       // shell steps' image
  std::string tame_image;  // image for the other kinds
};

// ---- The result and the report ---------------------------------------------

struct ExportResult {
  /// The YAML text, ending in a newline; empty when `errors` is not.
  std::string text;
  /// The fidelity report: one note per approximation, placed by JSON
  /// pointer into the pipeline file ("" for the whole pipeline) and naming
  /// the step; pipeline notes first, then by step in file order.
  Diagnostics notes;
  /// Why nothing was exported: the pipeline is invalid, or its x-export or
  /// x-image options are.
  Diagnostics errors;
};

/// The report as `tame export` prints it on stderr: a header line
/// "FILE: exported to TARGET: N steps, M notes on fidelity" followed by one
/// line per note in FormatDiagnostic()'s form.
std::string FormatFidelityReport(const std::string& file, ExportTarget target, size_t steps,
                                 const Diagnostics& notes);

/// A file name for the export of `pipeline`: NAME made safe for a file
/// name, then the target's file_suffix ("NAME.argo.yaml").
std::string ExportFileName(const Pipeline& pipeline, ExportTarget target);

// ---- Exporting -------------------------------------------------------------

/// Exports `pipeline` to `target`. Validates it first (as `tame validate`
/// does) and returns the problems in `errors` when it is invalid. The same
/// pipeline and options always give the same bytes. Never throws.
ExportResult ExportPipeline(const Pipeline& pipeline, ExportTarget target,
                            const ExportOptions& options = {});

// ---- Reading an export's params back ---------------------------------------
//
// Steps of kinds other than shell and approval run as `tame __step KIND` in
// the tame image. Their params travel as TAME_PARAMS (JSON, as the run
// session gives them) when they hold no reference. When they do, the
// engine fills in the values at run time, so they travel as TAME_WITH: the
// `with` object as JSON whose strings hold placeholders, the values being
// in environment variables named by ReferenceEnvName() (TAME_PARAM_x,
// TAME_STEP_a_OUT_b, TAME_SECRET_X, TAME_RUN_ID). No value is ever pasted
// into the JSON text by the engine, so no value can break it.

/// TAME_WITH read back into params. In its strings "${NAME}" stands for
/// the value of variable NAME, "$$" for "$", and a string that is exactly
/// "${NAME:json}" for NAME's value read as JSON (a whole reference to a
/// number, integer or boolean param keeps its type, as in `tame run`).
/// `lookup` gives a variable's value and returns false when it is unset.
/// Returns false with `error` set when the text is not a JSON object, a
/// variable is unset, a ":json" value is not a JSON scalar, or a "${" is
/// not closed. Never throws.
bool ResolveExportedParams(const std::string& with_text,
                           const std::function<bool(const std::string&, std::string*)>& lookup,
                           Json* params, std::string* error);

}  // namespace tame

#endif  // TAME_CORE_EXPORT_H_
