// approval: wait until enough of the named approvers have signed off with
// their SSH keys (`tame approve`), one of them rejects, or the time is up.
#include "core/approval.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <set>
#include <thread>

#include "core/duration.h"
#include "runner/files.h"
#include "runner/run/util.h"
#include "runner/steps/approvals.h"
#include "runner/steps/kinds.h"
#include "runner/steps/webhook.h"

namespace tame {
namespace {

constexpr int kPollMs = 300;

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::string EnvOr(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

// Hands the session who decided what, when, and what was refused: the
// trail for the run's report, and audit.json, which the session writes into
// the step's approvals folder through the masker (a comment may quote a
// secret).
void WriteAudit(const StepContext& context, const ApprovalSpec& spec,
                const SignersSnapshot& signers, const ApprovalTally& tally,
                const std::vector<SignedStatement>& statements,
                const std::vector<std::string>& unreadable) {
  Json trail = Json::array();
  for (size_t i = 0; i < statements.size() && i < tally.verdicts.size(); ++i) {
    const ApprovalStatement& s = statements[i].statement;
    const StatementVerdict& v = tally.verdicts[i];
    Json entry{{"who", s.signer},
               {"at", s.time},
               {"decision", s.approve ? "approve" : "reject"},
               {"comment", s.comment},
               {"accepted", v.accepted},
               {"allowed_signers_sha256", signers.sha256()}};
    if (!statements[i].key_fingerprint.empty()) {
      entry["key_fingerprint"] = statements[i].key_fingerprint;
    }
    if (!v.accepted) {
      entry["reason"] = v.reason;
      entry["message"] = v.message;
    }
    trail.push_back(std::move(entry));
  }
  Json signatures = Json::array();
  for (const SignedStatement& s : statements) {
    signatures.push_back(Json{{"file", s.file},
                              {"signer", s.statement.signer},
                              {"decision", s.statement.approve ? "approve" : "reject"},
                              {"time", s.statement.time},
                              {"comment", s.statement.comment},
                              {"verified", s.verified},
                              {"key_fingerprint", s.key_fingerprint}});
  }
  Json refused = tally.refused;
  for (const std::string& u : unreadable) refused.push_back(u);
  const char* state = tally.state == ApprovalTally::State::kApproved   ? "approved"
                      : tally.state == ApprovalTally::State::kRejected ? "rejected"
                                                                       : "pending";
  Json audit{{"state", state},
             {"allowed_signers_sha256", signers.sha256()},
             {"approved_by", tally.approved_by},
             {"rejected_by", tally.rejected_by},
             {"signatures", signatures},
             {"refused", refused}};
  if (spec.exclude_initiator) {
    audit["initiator"] =
        Json{{"key_fingerprint", spec.initiator_key}, {"names", spec.initiator_principals}};
  }
  context.Details(Json{{"approvals", trail}, {"audit", audit}});
}

}  // namespace

int RunApproval(const StepContext& context) {
  ApprovalSpec spec;
  spec.pipeline = EnvOr("TAME_PIPELINE_HASH", "");
  spec.run = context.run_id;
  spec.step = context.step;
  spec.required = static_cast<int>(context.Integer("required", 1));
  spec.exclude_initiator = context.Boolean("exclude_initiator", false);
  for (const Json& a : context.params["approvers"]) {
    if (a.is_string()) spec.approvers.push_back(a.get<std::string>());
  }
  if (spec.pipeline.empty() || spec.run.empty() || context.run_dir.empty()) {
    std::cout << "approval: needs TAME_PIPELINE_HASH, TAME_RUN_ID and TAME_RUN_DIR; an approval "
                 "step runs only inside 'tame run'\n";
    return kStepFailedFinal;
  }
  if (spec.required > static_cast<int>(spec.approvers.size())) {
    std::cout << "approval: " << spec.required << " approvals are required but only "
              << spec.approvers.size() << " people may approve\n";
    return kStepFailedFinal;
  }
  // allowed_signers is read once, now: editing it while the step waits
  // changes nothing, and the trail records which file decided.
  const std::string allowed_path = context.InWorkspace(context.String("allowed_signers"));
  SignersSnapshot signers;
  std::string error;
  if (!signers.Take(allowed_path, &error)) {
    std::cout << "approval: " << error << "\n";
    return kStepFailedFinal;
  }
  const std::string& allowed = signers.copy();
  const std::string dir = ApprovalsDir(context.run_dir, context.step);
  if (spec.exclude_initiator) {
    InitiatorProof proof;
    if (!VerifyRunStart(context.run_dir, spec.pipeline, spec.run, allowed, &proof, &error)) {
      std::cout << "approval: exclude_initiator needs a run started with tame run --key KEY, "
                   "signed by a key in "
                << allowed_path << ": " << error << "\n";
      return kStepFailedFinal;
    }
    spec.initiator_key = proof.key_fingerprint;
    spec.initiator_principals = proof.principals;
  }
  // A copy for `tame approve`, to find the names a key signs for; the
  // step itself checks signatures against its private copy only.
  if (MakeDirs(dir, &error)) WriteFileAtomic(dir + "/allowed_signers", signers.text(), &error);
  std::cout << "allowed signers: " << allowed_path << " (sha256 " << signers.sha256() << ")\n";
  if (spec.exclude_initiator) {
    std::cout << "started by " << Join(spec.initiator_principals) << " (key " << spec.initiator_key
              << "), who may not approve\n";
  }
  const int64_t timeout_ms = context.DurationMs("timeout", 24LL * 3600 * 1000);
  std::cout << "waiting for " << spec.required << " of " << Join(spec.approvers)
            << " to sign off within " << FormatDuration(timeout_ms) << "\n"
            << "  approve: tame approve " << spec.run << " " << spec.step << " --key KEY\n"
            << "  reject:  tame approve " << spec.run << " " << spec.step
            << " --key KEY --reject --comment WHY\n";

  const std::string webhook = context.String("notify");
  if (!webhook.empty()) {
    std::string text = "run " + spec.run + " waits for " + std::to_string(spec.required) + " of " +
                       Join(spec.approvers) + " to sign off step \"" + spec.step +
                       "\": tame approve " + spec.run + " " + spec.step + " --key KEY";
    if (!PostJson(webhook, WebhookMessage(text, spec.step), WebhookOptions(), &error)) {
      std::cout << "warning: the approvers were not notified: " << error << "\n";
    }
  }

  context.Details(Json{{"approvals", Json::array()}});
  auto start = std::chrono::steady_clock::now();
  std::set<std::string> reported;
  StatementCache cache;
  size_t seen_files = 0;
  size_t counted = 0;
  for (;;) {
    std::vector<std::string> unreadable;
    std::vector<SignedStatement> statements = ReadStatements(dir, allowed, &unreadable, &cache);
    ApprovalTally tally = TallyApprovals(spec, statements);
    for (const std::string& r : tally.refused) {
      if (reported.insert(r).second) std::cout << "refused " << r << "\n";
    }
    for (const std::string& u : unreadable) {
      if (reported.insert(u).second) std::cout << "refused " << u << ": not a statement\n";
    }
    if (tally.approved_by.size() > counted) {
      counted = tally.approved_by.size();
      std::cout << "approved by " << Join(tally.approved_by) << " (" << counted << " of "
                << spec.required << ")\n";
    }
    if (statements.size() + unreadable.size() != seen_files) {
      seen_files = statements.size() + unreadable.size();
      WriteAudit(context, spec, signers, tally, statements, unreadable);
    }
    if (tally.state == ApprovalTally::State::kApproved) {
      WriteAudit(context, spec, signers, tally, statements, unreadable);
      context.Output("approved_by", Join(tally.approved_by));
      std::cout << "signed off by " << Join(tally.approved_by) << "\n";
      return kStepSucceeded;
    }
    if (tally.state == ApprovalTally::State::kRejected) {
      WriteAudit(context, spec, signers, tally, statements, unreadable);
      std::string comment;
      for (const SignedStatement& s : statements) {
        if (!s.statement.approve && s.statement.signer == tally.rejected_by) {
          comment = s.statement.comment;
        }
      }
      std::cout << "rejected by " << tally.rejected_by << (comment.empty() ? "" : ": " + comment)
                << "\n";
      return kStepFailedFinal;
    }
    auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
    if (waited >= timeout_ms) {
      WriteAudit(context, spec, signers, tally, statements, unreadable);
      std::cout << "no decision within " << FormatDuration(timeout_ms) << ": "
                << tally.approved_by.size() << " of " << spec.required << " approvals"
                << (tally.approved_by.empty() ? "" : " (" + Join(tally.approved_by) + ")") << "\n";
      return kStepFailedFinal;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
  }
}

}  // namespace tame
