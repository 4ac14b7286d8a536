// Running the real `git` for git.checkout and git.tag: argument vectors,
// never a shell string, each command and its output in the step's log.
//
// A token (from a secret reference) reaches git only through GIT_ASKPASS:
// a small helper script, in a private temporary folder and removed when the
// step ends, prints the token from an environment variable that only git's
// processes get. So it is never on a command line, in the log, in the run
// folder or in the clone's config; credential helpers are switched off for
// these commands, so none stores it either.
#ifndef TAME_RUNNER_STEPS_GIT_RUN_H_
#define TAME_RUNNER_STEPS_GIT_RUN_H_

#include <string>
#include <vector>

namespace tame {

struct GitResult {
  int exit_code = -1;  // -1: git could not be started or was killed
  std::string out;
  std::string err;
};

class Git {
 public:
  /// `token` empty: git runs without credentials (still never prompting).
  /// `prefix` starts each log line ("git.checkout").
  Git(const std::string& token, const std::string& prefix);
  ~Git();
  Git(const Git&) = delete;
  Git& operator=(const Git&) = delete;

  /// False when the askpass helper could not be written (see error()).
  bool ready() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  /// Runs `git ARGS` in `cwd`, printing "$ git ARGS" and then its output
  /// unless `quiet`. `env` adds NAME=value variables.
  GitResult Run(const std::vector<std::string>& args, const std::string& cwd, bool quiet = false,
                const std::vector<std::string>& env = {}) const;

  /// `git ARGS` with its first output line, or "" when it fails.
  std::string Line(const std::vector<std::string>& args, const std::string& cwd) const;

 private:
  std::string prefix_;
  std::string dir_;  // holds the askpass helper; empty without a token
  std::vector<std::string> env_;
  std::string error_;
};

}  // namespace tame

#endif  // TAME_RUNNER_STEPS_GIT_RUN_H_
