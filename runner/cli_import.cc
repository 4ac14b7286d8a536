// `tame import`: a GitHub Actions workflow or a GitLab CI file as a tame
// pipeline. The pipeline goes to stdout or, atomically, to -o PATH; the
// fidelity report goes to stderr. When something could not be imported
// (and --keep-unknown is not given) nothing is written and the exit is 2.
#include <iostream>

#include "core/import.h"
#include "core/load.h"
#include "runner/cli.h"
#include "runner/files.h"

namespace tame {

int CmdImport(const Args& args) {
  const std::string& path = args.positional[0];
  ImportOptions options;
  if (args.values.count("--from")) {
    const std::string from = args.Value("--from");
    options.detect = false;
    if (!ParseImportSource(from, &options.source)) {
      std::string suggestion = SuggestSpelling(from, {"github-actions", "gitlab-ci"});
      return UsageError("unknown source \"" + from + "\"" +
                        (suggestion.empty() ? "" : " (did you mean \"" + suggestion + "\"?)") +
                        "; use github-actions or gitlab-ci");
    }
  }
  options.keep_unknown = args.Has("--keep-unknown");
  const std::string approvers = args.Value("--approvers");
  for (size_t start = 0; start < approvers.size();) {
    size_t end = approvers.find(',', start);
    if (end == std::string::npos) end = approvers.size();
    if (end > start) options.approvers.push_back(approvers.substr(start, end - start));
    start = end + 1;
  }
  if (args.values.count("--required")) {
    const std::string n = args.Value("--required");
    if (options.approvers.empty()) return UsageError("--required needs --approvers");
    size_t used = 0;
    int value = 0;
    bool ok = !n.empty() && n.find_first_not_of("0123456789") == std::string::npos && n.size() < 6;
    if (ok) value = std::stoi(n, &used);
    if (!ok || value < 1 || value > static_cast<int>(options.approvers.size())) {
      return UsageError("--required must be a number from 1 to " +
                        std::to_string(options.approvers.size()) + ", not \"" + n + "\"");
    }
    options.required = value;
  }
  std::string text;
  std::string error;
  if (!ReadFile(path, 4 * 1024 * 1024, &text, &error)) {
    std::cerr << path << ": " << error << "\n";
    return kExitInvalid;
  }
  ImportResult result = ImportWorkflow(text, path, options);
  std::cerr << FormatImportReport(path, result);
  if (result.Failed()) return kExitInvalid;
  const std::string out = args.Value("-o");
  if (out.empty()) {
    std::cout << result.text << std::flush;
  } else if (!WriteFileAtomic(out, result.text, &error)) {
    std::cerr << out << ": " << error << "\n";
    return kExitInvalid;
  }
  return kExitOk;
}

}  // namespace tame
