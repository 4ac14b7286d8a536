// tame approve RUN STEP --key KEY [--reject] [--comment TEXT] [--as NAME]:
// sign off (or reject) an approval step that a run is waiting on.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>

#include "core/catalog.h"
#include "core/load.h"
#include "core/params.h"
#include "core/save.h"
#include "core/sha256.h"
#include "core/step_inputs.h"
#include "core/validate.h"
#include "runner/cli.h"
#include "runner/files.h"
#include "runner/run/journal.h"
#include "runner/run/run_dir.h"
#include "runner/steps/approvals.h"

namespace tame {
namespace {

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::string StringOf(const Json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// One of the approval step's params as the waiting step sees it: its
// references to params and to earlier steps' outputs replaced by the values
// this run's journal recorded (run_started's params, step_ended's outputs).
Json ResolvedParam(const Step& step, const char* name, const JournalContents& journal,
                   std::string* error) {
  const KindSpec& kind = *FindKind("approval");
  Json value = ParamValue(step, *FindParam(kind, name));
  if (value.is_null()) return value;
  const Json& started = journal.events.front();
  const Json no_params = Json::object();
  auto found = started.find("params");
  const Json& params = found != started.end() && found->is_object() ? *found : no_params;
  auto text = [&](const Reference& ref) -> std::string {
    switch (ref.kind) {
      case RefKind::kParam:
        return params.contains(ref.name) ? ParamText(params[ref.name]) : "";
      case RefKind::kRunId:
        return StringOf(started, "run");
      case RefKind::kStepOutput: {
        std::string out;
        for (const Json& event : journal.events) {
          if (StringOf(event, "event") != "step_ended" || StringOf(event, "step") != ref.step) {
            continue;
          }
          auto outputs = event.find("outputs");
          if (outputs != event.end() && outputs->is_object() && outputs->contains(ref.name) &&
              (*outputs)[ref.name].is_string()) {
            out = (*outputs)[ref.name].get<std::string>();
          }
        }
        return out;
      }
      case RefKind::kSecret:
        return "";
    }
    return "";
  };
  auto typed = [&](const Reference& ref) -> Json {
    return params.contains(ref.name) ? params[ref.name] : Json();
  };
  Json resolved;
  std::string why;
  if (!SubstituteReferences(value, text, typed, &resolved, &why)) {
    *error = std::string("with.") + name + ": " + why;
    return Json();
  }
  return resolved;
}

}  // namespace

int CmdApprove(const Args& args) {
  const std::string& run = args.positional[0];
  const std::string& step_id = args.positional[1];
  const std::string key = args.Value("--key");
  if (key.empty()) return UsageError("approve needs --key KEY, your SSH private key");
  if (access(key.c_str(), R_OK) != 0) return UsageError("cannot read the key " + key);
  struct stat key_stat;
  if (stat(key.c_str(), &key_stat) != 0 || !S_ISREG(key_stat.st_mode)) {
    return UsageError("the key " + key + " is not a regular file");
  }

  char cwd[4096];
  RunFolder folder;
  std::string error;
  if (getcwd(cwd, sizeof(cwd)) == nullptr || !FindRun(cwd, run, &folder, &error)) {
    return UsageError(error.empty() ? "cannot find the current folder" : error);
  }
  const std::string& run_dir = folder.dir;
  JournalContents journal;
  if (!ReadJournal(run_dir + "/journal.jsonl", &journal, &error)) {
    return UsageError(folder.display + "/" + error);
  }
  const Json& started = journal.events.front();
  if (!CheckRunStarted(folder, started, /*resume=*/false, &error)) return UsageError(error);
  const std::string run_id = StringOf(started, "run");
  const std::string hash = StringOf(started, "hash");
  const std::string file = StringOf(started, "file");
  const std::string workspace = StringOf(started, "workspace");
  for (const Json& event : journal.events) {
    if (StringOf(event, "event") == "step_ended" && StringOf(event, "step") == step_id) {
      return UsageError("step \"" + step_id + "\" of run " + run_id + " has ended (" +
                        StringOf(event, "status") + "); there is nothing to sign off");
    }
  }

  std::string text;
  if (!ReadFile(file, LoadOptions().limits.max_bytes, &text, &error)) {
    return UsageError(file + ": " + error);
  }
  LoadResult loaded = LoadPipeline(text);
  if (!loaded.pipeline) return UsageError(file + ": the run's pipeline file no longer loads");
  const Pipeline& pipeline = *loaded.pipeline;
  if (Sha256Hex(SavePipeline(pipeline)) != hash) {
    std::cerr << "tame: warning: " << file << " changed since run " << run_id
              << " started; the sign-off names the pipeline the run started with\n";
  }
  int index = pipeline.FindStep(step_id);
  if (index < 0) return UsageError("run " + run_id + " has no step \"" + step_id + "\"");
  const Step& step = pipeline.steps[index];
  if (step.uses != "approval") {
    return UsageError("step \"" + step_id + "\" is a " + step.uses + " step, not an approval");
  }
  Json allowed_param = ResolvedParam(step, "allowed_signers", journal, &error);
  if (!error.empty()) return UsageError(file + ": step \"" + step_id + "\": " + error);
  std::string allowed = allowed_param.is_string() ? allowed_param.get<std::string>() : "";
  if (allowed.empty() || allowed[0] != '/') allowed = workspace + "/" + allowed;
  // Once the step waits, the file it read when it started decides, not
  // the file as it is now.
  const std::string dir = ApprovalsDir(run_dir, step_id);
  SignersSnapshot signers;
  struct stat st;
  const std::string step_copy = dir + "/allowed_signers";
  if (!signers.Take(lstat(step_copy.c_str(), &st) == 0 ? step_copy : allowed, &error)) {
    return UsageError(error);
  }

  std::string signer = args.Value("--as");
  std::vector<std::string> principals = PrincipalsOfKey(key, signers.copy(), &error);
  if (principals.empty()) {
    size_t at = error.find(signers.copy());
    if (at != std::string::npos) error.replace(at, signers.copy().size(), allowed);
    return UsageError(key + ": " + error);
  }
  if (signer.empty()) {
    if (principals.size() > 1) {
      return UsageError("the key signs for " + Join(principals) + "; choose one with --as NAME");
    }
    signer = principals[0];
  } else if (std::find(principals.begin(), principals.end(), signer) == principals.end()) {
    return UsageError("the key does not sign for \"" + signer + "\" in " + allowed +
                      " (it signs for " + Join(principals) + ")");
  }

  ApprovalStatement statement;
  statement.pipeline = hash;
  statement.run = run_id;
  statement.step = step_id;
  statement.approve = !args.Has("--reject");
  statement.signer = signer;
  statement.time = NowRfc3339();
  statement.comment = args.Value("--comment");
  std::string path = StoreSignedStatement(dir, statement, key, &error);
  if (path.empty()) return UsageError(error);
  std::cout << signer << (statement.approve ? " approved" : " rejected") << " step \"" << step_id
            << "\" of run " << run_id << "\n";

  // Tell the signer where the sign-off stands, as the waiting step sees it.
  ApprovalSpec spec;
  spec.pipeline = hash;
  spec.run = run_id;
  spec.step = step_id;
  Json exclude = ResolvedParam(step, "exclude_initiator", journal, &error);
  spec.exclude_initiator = exclude.is_boolean() && exclude.get<bool>();
  InitiatorProof proof;
  if (spec.exclude_initiator &&
      VerifyRunStart(run_dir, hash, run_id, signers.copy(), &proof, &error)) {
    spec.initiator_key = proof.key_fingerprint;
    spec.initiator_principals = proof.principals;
  }
  Json required = ResolvedParam(step, "required", journal, &error);
  spec.required = required.is_number_integer() ? static_cast<int>(required.get<int64_t>()) : 1;
  for (const Json& a : ResolvedParam(step, "approvers", journal, &error)) {
    if (a.is_string()) spec.approvers.push_back(a.get<std::string>());
  }
  std::vector<std::string> unreadable;
  StatementCache cache;
  ApprovalTally tally =
      TallyApprovals(spec, ReadStatements(dir, signers.copy(), &unreadable, &cache));
  for (const std::string& r : tally.refused) {
    if (r.rfind(path.substr(dir.size() + 1), 0) == 0) std::cerr << "tame: refused " << r << "\n";
  }
  if (tally.state == ApprovalTally::State::kApproved) {
    std::cout << "signed off by " << Join(tally.approved_by) << ": the step goes on\n";
  } else if (tally.state == ApprovalTally::State::kRejected) {
    std::cout << "rejected by " << tally.rejected_by << ": the step fails\n";
  } else {
    std::cout << tally.approved_by.size() << " of " << spec.required << " approvals so far"
              << (tally.approved_by.empty() ? "" : " (" + Join(tally.approved_by) + ")") << "\n";
  }
  return kExitOk;
}

}  // namespace tame
