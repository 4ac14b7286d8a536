#include "runner/steps/approvals.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "runner/files.h"
#include "runner/steps/command.h"

namespace tame {
namespace {

constexpr size_t kMaxStatementBytes = 64 * 1024;

std::string FirstLine(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  return line.empty() ? "(no message)" : line;
}

bool MakeDirs(const std::string& path) {
  for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    std::string part = path.substr(0, slash);
    if (mkdir(part.c_str(), 0755) != 0 && errno != EEXIST) return false;
    if (slash == std::string::npos) return true;
  }
}

}  // namespace

std::string ApprovalsDir(const std::string& run_dir, const std::string& step) {
  return run_dir + "/approvals/" + step;
}

std::string RunInitiator() {
  for (const char* name : {"TAME_INITIATOR", "USER", "LOGNAME"}) {
    const char* value = std::getenv(name);
    if (value != nullptr && *value != '\0') return value;
  }
  return "";
}

std::string NowRfc3339() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

bool VerifySignature(const std::string& allowed_signers, const std::string& signer,
                     const std::string& text, const std::string& signature_file,
                     std::string* error) {
  CommandResult r;
  if (!RunCommand({"ssh-keygen", "-q", "-Y", "verify", "-f", allowed_signers, "-I", signer, "-n",
                   kApprovalNamespace, "-s", signature_file},
                  text, &r, error)) {
    return false;
  }
  if (r.exit_code != 0) {
    *error = FirstLine(r.err.empty() ? r.out : r.err);
    return false;
  }
  return true;
}

std::vector<SignedStatement> ReadStatements(const std::string& dir,
                                            const std::string& allowed_signers,
                                            std::vector<std::string>* unreadable,
                                            StatementCache* cache) {
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      const std::string suffix = ".statement";
      if (name.size() > suffix.size() &&
          name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
        names.push_back(name);
      }
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());  // names start with a time stamp
  std::vector<SignedStatement> out;
  for (const std::string& name : names) {
    auto known = cache->find(name);
    if (known != cache->end()) {
      out.push_back(known->second);
      continue;
    }
    std::string path = dir + "/" + name;
    std::string text;
    std::string error;
    SignedStatement s;
    s.file = name;
    if (!ReadFile(path, kMaxStatementBytes, &text, &error) ||
        !ParseStatement(text, &s.statement, &error)) {
      unreadable->push_back(name + ": " + error);
      continue;
    }
    s.verified = VerifySignature(allowed_signers, s.statement.signer, text, path + ".sig", &error);
    (*cache)[name] = s;
    out.push_back(std::move(s));
  }
  return out;
}

std::string StoreSignedStatement(const std::string& dir, const ApprovalStatement& statement,
                                 const std::string& key, std::string* error) {
  if (!MakeDirs(dir)) {
    *error = "cannot make " + dir;
    return "";
  }
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  char stamp[40];
  std::snprintf(stamp, sizeof stamp, "%020lld-%d", static_cast<long long>(ns), getpid());
  std::string final_path = dir + "/" + stamp + "-" + statement.signer + ".statement";
  std::string scratch = dir + "/." + stamp + ".tmp";
  std::string text = StatementText(statement);
  if (!WriteFileAtomic(scratch, text, error)) return "";
  CommandResult r;
  bool ran =
      RunCommand({"ssh-keygen", "-q", "-Y", "sign", "-f", key, "-n", kApprovalNamespace, scratch},
                 "", &r, error);
  if (!ran || r.exit_code != 0) {
    if (ran) *error = "ssh-keygen could not sign with " + key + ": " + FirstLine(r.err);
    unlink(scratch.c_str());
    return "";
  }
  // The signature takes its final name first: a reader that sees the
  // statement always finds its signature.
  if (rename((scratch + ".sig").c_str(), (final_path + ".sig").c_str()) != 0 ||
      rename(scratch.c_str(), final_path.c_str()) != 0) {
    *error = "cannot store the signed statement in " + dir;
    unlink(scratch.c_str());
    unlink((scratch + ".sig").c_str());
    return "";
  }
  return final_path;
}

std::vector<std::string> PrincipalsOfKey(const std::string& key, const std::string& allowed_signers,
                                         std::string* error) {
  char dir_template[] = "/tmp/tame-probe-XXXXXX";
  char* dir = mkdtemp(dir_template);
  if (dir == nullptr) {
    *error = "cannot make a temporary folder";
    return {};
  }
  std::string probe = std::string(dir) + "/probe";
  std::vector<std::string> principals;
  CommandResult r;
  if (WriteFileAtomic(probe, "tame-approval probe\n", error) &&
      RunCommand({"ssh-keygen", "-q", "-Y", "sign", "-f", key, "-n", kApprovalNamespace, probe}, "",
                 &r, error)) {
    if (r.exit_code != 0) {
      *error = "ssh-keygen could not sign with " + key + ": " + FirstLine(r.err);
    } else if (RunCommand({"ssh-keygen", "-Y", "find-principals", "-s", probe + ".sig", "-f",
                           allowed_signers},
                          "", &r, error)) {
      size_t start = 0;
      while (start < r.out.size()) {
        size_t nl = r.out.find('\n', start);
        std::string line = r.out.substr(start, nl == std::string::npos ? nl : nl - start);
        if (!line.empty()) principals.push_back(line);
        if (nl == std::string::npos) break;
        start = nl + 1;
      }
      if (principals.empty()) *error = "the key is not in " + allowed_signers;
    }
  }
  unlink((probe + ".sig").c_str());
  unlink(probe.c_str());
  rmdir(dir);
  return principals;
}

}  // namespace tame
