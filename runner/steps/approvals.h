// The sign-offs of one approval step, as files in the run folder:
// .tame/runs/<run>/approvals/<step>/<stamp>-<signer>.statement and the
// SSH signature beside it (.statement.sig). `tame approve` writes them; the
// waiting step reads them, checks each signature with ssh-keygen, and lets
// core's TallyApprovals decide.
#ifndef TAME_RUNNER_STEPS_APPROVALS_H_
#define TAME_RUNNER_STEPS_APPROVALS_H_

#include <map>
#include <string>
#include <vector>

#include "core/approval.h"

namespace tame {

/// The folder of `step`'s sign-offs in the run folder `run_dir`.
std::string ApprovalsDir(const std::string& run_dir, const std::string& step);

/// Statements already read, by file name: a stored statement never
/// changes, so its signature is checked once.
using StatementCache = std::map<std::string, SignedStatement>;

/// Every statement in `dir` in the order they arrived, each with whether
/// its signature verifies for its signer against `allowed_signers`. Files
/// that do not parse are listed in `unreadable` as "FILE: why".
std::vector<SignedStatement> ReadStatements(const std::string& dir,
                                            const std::string& allowed_signers,
                                            std::vector<std::string>* unreadable,
                                            StatementCache* cache);

/// Checks `signature` over `text` for `signer` with ssh-keygen -Y verify.
bool VerifySignature(const std::string& allowed_signers, const std::string& signer,
                     const std::string& text, const std::string& signature_file,
                     std::string* error);

/// Signs `statement` with `key` and stores it in `dir`, atomically (the
/// signature first, then the statement under its final name). Returns the
/// statement's path, or "" with `error` set.
std::string StoreSignedStatement(const std::string& dir, const ApprovalStatement& statement,
                                 const std::string& key, std::string* error);

/// The principals `key` signs for in `allowed_signers` (ssh-keygen -Y
/// find-principals over a probe signature).
std::vector<std::string> PrincipalsOfKey(const std::string& key, const std::string& allowed_signers,
                                         std::string* error);

/// Who starts a run, for `exclude_initiator`: $TAME_INITIATOR, else $USER,
/// else $LOGNAME; "" when none is set.
std::string RunInitiator();

/// The time now as RFC 3339 UTC, to the second.
std::string NowRfc3339();

}  // namespace tame

#endif  // TAME_RUNNER_STEPS_APPROVALS_H_
