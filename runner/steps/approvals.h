// The sign-offs of one approval step, as files in the run folder:
// .tame/runs/<run>/approvals/<step>/<stamp>-<signer>.statement and the
// SSH signature beside it (.statement.sig). `tame approve` writes them; the
// waiting step reads them, checks each signature with ssh-keygen, and lets
// core's TallyApprovals decide.
#ifndef TAME_RUNNER_STEPS_APPROVALS_H_
#define TAME_RUNNER_STEPS_APPROVALS_H_

#include <cstddef>
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

/// An allowed_signers file as it was when read: its text, its SHA-256
/// (hex) and a private copy that ssh-keygen checks signatures against, so
/// that editing the original changes nothing. The copy goes with the object.
class SignersSnapshot {
 public:
  SignersSnapshot() = default;
  ~SignersSnapshot();
  SignersSnapshot(const SignersSnapshot&) = delete;
  SignersSnapshot& operator=(const SignersSnapshot&) = delete;

  /// Reads `path` once (a regular file of at most 1 MiB, never a FIFO or
  /// a device) and makes the private copy. False with `error` otherwise.
  bool Take(const std::string& path, std::string* error);

  const std::string& copy() const { return copy_; }
  const std::string& sha256() const { return sha256_; }
  const std::string& text() const { return text_; }

 private:
  std::string dir_;
  std::string copy_;
  std::string sha256_;
  std::string text_;
};

/// Reads `path` only if it is a regular file (not through a symbolic link,
/// never blocking on a FIFO or a device) of at most `max_bytes`. False with
/// `error` saying why, without the path.
bool ReadRegularFile(const std::string& path, size_t max_bytes, std::string* text,
                     std::string* error);

/// Every statement in `dir` in the order they arrived, each with whether
/// its signature verifies for its signer against `allowed_signers` and the
/// key that made it. Files that are not regular files, are too large or do
/// not parse are listed in `unreadable` as "FILE: why"; none of them can
/// block the reader.
std::vector<SignedStatement> ReadStatements(const std::string& dir,
                                            const std::string& allowed_signers,
                                            std::vector<std::string>* unreadable,
                                            StatementCache* cache);

/// Checks `signature` over `text` for `signer` with ssh-keygen -Y verify in
/// `name_space`; sets `fingerprint` to the key's "SHA256:..." when it holds.
bool VerifySignature(const std::string& allowed_signers, const std::string& signer,
                     const std::string& text, const std::string& signature_file,
                     std::string* fingerprint, std::string* error,
                     const char* name_space = kApprovalNamespace);

/// The SSH signature namespace of a run's start statement.
constexpr char kRunStartNamespace[] = "tame-run-start";

/// What a run's start statement proves: the key that signed it and the
/// names that key has in the allowed_signers it was checked against.
struct InitiatorProof {
  std::string key_fingerprint;
  std::vector<std::string> principals;
};

/// The start statement of run `run` of the pipeline whose canonical text
/// hashes to `pipeline`: "tame-run-start 1", then pipeline, run.
std::string RunStartText(const std::string& pipeline, const std::string& run);

/// `tame run --key KEY`: signs the run's start statement with `key` and
/// stores it in `run_dir` (initiator.statement and its .sig).
bool SignRunStart(const std::string& run_dir, const std::string& pipeline, const std::string& run,
                  const std::string& key, std::string* error);

/// Checks the start statement stored in `run_dir` against `allowed_signers`
/// and fills `proof`. False with `error` when it is missing, names another
/// run or pipeline, or its key is not listed or does not verify.
bool VerifyRunStart(const std::string& run_dir, const std::string& pipeline, const std::string& run,
                    const std::string& allowed_signers, InitiatorProof* proof, std::string* error);

/// Signs `statement` with `key` and stores it in `dir`, atomically (the
/// signature first, then the statement under its final name). Returns the
/// statement's path, or "" with `error` set.
std::string StoreSignedStatement(const std::string& dir, const ApprovalStatement& statement,
                                 const std::string& key, std::string* error);

/// The principals `key` signs for in `allowed_signers` (ssh-keygen -Y
/// find-principals over a probe signature).
std::vector<std::string> PrincipalsOfKey(const std::string& key, const std::string& allowed_signers,
                                         std::string* error);

/// Who says they start a run ($TAME_INITIATOR, else $USER, else $LOGNAME;
/// "" when none is set), for steps to read. It decides nothing: the
/// initiator an approval excludes is proven by `tame run --key`.
std::string RunInitiator();

/// The time now as RFC 3339 UTC, to the second.
std::string NowRfc3339();

}  // namespace tame

#endif  // TAME_RUNNER_STEPS_APPROVALS_H_
