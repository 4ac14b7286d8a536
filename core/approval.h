// Sign-off by several people: the statement an approver signs, and the
// tally that decides whether an approval step may go on.
//
// A statement names the pipeline (by the SHA-256 of its canonical text), the
// run, the step and the decision, so a signature cannot be replayed on
// another run, step or pipeline. Approvers sign it with `ssh-keygen -Y sign`
// in the namespace kApprovalNamespace; the runner checks each signature with
// `ssh-keygen -Y verify` against the step's allowed_signers file and hands
// the tally only statements whose signature held for their signer.
#ifndef TAME_CORE_APPROVAL_H_
#define TAME_CORE_APPROVAL_H_

#include <string>
#include <string_view>
#include <vector>

namespace tame {

/// The SSH signature namespace of sign-offs, so that a signature made for
/// git or anything else never counts here.
constexpr char kApprovalNamespace[] = "tame-approval";

struct ApprovalStatement {
  std::string pipeline;  // sha256 of the pipeline's canonical text, hex
  std::string run;       // run id
  std::string step;      // step id
  bool approve = true;   // false: a rejection
  std::string signer;    // the approver's name, as in allowed_signers
  std::string time;      // when it was made, RFC 3339 UTC
  std::string comment;   // one line; may be empty
};

/// The statement as signed text: "tame-approval 1" then one "key: value"
/// line each, in a fixed order.
std::string StatementText(const ApprovalStatement& statement);

/// Parses StatementText's output strictly. Returns false with `error` for
/// anything else (unknown or missing lines, a bad decision, extra text).
bool ParseStatement(std::string_view text, ApprovalStatement* out, std::string* error);

/// What an approval step waits for.
struct ApprovalSpec {
  std::string pipeline;
  std::string run;
  std::string step;
  std::vector<std::string> approvers;
  int required = 1;
  /// With exclude_initiator: the key that signed the run's start
  /// ("SHA256:..." as ssh-keygen prints it) and the names it has in
  /// allowed_signers. None of them counts as an approver of the run.
  bool exclude_initiator = false;
  std::string initiator_key;
  std::vector<std::string> initiator_principals;
};

/// A statement whose signature held for its signer (or, when `verified` is
/// false, one whose signature did not), with the file it came from.
struct SignedStatement {
  ApprovalStatement statement;
  std::string file;
  bool verified = false;
  /// The signing key's fingerprint, "SHA256:..." as ssh-keygen prints it;
  /// empty when the signature did not verify.
  std::string key_fingerprint;
};

/// What the tally made of one statement, for the audit trail.
struct StatementVerdict {
  std::string file;
  bool accepted = false;  // counted as an approval, or the rejection that decided
  /// Why it was refused, as a word: "forged" (the signature does not
  /// verify), "replayed" (signed for another pipeline, run or step),
  /// "unlisted" (not an approver), "initiator" (exclude_initiator),
  /// "duplicate" (a second approval by one person or by one key, listed
  /// under two names), "late" (it came after
  /// the step was decided). Empty when accepted.
  std::string reason;
  std::string message;  // the refusal as a sentence; empty when accepted
};

struct ApprovalTally {
  enum class State { kPending, kApproved, kRejected } state = State::kPending;
  std::vector<std::string> approved_by;  // distinct, in the order counted
  std::string rejected_by;
  /// Statements that do not count, each as "FILE: why" (forged, replayed,
  /// unlisted, duplicate, the initiator's own).
  std::vector<std::string> refused;
  /// One verdict per statement, in the order given.
  std::vector<StatementVerdict> verdicts;
};

/// Counts the statements in order: the first rejection by a listed approver
/// rejects; `required` approvals by distinct people with distinct keys
/// approve. Ones that do not count are listed in `refused` with the reason.
ApprovalTally TallyApprovals(const ApprovalSpec& spec,
                             const std::vector<SignedStatement>& statements);

}  // namespace tame

#endif  // TAME_CORE_APPROVAL_H_
