// Running a helper program (ssh-keygen, git) from a step: an argument
// vector, never a shell string, with its input given and its output kept.
#ifndef TAME_RUNNER_STEPS_COMMAND_H_
#define TAME_RUNNER_STEPS_COMMAND_H_

#include <string>
#include <vector>

namespace tame {

struct CommandResult {
  int exit_code = -1;  // -1 when it ended by a signal
  std::string out;
  std::string err;
};

/// Runs `argv` (argv[0] looked up on PATH) in `cwd` (empty: this one), with
/// `input` on its stdin and `extra_env` (NAME=value) added to the
/// environment. Returns false, with `error` set, when it could not start.
bool RunCommand(const std::vector<std::string>& argv, const std::string& input,
                CommandResult* result, std::string* error, const std::string& cwd = "",
                const std::vector<std::string>& extra_env = {});

}  // namespace tame

#endif  // TAME_RUNNER_STEPS_COMMAND_H_
