#include "runner/steps/approvals.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>

#include "core/masker.h"
#include "core/sha256.h"
#include "runner/files.h"
#include "runner/steps/command.h"
#include "runner/steps/docker_auth.h"

namespace tame {
namespace {

constexpr size_t kMaxStatementBytes = 64 * 1024;
constexpr size_t kMaxSignatureBytes = 64 * 1024;
constexpr size_t kMaxSignersBytes = 1024 * 1024;

std::string KindOfFile(mode_t mode) {
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISLNK(mode)) return "a symbolic link";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  return "not a regular file";
}

// The "SHA256:..." ssh-keygen prints after "key " in its verify message.
std::string FingerprintIn(const std::string& text) {
  size_t at = text.find(" key SHA256:");
  if (at == std::string::npos) return "";
  at += 5;
  size_t end = text.find_first_of(" \n", at);
  return text.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

// A private folder for files handed to ssh-keygen; gone with the object.
class ScratchDir {
 public:
  ScratchDir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string base = (tmp != nullptr && *tmp == '/') ? tmp : "/tmp";
    std::string pattern = base + "/tame-approval-XXXXXX";
    if (mkdtemp(&pattern[0]) != nullptr) path_ = pattern;
  }
  ~ScratchDir() { Remove(path_); }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }
  static void Remove(const std::string& path) {
    if (path.empty()) return;
    if (DIR* d = opendir(path.c_str())) {
      while (dirent* e = readdir(d)) {
        std::string name = e->d_name;
        if (name != "." && name != "..") unlink((path + "/" + name).c_str());
      }
      closedir(d);
    }
    rmdir(path.c_str());
  }

 private:
  std::string path_;
};

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

// Every name the key with fingerprint `fingerprint` has in an
// allowed_signers text ("principals [options] keytype base64 [comment]").
std::vector<std::string> NamesOfKey(const std::string& signers, const std::string& fingerprint) {
  std::vector<std::string> names;
  size_t start = 0;
  while (start < signers.size()) {
    size_t nl = signers.find('\n', start);
    std::string line = signers.substr(start, nl == std::string::npos ? nl : nl - start);
    start = nl == std::string::npos ? signers.size() : nl + 1;
    std::vector<std::string> tokens;
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      size_t begin = i;
      bool quoted = false;
      while (i < line.size() && (quoted || (line[i] != ' ' && line[i] != '\t'))) {
        if (line[i] == '"') quoted = !quoted;
        ++i;
      }
      if (i > begin) tokens.push_back(line.substr(begin, i - begin));
    }
    if (tokens.size() < 3 || tokens[0][0] == '#') continue;
    for (size_t k = 1; k + 1 < tokens.size(); ++k) {
      const std::string& type = tokens[k];
      if (type.rfind("ssh-", 0) != 0 && type.rfind("ecdsa-", 0) != 0 && type.rfind("sk-", 0) != 0) {
        continue;
      }
      std::string blob;
      if (!Base64Decode(tokens[k + 1], &blob)) continue;
      Sha256 hash;
      hash.Update(blob);
      std::array<uint8_t, 32> digest = hash.Digest();
      std::string b64 = Base64Encode(
          std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
      while (!b64.empty() && b64.back() == '=') b64.pop_back();
      if ("SHA256:" + b64 != fingerprint) break;
      std::string principals = tokens[0];
      if (principals.size() >= 2 && principals.front() == '"' && principals.back() == '"') {
        principals = principals.substr(1, principals.size() - 2);
      }
      size_t p = 0;
      while (p <= principals.size()) {
        size_t comma = principals.find(',', p);
        std::string name =
            principals.substr(p, comma == std::string::npos ? std::string::npos : comma - p);
        if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end()) {
          names.push_back(name);
        }
        if (comma == std::string::npos) break;
        p = comma + 1;
      }
      break;
    }
  }
  return names;
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
                     std::string* fingerprint, std::string* error, const char* name_space) {
  CommandResult r;
  if (!RunCommand({"ssh-keygen", "-Y", "verify", "-f", allowed_signers, "-I", signer, "-n",
                   name_space, "-s", signature_file},
                  text, &r, error)) {
    return false;
  }
  if (r.exit_code != 0) {
    *error = FirstLine(r.err.empty() ? r.out : r.err);
    return false;
  }
  *fingerprint = FingerprintIn(r.out + "\n" + r.err);
  return true;
}

bool ReadRegularFile(const std::string& path, size_t max_bytes, std::string* text,
                     std::string* error) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) {
    *error = std::string("cannot read: ") + std::strerror(errno);
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    *error = KindOfFile(st.st_mode) + ", not a regular file";
    return false;
  }
  if (static_cast<size_t>(st.st_size) > max_bytes) {
    *error = std::to_string(st.st_size) + " bytes; the limit is " + std::to_string(max_bytes);
    return false;
  }
  // O_NOFOLLOW and O_NONBLOCK: whatever replaced the file since lstat, the
  // open neither follows a link nor waits for a FIFO's writer.
  int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    *error = std::string("cannot open: ") + std::strerror(errno);
    return false;
  }
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    *error = "not a regular file";
    close(fd);
    return false;
  }
  text->clear();
  char buffer[8192];
  for (;;) {
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error = std::string("cannot read: ") + std::strerror(errno);
      close(fd);
      return false;
    }
    if (n == 0) break;
    text->append(buffer, static_cast<size_t>(n));
    if (text->size() > max_bytes) {
      *error = "more than " + std::to_string(max_bytes) + " bytes";
      close(fd);
      return false;
    }
  }
  close(fd);
  return true;
}

SignersSnapshot::~SignersSnapshot() { ScratchDir::Remove(dir_); }

bool SignersSnapshot::Take(const std::string& path, std::string* error) {
  std::string why;
  // The file itself may be a link (a shared signers file); what it points
  // to must be a regular file, read without blocking.
  char resolved[PATH_MAX];
  std::string target = realpath(path.c_str(), resolved) != nullptr ? resolved : path;
  if (!ReadRegularFile(target, kMaxSignersBytes, &text_, &why)) {
    *error = "cannot read the allowed signers file " + path + ": " + why;
    return false;
  }
  sha256_ = Sha256Hex(text_);
  ScratchDir::Remove(dir_);
  dir_.clear();
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      std::string((tmp != nullptr && *tmp == '/') ? tmp : "/tmp") + "/tame-signers-XXXXXX";
  if (mkdtemp(&pattern[0]) == nullptr) {
    *error = std::string("cannot make a private folder: ") + std::strerror(errno);
    return false;
  }
  dir_ = pattern;
  copy_ = dir_ + "/allowed_signers";
  return WriteFileAtomic(copy_, text_, error);
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
  std::unique_ptr<ScratchDir> scratch;
  for (const std::string& name : names) {
    auto known = cache->find(name);
    if (known != cache->end()) {
      out.push_back(known->second);
      continue;
    }
    std::string path = dir + "/" + name;
    std::string text;
    std::string signature;
    std::string error;
    SignedStatement s;
    s.file = name;
    if (!ReadRegularFile(path, kMaxStatementBytes, &text, &error) ||
        !ParseStatement(text, &s.statement, &error)) {
      unreadable->push_back(name + ": " + error);
      continue;
    }
    // ssh-keygen reads a private copy of the signature: the one in the
    // folder could be swapped for a FIFO between our check and its open.
    if (!ReadRegularFile(path + ".sig", kMaxSignatureBytes, &signature, &error)) {
      s.verified = false;
    } else {
      if (!scratch) scratch = std::make_unique<ScratchDir>();
      std::string copy = scratch->path() + "/" + name + ".sig";
      s.verified = !scratch->path().empty() && WriteFileAtomic(copy, signature, &error) &&
                   VerifySignature(allowed_signers, s.statement.signer, text, copy,
                                   &s.key_fingerprint, &error);
      unlink(copy.c_str());
    }
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
        for (size_t p = 0; !line.empty() && p <= line.size();) {
          size_t comma = line.find(',', p);
          std::string name = line.substr(p, comma == std::string::npos ? comma : comma - p);
          if (!name.empty()) principals.push_back(name);
          if (comma == std::string::npos) break;
          p = comma + 1;
        }
        if (nl == std::string::npos) break;
        start = nl + 1;
      }
      if (principals.empty()) {
        *error = "the key is not in " + allowed_signers;
      } else if (RunCommand({"ssh-keygen", "-Y", "check-novalidate", "-n", kApprovalNamespace, "-s",
                             probe + ".sig"},
                            "tame-approval probe\n", &r, error) &&
                 r.exit_code == 0) {
        // find-principals names the first line that lists the key; a key
        // may be listed under several names, and signs for each of them.
        std::string signers;
        std::string why;
        ReadRegularFile(allowed_signers, kMaxSignersBytes, &signers, &why);
        for (const std::string& name : NamesOfKey(signers, FingerprintIn(r.out + "\n" + r.err))) {
          if (std::find(principals.begin(), principals.end(), name) == principals.end()) {
            principals.push_back(name);
          }
        }
      }
    }
  }
  unlink((probe + ".sig").c_str());
  unlink(probe.c_str());
  rmdir(dir);
  return principals;
}

}  // namespace tame

namespace tame {
namespace {

constexpr char kRunStartFile[] = "/initiator.statement";

}  // namespace

std::string RunStartText(const std::string& pipeline, const std::string& run) {
  return "tame-run-start 1\npipeline: " + pipeline + "\nrun: " + run + "\n";
}

bool SignRunStart(const std::string& run_dir, const std::string& pipeline, const std::string& run,
                  const std::string& key, std::string* error) {
  const std::string path = run_dir + kRunStartFile;
  if (!WriteFileAtomic(path, RunStartText(pipeline, run), error)) return false;
  CommandResult r;
  bool ran = RunCommand(
      {"ssh-keygen", "-q", "-Y", "sign", "-f", key, "-n", kRunStartNamespace, path}, "", &r, error);
  if (!ran || r.exit_code != 0) {
    if (ran)
      *error = "ssh-keygen could not sign the run's start with " + key + ": " + FirstLine(r.err);
    unlink(path.c_str());
    unlink((path + ".sig").c_str());
    return false;
  }
  return true;
}

bool VerifyRunStart(const std::string& run_dir, const std::string& pipeline, const std::string& run,
                    const std::string& allowed_signers, InitiatorProof* proof, std::string* error) {
  const std::string path = run_dir + kRunStartFile;
  std::string text;
  std::string signature;
  std::string why;
  if (!ReadRegularFile(path, kMaxStatementBytes, &text, &why) ||
      !ReadRegularFile(path + ".sig", kMaxSignatureBytes, &signature, &why)) {
    *error = "the run's signed start statement (" + path + ") cannot be read: " + why;
    return false;
  }
  if (text != RunStartText(pipeline, run)) {
    *error = "the run's start statement is not this run's (" + path + ")";
    return false;
  }
  ScratchDir scratch;
  std::string copy = scratch.path() + "/initiator.statement.sig";
  if (scratch.path().empty() || !WriteFileAtomic(copy, signature, error)) return false;
  CommandResult r;
  if (!RunCommand({"ssh-keygen", "-Y", "find-principals", "-s", copy, "-f", allowed_signers}, "",
                  &r, error)) {
    return false;
  }
  std::string principal = r.exit_code == 0 ? FirstLine(r.out) : "";
  if (principal.empty() || principal == "(no message)") {
    *error = "the key that signed the run's start is not in the allowed signers";
    return false;
  }
  principal = principal.substr(0, principal.find(','));
  std::string fingerprint;
  if (!VerifySignature(allowed_signers, principal, text, copy, &fingerprint, &why,
                       kRunStartNamespace)) {
    *error = "the run's start signature does not verify: " + why;
    return false;
  }
  std::string signers;
  ReadRegularFile(allowed_signers, kMaxSignersBytes, &signers, &why);
  proof->key_fingerprint = fingerprint;
  proof->principals = NamesOfKey(signers, fingerprint);
  if (std::find(proof->principals.begin(), proof->principals.end(), principal) ==
      proof->principals.end()) {
    proof->principals.insert(proof->principals.begin(), principal);
  }
  return true;
}

}  // namespace tame
