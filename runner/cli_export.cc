// `tame export`: a pipeline as an Argo Workflow, a Tekton Pipeline and
// PipelineRun, or a GitHub Actions workflow. The YAML goes to stdout or,
// atomically, to -o PATH; the fidelity report goes to stderr, so that the
// output stays pure YAML.
#include <iostream>

#include "core/export.h"
#include "core/load.h"
#include "core/validate.h"
#include "runner/cli.h"
#include "runner/files.h"

namespace tame {

int CmdExport(const Args& args) {
  const std::string& path = args.positional[0];
  const std::string to = args.Value("--to");
  ExportTarget target;
  if (!ParseExportTarget(to, &target)) {
    if (to.empty()) return UsageError("export needs --to argo, --to tekton or --to github-actions");
    std::string suggestion = SuggestSpelling(to, {"argo", "tekton", "github-actions"});
    return UsageError("unknown target \"" + to + "\"" +
                      (suggestion.empty() ? "" : " (did you mean \"" + suggestion + "\"?)") +
                      "; use argo, tekton or github-actions");
  }
  LoadOptions load_options;
  std::string text;
  std::string error;
  if (!ReadFile(path, load_options.limits.max_bytes, &text, &error)) {
    std::cerr << path << ": " << error << "\n";
    return kExitInvalid;
  }
  LoadResult loaded = LoadAndValidate(text, load_options);
  Diagnostics errors = loaded.errors;
  ExportResult result;
  if (errors.empty()) {
    ExportOptions options;
    options.image = args.Value("--image");
    options.tame_image = args.Value("--tame-image");
    result = ExportPipeline(*loaded.pipeline, target, options);
    errors = result.errors;
  }
  if (!errors.empty()) {
    for (const Diagnostic& d : errors) std::cerr << FormatDiagnostic(path, d) << "\n";
    return kExitInvalid;
  }
  const std::string out = args.Value("-o");
  if (out.empty()) {
    std::cout << result.text << std::flush;
  } else if (!WriteFileAtomic(out, result.text, &error)) {
    std::cerr << out << ": " << error << "\n";
    return kExitInvalid;
  }
  std::cerr << FormatFidelityReport(path, target, loaded.pipeline->steps.size(), result.notes);
  return kExitOk;
}

}  // namespace tame
