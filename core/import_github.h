// The GitHub Actions importer's pieces, shared by its two files: the jobs'
// plan (import_github.cc) and the script that runs a job's steps as GitHub
// would (import_github_script.cc).
#ifndef TAME_CORE_IMPORT_GITHUB_H_
#define TAME_CORE_IMPORT_GITHUB_H_

#include <map>
#include <string>
#include <vector>

#include "core/import_internal.h"

namespace tame {
namespace importing {

/// When a run step runs, as its `if` says.
enum class RunWhen { kSuccess, kAlways, kFailure, kNever };

/// One `run` step of a job, its expressions already in tame's words.
struct RunStep {
  int line = 0;
  int index = 0;       // 1-based, among the job's steps
  std::string name;    // its `name`, or ""
  std::string gh_id;   // its `id`, or ""
  std::string script;  // `run`
  std::string shell;   // the interpreter: bash, sh, python, ...
  std::vector<std::string> flags;
  std::string workdir;
  std::vector<std::pair<std::string, std::string>> env;  // shell text for each value
  RunWhen when = RunWhen::kSuccess;
  bool continue_on_error = false;
  /// Job outputs read from this step's $GITHUB_OUTPUT: (tame name, GitHub name).
  std::vector<std::pair<std::string, std::string>> outputs;
};

/// The sh script that runs `steps` one after another as a GitHub runner
/// does: each in its own shell, stopping at the first failure unless a step
/// says otherwise, with $GITHUB_ENV, $GITHUB_PATH and $GITHUB_OUTPUT
/// (name=value and name<<DELIM) working as GitHub defines them.
std::string JobScript(const std::string& job, const std::vector<RunStep>& steps);

}  // namespace importing
}  // namespace tame

#endif  // TAME_CORE_IMPORT_GITHUB_H_
