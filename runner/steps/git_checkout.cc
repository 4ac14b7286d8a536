// git.checkout: makes `path` a clone of `repo` at `ref`, fetching only what
// is missing when it already is one.
//
// The same steps serve a first clone and a later fetch: `git init` when
// the folder holds no clone, origin set to `repo`, `git fetch origin REF`
// (with --depth when asked), then a detached, forced checkout of what was
// fetched. REF may name a branch, a tag or a full commit id; an abbreviated
// commit id cannot be fetched on its own, so for one every branch and tag
// is fetched (whole history) and the id resolved locally. Files the clone
// does not track are left alone.
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cstring>
#include <iostream>

#include "core/validate.h"
#include "runner/steps/docker_context.h"
#include "runner/steps/git_run.h"
#include "runner/steps/kinds.h"

namespace tame {
namespace {

constexpr char kPrefix[] = "git.checkout";

bool IsHex(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
}

bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

// Whether `path` is a folder with nothing in it.
bool IsEmptyFolder(const std::string& path) {
  DIR* d = opendir(path.c_str());
  if (d == nullptr) return false;
  bool empty = true;
  while (dirent* e = readdir(d)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) {
      empty = false;
      break;
    }
  }
  closedir(d);
  return empty;
}

// "https://host/team/iris.git/" -> "iris"; "host:team/iris" -> "iris".
std::string RepositoryName(std::string repo) {
  while (!repo.empty() && repo.back() == '/') repo.pop_back();
  if (repo.size() > 5 && repo.compare(repo.size() - 5, 5, "/.git") == 0) {
    repo.resize(repo.size() - 5);
  }
  size_t cut = repo.find_last_of("/:");
  std::string name = cut == std::string::npos ? repo : repo.substr(cut + 1);
  if (name.size() > 4 && name.compare(name.size() - 4, 4, ".git") == 0) {
    name.resize(name.size() - 4);
  }
  return name.empty() || name == "." || name == ".." ? "repo" : name;
}

// A local path given relative to the workspace; git runs in the clone.
std::string RepositoryLocation(const StepContext& context, const std::string& repo) {
  if (repo.find("://") != std::string::npos) return repo;
  size_t colon = repo.find(':');
  size_t slash = repo.find('/');
  bool scp_like = colon != std::string::npos && (slash == std::string::npos || colon < slash);
  return scp_like ? repo : CleanPath(context.InWorkspace(repo));
}

std::string RealPath(const std::string& path) {
  char* real = realpath(path.c_str(), nullptr);
  std::string out = real == nullptr ? CleanPath(path) : real;
  std::free(real);
  return out;
}

bool MissingRef(const GitResult& r) {
  return r.err.find("couldn't find remote ref") != std::string::npos ||
         r.err.find("not our ref") != std::string::npos ||
         r.err.find("unadvertised object") != std::string::npos;
}

// Turns `dir` into a clone whose origin is `repo`. Returns a step status.
int Prepare(const Git& git, const std::string& dir, const std::string& repo) {
  if (Exists(dir + "/.git")) {
    std::string url = git.Line({"remote", "get-url", "origin"}, dir);
    if (url.empty()) {
      if (git.Run({"remote", "add", "origin", repo}, dir).exit_code != 0) return kStepFailed;
    } else if (url != repo) {
      std::cout << kPrefix << ": origin was " << url << "; it is now " << repo << "\n";
      if (git.Run({"remote", "set-url", "origin", repo}, dir).exit_code != 0) return kStepFailed;
    }
    return kStepSucceeded;
  }
  if (Exists(dir) && !IsEmptyFolder(dir)) {
    std::cout << kPrefix << ": " << dir << " exists and is not a git clone; empty it or check "
              << "out into another path\n";
    return kStepFailedFinal;
  }
  if (git.Run({"init", "-q", dir}, "").exit_code != 0) return kStepFailed;
  if (git.Run({"remote", "add", "origin", repo}, dir).exit_code != 0) return kStepFailed;
  return kStepSucceeded;
}

// Fetches `ref` (the remote's HEAD when empty) into the clone in `dir` and
// sets `target` to what to check out. Returns a step status.
int Fetch(const Git& git, const std::string& dir, const std::string& repo, const std::string& ref,
          int64_t depth, std::string* target) {
  std::vector<std::string> fetch = {"fetch", "--force"};
  if (depth > 0) {
    fetch.insert(fetch.end(), {"--depth", std::to_string(depth)});
  } else if (Exists(dir + "/.git/shallow")) {
    fetch.push_back("--unshallow");
  }
  fetch.insert(fetch.end(), {"origin", ref.empty() ? "HEAD" : ref});
  GitResult fetched = git.Run(fetch, dir);
  *target = "FETCH_HEAD";
  if (fetched.exit_code == 0) return kStepSucceeded;
  if (!MissingRef(fetched)) {
    std::cout << kPrefix << ": cannot fetch from " << repo << "\n";
    return kStepFailed;
  }
  const std::string missing =
      std::string(kPrefix) + ": " + repo + " has no branch, tag or commit \"" + ref + "\"\n";
  if (!IsHex(ref) || ref.size() < 4) {
    std::cout << missing;
    return kStepFailedFinal;
  }
  // An abbreviated (or unadvertised) commit id: fetch every branch and
  // tag, then look for it.
  std::cout << kPrefix << ": \"" << ref << "\" is no branch or tag; looking for a commit with "
            << "that id in the whole history\n";
  std::vector<std::string> all = {"fetch", "--force"};
  if (Exists(dir + "/.git/shallow")) all.push_back("--unshallow");
  all.insert(all.end(),
             {"origin", "+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"});
  if (git.Run(all, dir).exit_code != 0) {
    std::cout << kPrefix << ": cannot fetch from " << repo << "\n";
    return kStepFailed;
  }
  *target = git.Line({"rev-parse", "--verify", "-q", ref + "^{commit}"}, dir);
  if (target->empty()) {
    std::cout << missing;
    return kStepFailedFinal;
  }
  if (depth > 0) {
    std::cout << kPrefix << ": an abbreviated commit id cannot be fetched alone, so the "
              << "whole history was fetched; give the full id for a shallow checkout\n";
  }
  return kStepSucceeded;
}

}  // namespace

int RunGitCheckout(const StepContext& context) {
  const std::string repo_param = context.String("repo");
  const std::string ref = context.String("ref");
  const int64_t depth = context.Integer("depth", 0);
  if (repo_param.empty() || repo_param[0] == '-') {
    std::cout << kPrefix << ": repo must be a URL or a path, not \"" << repo_param << "\"\n";
    return kStepFailedFinal;
  }
  if (!ref.empty() && ref[0] == '-') {
    std::cout << kPrefix << ": ref \"" << ref << "\" is not a branch, tag or commit\n";
    return kStepFailedFinal;
  }
  if (UrlHasCredentials(repo_param)) {
    // Refused rather than stripped: git would store them in .git/config.
    std::cout << kPrefix << ": repo " << UrlWithoutCredentials(repo_param)
              << " holds credentials, which would be stored in the clone's .git/config; give "
                 "the URL without them and the token in the \"token\" param\n";
    return kStepFailedFinal;
  }
  const std::string repo = RepositoryLocation(context, repo_param);
  std::string path = context.String("path");
  if (PathLeavesFolder(path)) {
    std::cout << kPrefix << ": path \"" << path
              << "\" must stay inside the workspace: give a relative path without \"..\"\n";
    return kStepFailedFinal;
  }
  if (path.empty()) path = RepositoryName(repo_param);
  const std::string dir = CleanPath(context.InWorkspace(path));
  const std::string workspace = RealPath(context.workspace);
  const std::string real_dir = RealPath(dir);
  if (workspace == real_dir || (workspace + "/").rfind(real_dir + "/", 0) == 0) {
    std::cout << kPrefix << ": path \"" << path << "\" is the workspace or holds it; check out "
              << "into a folder of its own\n";
    return kStepFailedFinal;
  }

  Git git(context.String("token"), kPrefix);
  if (!git.ready()) {
    std::cout << kPrefix << ": " << git.error() << "\n";
    return kStepFailed;
  }
  int prepared = Prepare(git, dir, repo);
  if (prepared != kStepSucceeded) return prepared;

  std::string target;
  int fetched = Fetch(git, dir, repo_param, ref, depth, &target);
  if (fetched != kStepSucceeded) return fetched;
  if (git.Run({"checkout", "-q", "--force", "--detach", target}, dir).exit_code != 0) {
    std::cout << kPrefix << ": cannot check out " << (ref.empty() ? "the default branch" : ref)
              << "\n";
    return kStepFailed;
  }
  std::string sha = git.Line({"rev-parse", "HEAD"}, dir);
  if (sha.empty()) {
    std::cout << kPrefix << ": the checkout has no commit\n";
    return kStepFailed;
  }
  context.Output("sha", sha);
  context.Output("path", dir);
  std::cout << kPrefix << ": " << repo_param << " at " << (ref.empty() ? "its default branch" : ref)
            << " is " << sha << ", in " << dir
            << (depth > 0 ? " (shallow, depth " + std::to_string(depth) + ")" : "") << "\n";
  return kStepSucceeded;
}

}  // namespace tame
