#include "tests/runner/tame_process.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace tame {
namespace testing {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void RemoveTree(const std::string& path) {
  DIR* dir = opendir(path.c_str());
  if (dir != nullptr) {
    while (struct dirent* e = readdir(dir)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      std::string child = path + "/" + name;
      struct stat st;
      if (lstat(child.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
        RemoveTree(child);
      } else {
        unlink(child.c_str());
      }
    }
    closedir(dir);
  }
  rmdir(path.c_str());
}

void CollectFiles(const std::string& path, std::string* out) {
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) return;
  while (struct dirent* e = readdir(dir)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    std::string child = path + "/" + name;
    struct stat st;
    if (lstat(child.c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      CollectFiles(child, out);
    } else if (S_ISREG(st.st_mode)) {
      *out += "\n== " + child + "\n" + Slurp(child);
    }
  }
  closedir(dir);
}

}  // namespace

void RunnerTest::SetUp() {
  char tmpl[] = "/tmp/tame-runner-test-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  dir_ = tmpl;
}

void RunnerTest::TearDown() {
  // TAME_TEST_KEEP=1 keeps the workspaces of failed tests, to look into.
  const char* keep = std::getenv("TAME_TEST_KEEP");
  if (keep != nullptr && HasFailure()) {
    std::fprintf(stderr, "workspace kept: %s\n", dir_.c_str());
    return;
  }
  // A tame killed by a test leaves its private outputs folder behind.
  for (const std::string& run : RunDirs()) {
    std::string id = run.substr(run.rfind('/') + 1);
    DIR* shm = opendir("/dev/shm");
    if (shm == nullptr) break;
    std::vector<std::string> stale;
    while (struct dirent* e = readdir(shm)) {
      if (std::string(e->d_name).rfind("tame-" + id + "-", 0) == 0) {
        stale.push_back(std::string("/dev/shm/") + e->d_name);
      }
    }
    closedir(shm);
    for (const std::string& path : stale) RemoveTree(path);
  }
  if (!dir_.empty()) RemoveTree(dir_);
}

void RunnerTest::Write(const std::string& relative, const std::string& text) {
  std::string path = Path(relative);
  for (size_t slash = path.find('/', dir_.size() + 1); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    mkdir(path.substr(0, slash).c_str(), 0755);
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

std::string RunnerTest::Read(const std::string& relative) const { return Slurp(Path(relative)); }

bool RunnerTest::Exists(const std::string& relative) const {
  struct stat st;
  return stat(Path(relative).c_str(), &st) == 0;
}

pid_t RunnerTest::Start(const std::vector<std::string>& args,
                        const std::map<std::string, std::string>& env) {
  ++serial_;
  std::string out = dir_ + "/.test-out-" + std::to_string(serial_);
  std::string err = dir_ + "/.test-err-" + std::to_string(serial_);
  std::map<std::string, std::string> vars;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string var = *e;
    size_t eq = var.find('=');
    if (eq != std::string::npos) vars[var.substr(0, eq)] = var.substr(eq + 1);
  }
  vars["HOME"] = dir_;  // a `rm -rf ~` that got through would stay in here
  vars.erase("NO_COLOR");
  vars["TAME_KILL_GRACE"] = "300ms";
  for (const auto& [k, v] : env) {
    if (v == "<unset>") {
      vars.erase(k);
    } else {
      vars[k] = v;
    }
  }
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : vars) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_strings{TAME_BIN};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addchdir_np(&actions, dir_.c_str());
  pid_t pid = -1;
  int rc = posix_spawn(&pid, TAME_BIN, &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  EXPECT_EQ(rc, 0) << "cannot start " << TAME_BIN;
  return pid;
}

TameResult RunnerTest::Finish(pid_t pid, int timeout_s) {
  TameResult result;
  int status = 0;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (true) {
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (std::chrono::steady_clock::now() > until) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      ADD_FAILURE() << "tame did not finish in " << timeout_s << "s";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  result.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = Slurp(dir_ + "/.test-out-" + std::to_string(serial_));
  result.err = Slurp(dir_ + "/.test-err-" + std::to_string(serial_));
  return result;
}

TameResult RunnerTest::Tame(const std::vector<std::string>& args,
                            const std::map<std::string, std::string>& env, int timeout_s) {
  return Finish(Start(args, env), timeout_s);
}

bool RunnerTest::WaitFor(const std::string& relative, int timeout_ms) const {
  for (int waited = 0; waited < timeout_ms; waited += 5) {
    if (Exists(relative)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

std::vector<std::string> RunnerTest::RunDirs() const {
  std::vector<std::string> dirs;
  DIR* dir = opendir(Path(".tame/runs").c_str());
  if (dir == nullptr) return dirs;
  while (struct dirent* e = readdir(dir)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") dirs.push_back(".tame/runs/" + name);
  }
  closedir(dir);
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

std::string RunnerTest::RunDir() const {
  std::vector<std::string> dirs = RunDirs();
  EXPECT_EQ(dirs.size(), 1u);
  return dirs.empty() ? "" : dirs.back();
}

nlohmann::json RunnerTest::Report(const std::string& run_dir) const {
  std::string text = Read((run_dir.empty() ? RunDir() : run_dir) + "/report.json");
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "report.json does not parse:\n" << text;
  return j;
}

std::vector<nlohmann::json> RunnerTest::Journal(const std::string& run_dir) const {
  std::vector<nlohmann::json> events;
  std::istringstream in(Read((run_dir.empty() ? RunDir() : run_dir) + "/journal.jsonl"));
  std::string line;
  while (std::getline(in, line)) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << line;
    events.push_back(j);
  }
  return events;
}

nlohmann::json RunnerTest::StepReport(const std::string& id, const std::string& run_dir) const {
  nlohmann::json report = Report(run_dir);
  for (const nlohmann::json& step : report["steps"]) {
    if (step["id"] == id) return step;
  }
  ADD_FAILURE() << "no step " << id << " in the report";
  return nlohmann::json::object();
}

std::string RunnerTest::EverythingWritten(const TameResult& result) const {
  std::string all = "== stdout\n" + result.out + "\n== stderr\n" + result.err;
  CollectFiles(Path(".tame"), &all);
  for (const char* extra : {"junit.xml"}) {
    if (Exists(extra)) all += "\n== " + std::string(extra) + "\n" + Read(extra);
  }
  return all;
}

std::string Pipeline(const std::string& steps, const std::string& extra) {
  return "{\"version\": 1, \"name\": \"test\", " + extra + " \"steps\": [" + steps + "]}";
}

bool ProcessGone(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.empty()) return true;
  size_t paren = text.rfind(')');
  return paren != std::string::npos && paren + 2 < text.size() &&
         (text[paren + 2] == 'Z' || text[paren + 2] == 'X');
}

}  // namespace testing
}  // namespace tame
