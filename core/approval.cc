#include "core/approval.h"

#include <algorithm>
#include <map>

namespace tame {
namespace {

constexpr char kHeader[] = "tame-approval 1";

// The keys in the order StatementText writes them.
const char* const kKeys[] = {"pipeline", "run", "step", "decision", "signer", "time", "comment"};

// The initiator's key, or any name that key has in allowed_signers.
bool IsInitiator(const ApprovalSpec& spec, const SignedStatement& s) {
  if (!spec.initiator_key.empty() && s.key_fingerprint == spec.initiator_key) return true;
  return std::find(spec.initiator_principals.begin(), spec.initiator_principals.end(),
                   s.statement.signer) != spec.initiator_principals.end();
}

}  // namespace

std::string StatementText(const ApprovalStatement& s) {
  std::string comment = s.comment;
  std::replace(comment.begin(), comment.end(), '\n', ' ');
  std::replace(comment.begin(), comment.end(), '\r', ' ');
  return std::string(kHeader) + "\n" + "pipeline: " + s.pipeline + "\n" + "run: " + s.run + "\n" +
         "step: " + s.step + "\n" + "decision: " + (s.approve ? "approve" : "reject") + "\n" +
         "signer: " + s.signer + "\n" + "time: " + s.time + "\n" + "comment: " + comment + "\n";
}

bool ParseStatement(std::string_view text, ApprovalStatement* out, std::string* error) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    if (nl == std::string_view::npos) {
      *error = "the statement does not end with a line break";
      return false;
    }
    lines.push_back(text.substr(0, nl));
    text.remove_prefix(nl + 1);
  }
  const size_t expected = 1 + sizeof(kKeys) / sizeof(kKeys[0]);
  if (lines.empty() || lines[0] != kHeader) {
    *error =
        "not a tame approval statement (the first line is not \"" + std::string(kHeader) + "\")";
    return false;
  }
  if (lines.size() != expected) {
    *error = "the statement has " + std::to_string(lines.size()) + " lines; expected " +
             std::to_string(expected);
    return false;
  }
  std::string values[sizeof(kKeys) / sizeof(kKeys[0])];
  for (size_t k = 0; k + 1 < expected; ++k) {
    std::string prefix = std::string(kKeys[k]) + ": ";
    std::string_view line = lines[k + 1];
    if (line.substr(0, prefix.size()) != prefix) {
      *error = "line " + std::to_string(k + 2) + " should start with \"" + prefix + "\"";
      return false;
    }
    values[k] = std::string(line.substr(prefix.size()));
  }
  if (values[3] != "approve" && values[3] != "reject") {
    *error = "decision must be approve or reject, not \"" + values[3] + "\"";
    return false;
  }
  for (size_t k = 0; k < 6; ++k) {  // all but the comment
    if (values[k].empty()) {
      *error = std::string(kKeys[k]) + " is empty";
      return false;
    }
  }
  out->pipeline = values[0];
  out->run = values[1];
  out->step = values[2];
  out->approve = values[3] == "approve";
  out->signer = values[4];
  out->time = values[5];
  out->comment = values[6];
  return true;
}

ApprovalTally TallyApprovals(const ApprovalSpec& spec,
                             const std::vector<SignedStatement>& statements) {
  ApprovalTally tally;
  std::map<std::string, std::string> keys;  // fingerprint -> who approved with it
  for (const SignedStatement& signed_statement : statements) {
    const ApprovalStatement& s = signed_statement.statement;
    tally.verdicts.push_back(StatementVerdict{signed_statement.file, false, "", ""});
    StatementVerdict& verdict = tally.verdicts.back();
    auto refuse = [&](const char* reason, const std::string& why) {
      tally.refused.push_back(signed_statement.file + ": " + why);
      verdict.reason = reason;
      verdict.message = why;
    };
    if (tally.state != ApprovalTally::State::kPending) {
      verdict.reason = "late";
      verdict.message = "it came after the step was decided";
    } else if (!signed_statement.verified) {
      refuse("forged", "the signature does not verify for \"" + s.signer + "\"");
    } else if (s.pipeline != spec.pipeline) {
      refuse("replayed", "signed for another pipeline (" + s.pipeline.substr(0, 12) + "...)");
    } else if (s.run != spec.run) {
      refuse("replayed", "signed for run " + s.run + ", not " + spec.run);
    } else if (s.step != spec.step) {
      refuse("replayed", "signed for step \"" + s.step + "\", not \"" + spec.step + "\"");
    } else if (std::find(spec.approvers.begin(), spec.approvers.end(), s.signer) ==
               spec.approvers.end()) {
      refuse("unlisted", "\"" + s.signer + "\" is not one of the approvers");
    } else if (spec.exclude_initiator && s.approve && IsInitiator(spec, signed_statement)) {
      refuse("initiator", "\"" + s.signer + "\" started this run and may not approve it");
    } else if (!s.approve) {
      tally.state = ApprovalTally::State::kRejected;
      tally.rejected_by = s.signer;
      verdict.accepted = true;
    } else if (std::find(tally.approved_by.begin(), tally.approved_by.end(), s.signer) !=
               tally.approved_by.end()) {
      refuse("duplicate", "\"" + s.signer + "\" has approved already; one approval a person");
    } else if (!signed_statement.key_fingerprint.empty() &&
               keys.count(signed_statement.key_fingerprint) > 0) {
      refuse("duplicate", "the key " + signed_statement.key_fingerprint +
                              " has approved already as \"" +
                              keys[signed_statement.key_fingerprint] + "\"; one approval a key");
    } else {
      if (!signed_statement.key_fingerprint.empty()) {
        keys[signed_statement.key_fingerprint] = s.signer;
      }
      tally.approved_by.push_back(s.signer);
      verdict.accepted = true;
      if (static_cast<int>(tally.approved_by.size()) >= spec.required) {
        tally.state = ApprovalTally::State::kApproved;
      }
    }
  }
  return tally;
}

}  // namespace tame
