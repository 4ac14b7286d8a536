// git.tag: an annotated tag at the commit checked out in `path`, pushed to
// `remote` when asked. Running it again after a failed push is safe: a tag
// that already names the checked-out commit is kept, one that names
// another commit is an error, never moved.
#include <iostream>

#include "runner/steps/git_run.h"
#include "runner/steps/kinds.h"

namespace tame {
namespace {

constexpr char kPrefix[] = "git.tag";

}  // namespace

int RunGitTag(const StepContext& context) {
  const std::string dir = context.InWorkspace(context.String("path"));
  const std::string tag = context.String("tag");
  std::string message = context.String("message");
  if (message.empty()) message = tag;
  std::string remote = context.String("remote");
  if (remote.empty()) remote = "origin";

  Git git(context.String("token"), kPrefix);
  if (!git.ready()) {
    std::cout << kPrefix << ": " << git.error() << "\n";
    return kStepFailed;
  }
  if (tag.empty() || tag[0] == '-' ||
      git.Run({"check-ref-format", "refs/tags/" + tag}, "", true).exit_code != 0) {
    std::cout << kPrefix << ": \"" << tag << "\" is not a valid tag name\n";
    return kStepFailedFinal;
  }
  if (remote[0] == '-') {
    std::cout << kPrefix << ": \"" << remote << "\" is not a remote\n";
    return kStepFailedFinal;
  }
  const std::string head = git.Line({"rev-parse", "--verify", "-q", "HEAD^{commit}"}, dir);
  if (head.empty()) {
    std::cout << kPrefix << ": " << dir << " is not a git clone with a commit checked out\n";
    return kStepFailedFinal;
  }
  const std::string existing =
      git.Line({"rev-parse", "--verify", "-q", "refs/tags/" + tag + "^{commit}"}, dir);
  if (existing == head) {
    std::cout << kPrefix << ": " << tag << " already names " << head << "; kept\n";
  } else if (!existing.empty()) {
    std::cout << kPrefix << ": the tag " << tag << " already names " << existing
              << ", not the checked-out commit " << head << "\n";
    return kStepFailedFinal;
  } else {
    // An annotated tag needs a tagger; a build host often has no identity.
    std::vector<std::string> env;
    if (git.Line({"config", "user.name"}, dir).empty() ||
        git.Line({"config", "user.email"}, dir).empty()) {
      env = {"GIT_COMMITTER_NAME=tame", "GIT_COMMITTER_EMAIL=tame@localhost"};
      std::cout << kPrefix << ": git has no user.name and user.email here; tagging as tame\n";
    }
    if (git.Run({"tag", "-a", "-m", message, "--", tag, head}, dir, false, env).exit_code != 0) {
      std::cout << kPrefix << ": cannot create the tag " << tag << "\n";
      return kStepFailed;
    }
    std::cout << kPrefix << ": tagged " << head << " as " << tag << "\n";
  }

  if (context.Boolean("push", false)) {
    GitResult pushed =
        git.Run({"push", "--", remote, "refs/tags/" + tag + ":refs/tags/" + tag}, dir);
    if (pushed.exit_code != 0) {
      bool exists = pushed.err.find("already exists") != std::string::npos ||
                    pushed.err.find("[rejected]") != std::string::npos;
      std::cout << kPrefix << ": "
                << (exists ? "the remote " + remote + " already has a different tag " + tag
                           : "cannot push " + tag + " to " + remote)
                << "\n";
      return exists ? kStepFailedFinal : kStepFailed;
    }
    std::cout << kPrefix << ": pushed " << tag << " to " << remote << "\n";
  }
  context.Output("tag", tag);
  return kStepSucceeded;
}

}  // namespace tame
