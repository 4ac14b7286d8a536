// Importing a CI workflow as a tame pipeline: a GitHub Actions workflow or a
// GitLab CI file becomes canonical pipeline JSON (what `tame fmt` writes),
// laid out by plan levels, with a fidelity report that places every item
// (job, step, line) that was approximated or could not be imported.
//
// Sections: sources and options; the result and the report; importing.
// How each construct maps is in docs/import.md.
#ifndef TAME_CORE_IMPORT_H_
#define TAME_CORE_IMPORT_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.h"

namespace tame {

// ---- Sources and options ---------------------------------------------------

enum class ImportSource { kGitHubActions, kGitLabCi };

/// "github-actions" or "gitlab-ci": what `tame import --from` takes.
const char* ImportSourceName(ImportSource source);

/// Reads a source name as ImportSourceName() writes it; false for other text.
bool ParseImportSource(const std::string& name, ImportSource* source);

struct ImportOptions {
  bool detect = true;  // guess the source from the content; else `source`
  ImportSource source = ImportSource::kGitHubActions;
  /// Turn what cannot be imported into steps that fail with the reason,
  /// instead of failing the import.
  bool keep_unknown = false;
  /// Who signs off the jobs that use a GitHub environment (its required
  /// reviewers live in the repository's settings); empty: no approval steps.
  std::vector<std::string> approvers;
  int required = 1;
  size_t max_steps = 50000;  // the pipeline loader's limit
};

// ---- The result and the report ---------------------------------------------

/// One line of the fidelity report.
struct ImportItem {
  int line = 0;       // in the imported file; 0 for the whole file
  std::string place;  // `job "build", step 2`, or "" for the whole file
  std::string message;
  bool imported = true;  // false: could not be imported (exit 2 without --keep-unknown)
};

struct ImportResult {
  ImportSource source = ImportSource::kGitHubActions;
  /// The pipeline's canonical JSON; empty when `error` is set or when
  /// something could not be imported and keep_unknown is off.
  std::string text;
  size_t steps = 0;
  std::vector<ImportItem> items;  // in file order
  /// Why nothing could be read: not YAML, over a limit, not a workflow.
  Diagnostic error;

  bool Failed() const { return text.empty(); }
};

/// The report as `tame import` prints it: a header line "FILE: imported
/// from SOURCE: N steps, M notes" (", K not imported" when some were not),
/// then one line per item: "FILE:LINE: PLACE: note: MESSAGE", or
/// "... not imported: MESSAGE". A fatal error is one line in
/// FormatDiagnostic()'s form.
std::string FormatImportReport(const std::string& file, const ImportResult& result);

// ---- Importing -------------------------------------------------------------

/// Imports `text`, named `name` (its file name, which also names the
/// pipeline when the workflow has no name). Never throws.
ImportResult ImportWorkflow(std::string_view text, const std::string& name,
                            const ImportOptions& options = {});

}  // namespace tame

#endif  // TAME_CORE_IMPORT_H_
