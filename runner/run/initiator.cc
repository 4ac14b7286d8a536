#include "runner/run/initiator.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "core/catalog.h"
#include "core/validate.h"
#include "runner/steps/approvals.h"

namespace tame {
namespace {

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// With the initiator's names out, enough approvers must be left.
bool CanStillPass(const Step& step, const KindSpec& kind, const std::vector<std::string>& initiator,
                  std::string* error) {
  Json approvers = ParamValue(step, *FindParam(kind, "approvers"));
  Json required = ParamValue(step, *FindParam(kind, "required"));
  if (!approvers.is_array() || !required.is_number_integer()) return true;
  std::set<std::string> left;
  std::vector<std::string> all;
  for (const Json& a : approvers) {
    if (!a.is_string()) continue;
    all.push_back(a.get<std::string>());
    if (std::find(initiator.begin(), initiator.end(), all.back()) == initiator.end()) {
      left.insert(all.back());
    }
  }
  if (static_cast<int64_t>(left.size()) >= required.get<int64_t>()) return true;
  *error = "step " + Quote(step.id) + " needs " + std::to_string(required.get<int64_t>()) + " of " +
           Join(all) + ", and " + Join(initiator) +
           " may not approve a run they start: it could never pass; let someone else start it";
  return false;
}

}  // namespace

std::vector<int> StepsExcludingInitiator(const Pipeline& pipeline,
                                         const std::vector<bool>& not_selected) {
  std::vector<int> steps;
  const KindSpec* kind = FindKind("approval");
  if (kind == nullptr) return steps;
  for (size_t i = 0; i < pipeline.steps.size(); ++i) {
    const Step& step = pipeline.steps[i];
    if (step.uses != "approval") continue;
    if (i < not_selected.size() && not_selected[i]) continue;
    Json exclude = ParamValue(step, *FindParam(*kind, "exclude_initiator"));
    if (exclude == Json(true) || exclude.is_string()) steps.push_back(static_cast<int>(i));
  }
  return steps;
}

bool CheckInitiatorKey(const Pipeline& pipeline, const std::string& workspace,
                       const std::string& key, std::string* error,
                       const std::vector<bool>& not_selected) {
  std::vector<int> steps = StepsExcludingInitiator(pipeline, not_selected);
  if (steps.empty()) return true;
  const std::string& first = pipeline.steps[steps[0]].id;
  if (key.empty()) {
    *error = "step " + Quote(first) +
             " refuses a sign-off by whoever started the run (exclude_initiator), so the run "
             "needs proof of who starts it: start it with --key KEY, your SSH private key, "
             "listed in the step's allowed_signers";
    return false;
  }
  struct stat st;
  if (access(key.c_str(), R_OK) != 0 || stat(key.c_str(), &st) != 0) {
    *error = "cannot read the key " + key;
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    *error = "the key " + key + " is not a regular file";
    return false;
  }
  const KindSpec& kind = *FindKind("approval");
  for (int i : steps) {
    const Step& step = pipeline.steps[i];
    Json allowed = ParamValue(step, *FindParam(kind, "allowed_signers"));
    if (!allowed.is_string()) continue;
    std::string path = allowed.get<std::string>();
    if (path.find("${{") != std::string::npos) continue;  // known when the step runs
    if (path.empty() || path[0] != '/') path = workspace + "/" + path;
    SignersSnapshot signers;
    if (!signers.Take(path, error)) {
      *error = "step " + Quote(step.id) + ": " + *error;
      return false;
    }
    std::string why;
    std::vector<std::string> names = PrincipalsOfKey(key, signers.copy(), &why);
    if (names.empty()) {
      size_t at = why.find(signers.copy());
      if (at != std::string::npos) why.replace(at, signers.copy().size(), path);
      *error = "step " + Quote(step.id) + " excludes the run's initiator, who must be one of its " +
               "allowed signers: " + key + ": " + why;
      return false;
    }
    if (!CanStillPass(step, kind, names, error)) return false;
  }
  return true;
}

bool CheckRunStartKept(const Pipeline& pipeline, const std::string& run_dir, std::string* error,
                       const std::vector<bool>& not_selected) {
  std::vector<int> steps = StepsExcludingInitiator(pipeline, not_selected);
  if (steps.empty()) return true;
  struct stat st;
  if (lstat((run_dir + "/initiator.statement").c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
    return true;
  }
  *error = "step " + Quote(pipeline.steps[steps[0]].id) +
           " refuses a sign-off by whoever started the run (exclude_initiator), and this run "
           "was not started with --key KEY: start a new run with 'tame run --key KEY'";
  return false;
}

}  // namespace tame
