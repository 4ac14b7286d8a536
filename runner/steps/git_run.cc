#include "runner/steps/git_run.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "runner/steps/command.h"

namespace tame {
namespace {

// Git asks "Username for 'https://host': " and then "Password for ...".
// The user name is the one in the URL when it has one (git does not ask
// then); tokens of GitHub, GitLab and Gitea all accept this one.
constexpr char kAskpass[] =
    "#!/bin/sh\n"
    "# tame's GIT_ASKPASS helper: the token comes from the environment.\n"
    "case \"$1\" in\n"
    "  [Uu]sername*) printf '%s\\n' \"${TAME_GIT_USERNAME:-x-access-token}\" ;;\n"
    "  *) printf '%s\\n' \"$TAME_GIT_TOKEN\" ;;\n"
    "esac\n";

void PrintIndented(const std::string& text) {
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(start, nl - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    // Progress lines redraw themselves with '\r': keep the last state.
    size_t cr = line.rfind('\r');
    if (cr != std::string::npos) line = line.substr(cr + 1);
    if (!line.empty()) std::cout << "  " << line << "\n";
    start = nl + 1;
  }
}

}  // namespace

Git::Git(const std::string& token, const std::string& prefix) : prefix_(prefix) {
  // The step's params (a token among them) are not for git's processes.
  // Variables added to a child's environment come after the inherited
  // ones, and the first of a name wins: inherited ones are taken out.
  unsetenv("TAME_PARAMS");
  unsetenv("GIT_TERMINAL_PROMPT");
  env_ = {"GIT_TERMINAL_PROMPT=0"};
  if (token.empty()) return;
  unsetenv("GIT_ASKPASS");
  unsetenv("TAME_GIT_TOKEN");
  const char* tmp = std::getenv("TMPDIR");
  std::string dir =
      std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/tame-askpass-XXXXXX";
  if (mkdtemp(&dir[0]) == nullptr) {
    error_ = "cannot make a folder for the askpass helper: " + std::string(std::strerror(errno));
    return;
  }
  dir_ = dir;
  std::string helper = dir_ + "/askpass";
  int fd = open(helper.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
  bool ok = fd >= 0 &&
            write(fd, kAskpass, sizeof kAskpass - 1) == static_cast<ssize_t>(sizeof kAskpass - 1);
  if (fd >= 0 && close(fd) != 0) ok = false;
  if (!ok) {
    error_ = "cannot write the askpass helper: " + std::string(std::strerror(errno));
    return;
  }
  env_.push_back("GIT_ASKPASS=" + helper);
  env_.push_back("TAME_GIT_TOKEN=" + token);
}

Git::~Git() {
  if (dir_.empty()) return;
  unlink((dir_ + "/askpass").c_str());
  rmdir(dir_.c_str());
}

GitResult Git::Run(const std::vector<std::string>& args, const std::string& cwd, bool quiet,
                   const std::vector<std::string>& env) const {
  // An empty credential.helper list: no helper is asked, none stores.
  std::vector<std::string> argv = {"git", "-c", "credential.helper="};
  argv.insert(argv.end(), args.begin(), args.end());
  if (!quiet) {
    std::string shown = "$ git";
    for (const std::string& a : args) {
      shown += " ";
      shown += a.find_first_of(" \t'\"") == std::string::npos ? a : "'" + a + "'";
    }
    std::cout << prefix_ << ": " << shown << "\n";
  }
  std::vector<std::string> all_env = env_;
  all_env.insert(all_env.end(), env.begin(), env.end());
  CommandResult result;
  std::string error;
  GitResult out;
  if (!RunCommand(argv, "", &result, &error, cwd, all_env)) {
    out.err = error;
    if (!quiet) std::cout << prefix_ << ": " << error << "\n";
    return out;
  }
  out.exit_code = result.exit_code;
  out.out = std::move(result.out);
  out.err = std::move(result.err);
  if (!quiet) {
    PrintIndented(out.out);
    PrintIndented(out.err);
  }
  return out;
}

std::string Git::Line(const std::vector<std::string>& args, const std::string& cwd) const {
  GitResult r = Run(args, cwd, /*quiet=*/true);
  if (r.exit_code != 0) return "";
  return r.out.substr(0, r.out.find('\n'));
}

}  // namespace tame
