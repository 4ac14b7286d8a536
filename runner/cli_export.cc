// `tame export`: a pipeline for another engine, one of core's
// ExportTargets(). The YAML goes to stdout or,
// atomically, to -o PATH; the fidelity report goes to stderr, so that the
// output stays pure YAML.
#include <iostream>

#include "core/export.h"
#include "core/load.h"
#include "core/validate.h"
#include "runner/cli.h"
#include "runner/files.h"

namespace tame {

std::string ExportUsage() {
  std::string targets;
  for (const ExportTargetInfo& info : ExportTargets()) {
    std::string name = info.name;
    targets += "  " + name + std::string(name.size() < 18 ? 18 - name.size() : 1, ' ') +
               info.title + " (NAME" + info.file_suffix + "): " + info.writes + "\n";
  }
  return "tame export FILE --to " + ExportTargetNames("|") +
         " [-o PATH]\n"
         "                 [--image IMAGE] [--tame-image IMAGE]\n\n"
         "Writes the pipeline for an engine that runs on many machines. needs and\n"
         "references become the engine's dependencies, retries and timeouts its own\n"
         "fields, outputs its parameter passing; secrets stay references into its\n"
         "secret store and no secret value is written. Shell steps run in an image\n"
         "or on the engine's agent; the other kinds run 'tame __step KIND' in the\n"
         "tame image; approvals become the engine's own pause or approval.\n\n"
         "Targets (--to):\n" +
         targets +
         "\nWhatever the engine cannot say as tame does is listed on stderr, one note\n"
         "per approximation (FILE: /json/pointer: step \"ID\": what changed), so that\n"
         "nothing is lost silently. The YAML itself goes to stdout or PATH.\n\n"
         "  --to TARGET         one of the targets above\n"
         "  -o PATH             write the YAML to PATH (atomically) instead of stdout\n"
         "  --image IMAGE       image for shell steps (over x-export.image; a step's\n"
         "                      x-image still wins)\n"
         "  --tame-image IMAGE  image that has tame, for the other kinds (over\n"
         "                      x-export.tame_image; default tame:0.1.0)\n\n"
         "The pipeline may carry \"x-export\": {\"image\", \"tame_image\", \"secret\",\n"
         "\"runs_on\", \"storage\"} and steps \"x-image\"; see docs/export.md.\n\n"
         "Exit status: 0 exported (notes or not), 2 the file is invalid or the\n"
         "usage is wrong.\n";
}

int CmdExport(const Args& args) {
  const std::string& path = args.positional[0];
  const std::string to = args.Value("--to");
  ExportTarget target;
  if (!ParseExportTarget(to, &target)) {
    if (to.empty()) return UsageError("export needs --to TARGET: " + ExportTargetNames("or"));
    std::vector<std::string> names;
    for (const ExportTargetInfo& info : ExportTargets()) names.push_back(info.name);
    std::string suggestion = SuggestSpelling(to, names);
    return UsageError("unknown target \"" + to + "\"" +
                      (suggestion.empty() ? "" : " (did you mean \"" + suggestion + "\"?)") +
                      "; use " + ExportTargetNames("or"));
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
