#include "runner/run/run_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "core/expression.h"
#include "core/load.h"
#include "runner/run/journal.h"
#include "runner/run/util.h"

namespace tame {
namespace {

constexpr const char* kRunsFolder = "/.tame/runs";

// `path` with "." and ".." resolved by name and no trailing '/'; relative
// paths are taken from `base`.
std::string NormalPath(const std::string& path, const std::string& base) {
  std::string full = !path.empty() && path[0] == '/' ? path : base + "/" + path;
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= full.size()) {
    size_t slash = full.find('/', start);
    if (slash == std::string::npos) slash = full.size();
    std::string part = full.substr(start, slash - start);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = slash + 1;
  }
  std::string out;
  for (const std::string& part : parts) out += "/" + part;
  return out.empty() ? "/" : out;
}

// The real path of `path` (symbolic links resolved), or "" when it does not
// exist.
std::string RealPath(const std::string& path) {
  char buf[PATH_MAX];
  return realpath(path.c_str(), buf) == nullptr ? std::string() : std::string(buf);
}

RunFolder FolderOf(const std::string& workspace, const std::string& id) {
  return RunFolder{id, workspace, workspace + kRunsFolder + "/" + id, ".tame/runs/" + id};
}

bool IsFolder(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// A run folder given by its path: it must be a folder named like a run
// directly under <workspace>/.tame/runs.
bool FindRunByPath(const std::string& cwd, const std::string& run, RunFolder* out,
                   std::string* error) {
  std::string real = RealPath(NormalPath(run, cwd));
  std::string id = real.substr(real.rfind('/') + 1);
  const std::string suffix = std::string(kRunsFolder) + "/" + id;
  if (real.empty() || !IsFolder(real)) {
    *error = "no run folder at " + run;
    return false;
  }
  if (!IsRunId(id) || real.size() <= suffix.size() ||
      real.compare(real.size() - suffix.size(), suffix.size(), suffix) != 0) {
    *error = run + " is not a run folder (.tame/runs/RUN)";
    return false;
  }
  *out = FolderOf(real.substr(0, real.size() - suffix.size()), id);
  return true;
}

}  // namespace

bool IsRunId(const std::string& id) {
  if (id.empty() || id.size() > 128 || id[0] == '.') return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::vector<std::string> ListRunIds(const std::string& workspace) {
  std::vector<std::string> ids;
  const std::string runs = workspace + kRunsFolder;
  DIR* dir = opendir(runs.c_str());
  if (dir == nullptr) return ids;
  while (struct dirent* e = readdir(dir)) {
    std::string name = e->d_name;
    if (IsRunId(name) && IsFolder(runs + "/" + name)) ids.push_back(name);
  }
  closedir(dir);
  std::sort(ids.rbegin(), ids.rend());
  return ids;
}

bool FindRun(const std::string& cwd, const std::string& run, RunFolder* out, std::string* error) {
  if (run.find('/') != std::string::npos) return FindRunByPath(cwd, run, out, error);
  std::vector<std::string> ids = ListRunIds(cwd);
  if (run == "latest") {
    if (ids.empty()) {
      *error = "there are no runs in .tame/runs of this folder";
      return false;
    }
    *out = FolderOf(cwd, ids.front());
    return true;
  }
  if (std::find(ids.begin(), ids.end(), run) != ids.end()) {
    *out = FolderOf(cwd, run);
    return true;
  }
  std::string suggestion = SuggestSpelling(run, ids);
  *error = "no run \"" + run + "\" in .tame/runs of this folder" +
           (suggestion.empty() ? "" : " (did you mean \"" + suggestion + "\"?)");
  return false;
}

bool FindLatestRunOf(const std::string& workspace, const std::string& pipeline, std::string* run_id,
                     std::string* error) {
  for (const std::string& id : ListRunIds(workspace)) {
    JournalContents journal;
    std::string ignored;
    if (!ReadJournal(FolderOf(workspace, id).dir + "/journal.jsonl", &journal, &ignored)) {
      continue;
    }
    if (Field(journal.events[0], "pipeline", "") == pipeline) {
      *run_id = id;
      return true;
    }
  }
  *error = "no earlier run of pipeline \"" + pipeline +
           "\" in .tame/runs of this folder to reuse steps from; run the whole pipeline first";
  return false;
}

bool CreateRunFolder(const std::string& workspace, RunFolder* out, std::string* error) {
  const std::string runs = workspace + kRunsFolder;
  if (!MakeDirs(runs, error)) return false;
  for (int tries = 0;; ++tries) {
    *out = FolderOf(workspace, CompactTimeNow() + "-" + RandomHex(2));
    if (mkdir(out->dir.c_str(), 0755) == 0) return true;
    if (errno != EEXIST || tries > 100) {
      *error = "cannot create " + out->dir + ": " + std::strerror(errno);
      return false;
    }
  }
}

bool LockRunFolder(const RunFolder& run, bool create, std::string* error) {
  int fd = open((run.dir + "/journal.jsonl").c_str(),
                O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0), 0644);
  if (fd < 0) {
    *error = run.display + "/journal.jsonl: cannot open: " + std::strerror(errno);
    return false;
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    *error = "run " + run.id + " is in use by another tame";
    close(fd);
    return false;
  }
  return true;  // the descriptor stays open on purpose
}

bool RunInProgress(const std::string& dir) {
  int fd = open((dir + "/journal.jsonl").c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return false;
  // The tame that runs it holds an exclusive lock on its journal.
  bool held = flock(fd, LOCK_SH | LOCK_NB) != 0;
  close(fd);
  return held;
}

bool RepairJournal(const std::string& path, off_t valid_bytes, std::string* error) {
  int fd = open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 || ftruncate(fd, valid_bytes) != 0) {
    *error = "cannot repair " + path + ": " + std::strerror(errno);
    if (fd >= 0) close(fd);
    return false;
  }
  char last = '\n';
  if (valid_bytes > 0 && pread(fd, &last, 1, valid_bytes - 1) == 1 && last != '\n') {
    ssize_t n = pwrite(fd, "\n", 1, valid_bytes);
    (void)n;
  }
  close(fd);
  return true;
}

bool PathInside(const std::string& path, const std::string& folder) {
  const std::string p = NormalPath(path, folder);
  const std::string f = NormalPath(folder, "/");
  if (f == "/") return true;
  return p == f || (p.size() > f.size() && p.compare(0, f.size(), f) == 0 && p[f.size()] == '/');
}

bool CheckRunStarted(const RunFolder& run, const Json& started, bool resume, std::string* error) {
  const std::string where = run.display + "/journal.jsonl: line 1: ";
  for (const char* key : {"file", "hash", "workspace", "secrets_file", "junit"}) {
    const bool needed =
        resume || std::strcmp(key, "file") == 0 || std::strcmp(key, "workspace") == 0;
    if (!started.contains(key) && !needed) continue;
    if (!started.contains(key) || !started[key].is_string()) {
      *error = where + "run_started has no \"" + key + "\"";
      return false;
    }
  }
  for (const char* key : {"file", "workspace", "secrets_file", "junit"}) {
    if (started.contains(key) &&
        started[key].get_ref<const std::string&>().find('\0') != std::string::npos) {
      *error = where + "\"" + key + "\" holds a NUL byte";
      return false;
    }
  }
  const std::string& workspace = started["workspace"].get_ref<const std::string&>();
  if (workspace != run.workspace && RealPath(workspace) != RealPath(run.workspace)) {
    *error = where + "\"workspace\" is " + workspace + ", not " + run.workspace +
             ", the workspace this run folder is in; a run resumes only in its own workspace";
    return false;
  }
  const std::string& file = started["file"].get_ref<const std::string&>();
  // The pipeline file may live outside the workspace (tame run ../x.json):
  // it is only read, and a resumed run checks that its bytes hash to the
  // recorded "hash", so a journal cannot swap in another pipeline.
  if (file.empty() || file[0] != '/') {
    *error = where + "\"file\" (" + file + ") is not an absolute path";
    return false;
  }
  if (PathInside(file, run.workspace + "/.tame")) {
    *error = where + "\"file\" (" + file + ") is inside .tame, where no pipeline file is kept";
    return false;
  }
  const std::string junit = started.contains("junit") ? started["junit"].get<std::string>() : "";
  if (!junit.empty() &&
      (junit[0] != '/' || (!PathInside(junit, run.workspace) && !PathInside(junit, run.dir)))) {
    *error = where + "\"junit\" (" + junit +
             ") is outside the run's workspace and run folder; give --junit PATH to write a "
             "JUnit report there";
    return false;
  }
  return true;
}

bool IsStepIdText(const std::string& id) { return IsValidStepId(id); }

std::string LogPath(const std::string& dir, const std::string& step_id) {
  return dir + "/logs/" + step_id + ".log";
}

int OpenLogForAppend(const std::string& dir, const std::string& step_id) {
  // O_NOFOLLOW guards the last part of the path only: logs/ itself must be
  // a real folder too.
  const std::string logs = dir + "/logs";
  if (mkdir(logs.c_str(), 0755) != 0 && errno != EEXIST) return -1;
  if (!IsFolder(logs)) {
    errno = ENOTDIR;
    return -1;
  }
  const int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK;
  int fd = open(LogPath(dir, step_id).c_str(), flags, 0644);
  if (fd < 0) return -1;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    errno = EINVAL;
    return -1;
  }
  int fl = fcntl(fd, F_GETFL);
  if (fl >= 0) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
  return fd;
}

}  // namespace tame
