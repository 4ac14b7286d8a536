#include "runner/run/process.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <set>
#include <thread>

// glibc declares vfork(), but Boost.Process only believes it for old
// POSIX levels; spawning through vfork is what keeps a step's start cheap.
#ifndef BOOST_POSIX_HAS_VFORK
#define BOOST_POSIX_HAS_VFORK 1
#endif
#include <boost/process/args.hpp>
#include <boost/process/child.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/extend.hpp>
#include <boost/process/io.hpp>
#include <boost/process/pipe.hpp>
#include <boost/process/posix.hpp>
#include <boost/process/start_dir.hpp>

namespace tame {
namespace {

int g_signal_pipe[2] = {-1, -1};
int g_dev_null = -1;  // stdin of every step

void OnSignal(int sig) {
  int saved = errno;
  unsigned char byte = static_cast<unsigned char>(sig);
  ssize_t ignored = write(g_signal_pipe[1], &byte, 1);
  (void)ignored;
  errno = saved;
}

void OnSigpipe(int) {}  // a handler, not SIG_IGN: children must not inherit "ignore"

// One line of /proc/PID/stat, the fields tame needs.
struct ProcInfo {
  pid_t pid = 0;
  pid_t ppid = 0;
  pid_t pgrp = 0;
  char state = '?';
  unsigned long long start = 0;  // start time in clock ticks since boot
};

bool ReadSmallFile(const std::string& path, std::string* out, size_t limit) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  out->clear();
  char buf[4096];
  while (out->size() < limit) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out->append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return true;
}

bool ReadStat(pid_t pid, ProcInfo* info) {
  std::string text;
  if (!ReadSmallFile("/proc/" + std::to_string(pid) + "/stat", &text, 4096)) return false;
  // "pid (comm) S ppid pgrp session tty tpgid flags minflt cminflt majflt
  //  cmajflt utime stime cutime cstime priority nice threads itrealvalue
  //  starttime ..."; comm may hold spaces and parentheses: use the last ')'.
  size_t close_paren = text.rfind(')');
  if (close_paren == std::string::npos || close_paren + 2 >= text.size()) return false;
  const char* p = text.c_str() + close_paren + 2;
  info->pid = pid;
  info->state = *p;
  int field = 3;
  char* end = nullptr;
  ++p;
  while (*p != '\0' && field < 22) {
    while (*p == ' ') ++p;
    ++field;
    unsigned long long v = std::strtoull(p, &end, 10);
    if (field == 4) info->ppid = static_cast<pid_t>(v);
    if (field == 5) info->pgrp = static_cast<pid_t>(v);
    if (field == 22) info->start = v;
    p = end;
    while (*p != '\0' && *p != ' ') ++p;
  }
  return field == 22;
}

// True when the environment of `pid` holds `needle` ("\0NAME=VALUE\0", or
// "\0NAME=PREFIX" to match a prefix).
bool EnvironHas(pid_t pid, const std::string& needle) {
  std::string env(1, '\0');
  std::string text;
  if (!ReadSmallFile("/proc/" + std::to_string(pid) + "/environ", &text, 1 << 20)) return false;
  env += text;
  env += '\0';
  return env.find(needle) != std::string::npos;
}

std::vector<ProcInfo> ListProcesses() {
  std::vector<ProcInfo> all;
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return all;
  const pid_t self = getpid();
  while (struct dirent* entry = readdir(dir)) {
    char* end = nullptr;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (*end != '\0' || pid <= 0 || pid == self) continue;
    ProcInfo info;
    if (ReadStat(static_cast<pid_t>(pid), &info) && info.state != 'Z' && info.state != 'X') {
      all.push_back(info);
    }
  }
  closedir(dir);
  return all;
}

// `roots` and every descendant of them among `all`.
std::vector<ProcInfo> WithDescendants(const std::vector<ProcInfo>& all,
                                      const std::vector<ProcInfo>& roots) {
  std::multimap<pid_t, const ProcInfo*> children;
  for (const ProcInfo& p : all) children.emplace(p.ppid, &p);
  std::set<pid_t> seen;
  std::vector<ProcInfo> out;
  std::vector<ProcInfo> work = roots;
  while (!work.empty()) {
    ProcInfo p = work.back();
    work.pop_back();
    if (!seen.insert(p.pid).second) continue;
    out.push_back(p);
    auto range = children.equal_range(p.pid);
    for (auto it = range.first; it != range.second; ++it) work.push_back(*it->second);
  }
  return out;
}

std::vector<ProcInfo> CollectTree(const ProcessTree& tree) {
  std::vector<ProcInfo> all = ListProcesses();
  std::vector<ProcInfo> roots;
  const std::string needle = std::string(1, '\0') + kTagVariable + "=" + tree.tag + '\0';
  for (const ProcInfo& p : all) {
    if ((tree.group > 0 && p.pgrp == tree.group) || EnvironHas(p.pid, needle)) {
      roots.push_back(p);
    }
  }
  return WithDescendants(all, roots);
}

// Signals `p` through a pidfd, after checking that the pid still belongs to
// the process that was seen (same start time).
void SafeSignal(const ProcInfo& p, int sig) {
  int fd = static_cast<int>(syscall(SYS_pidfd_open, p.pid, 0));
  if (fd < 0 && errno != ENOSYS) return;  // gone
  ProcInfo now;
  bool same = ReadStat(p.pid, &now) && now.start == p.start;
  if (same) {
    if (fd >= 0) {
      syscall(SYS_pidfd_send_signal, fd, sig, nullptr, 0);
    } else {
      kill(p.pid, sig);
    }
  }
  if (fd >= 0) close(fd);
}

// tame's children, from /proc/<tame>/task/<tame>/children. The file stays
// open: read again from offset 0, it is generated afresh, without the path
// walk of opening it for every step.
std::vector<pid_t> ChildrenOfTame() {
  static int fd = -1;
  std::vector<pid_t> pids;
  if (fd < 0) {
    std::string self = std::to_string(getpid());
    fd = open(("/proc/" + self + "/task/" + self + "/children").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return pids;
  }
  std::string text;
  char buf[4096];
  off_t offset = 0;
  ssize_t n;
  while ((n = pread(fd, buf, sizeof(buf), offset)) > 0) {
    text.append(buf, static_cast<size_t>(n));
    offset += n;
  }
  const char* p = text.c_str();
  char* end = nullptr;
  while (true) {
    long v = std::strtol(p, &end, 10);
    if (end == p) break;
    pids.push_back(static_cast<pid_t>(v));
    p = end;
  }
  return pids;
}

std::string FindInPath(const std::string& name, const std::vector<std::string>& env,
                       const std::vector<std::string>* base_env) {
  if (name.find('/') != std::string::npos) return name;
  std::string path = "/usr/local/bin:/usr/bin:/bin";
  if (base_env != nullptr) {
    for (const std::string& var : *base_env) {
      if (var.rfind("PATH=", 0) == 0) path = var.substr(5);
    }
  }
  for (const std::string& var : env) {
    if (var.rfind("PATH=", 0) == 0) path = var.substr(5);
  }
  // Each step looks up its interpreter; the answer rarely changes in a run.
  static std::map<std::pair<std::string, std::string>, std::string> found;
  auto known = found.find({path, name});
  if (known != found.end()) return known->second;  // gone since? execve says so
  size_t start = 0;
  while (start <= path.size()) {
    size_t colon = path.find(':', start);
    if (colon == std::string::npos) colon = path.size();
    std::string dir = path.substr(start, colon - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) {
      found[{path, name}] = candidate;
      return candidate;
    }
    start = colon + 1;
  }
  return "";
}

}  // namespace

bool InitProcessControl(std::string* error) {
  if (g_signal_pipe[0] >= 0) return true;
  if (pipe2(g_signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
    *error = std::string("cannot create a pipe: ") + std::strerror(errno);
    return false;
  }
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    *error = std::string("cannot become a subreaper: ") + std::strerror(errno);
    return false;
  }
  struct sigaction sa;
  std::memset(&sa, 0, sizeof(sa));
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sa.sa_handler = OnSignal;
  for (int sig : {SIGCHLD, SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
  sa.sa_handler = OnSigpipe;
  sigaction(SIGPIPE, &sa, nullptr);
  return true;
}

int SignalFd() { return g_signal_pipe[0]; }

Signals TakeSignals() {
  Signals signals;
  unsigned char buf[64];
  ssize_t n;
  while ((n = read(g_signal_pipe[0], buf, sizeof(buf))) > 0) {
    for (ssize_t i = 0; i < n; ++i) {
      if (buf[i] == SIGCHLD) {
        signals.child = true;
      } else {
        signals.interrupt = true;
      }
    }
  }
  return signals;
}

void RaiseInterrupt() { OnSignal(SIGINT); }

bool Spawn(const SpawnSpec& spec, pid_t* pid, int* output_fd, std::string* error) {
  namespace bp = boost::process;
  std::string program = FindInPath(spec.program, spec.env, spec.base_env);
  if (program.empty()) {
    *error = "cannot start " + spec.program + ": not found in PATH";
    return false;
  }
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    *error = "cannot start " + spec.program + ": " + std::strerror(errno);
    return false;
  }
  bp::pipe output(fds[0], fds[1]);
  // The environment goes to execve as it is: Boost's environment object
  // rebuilds its whole block on every variable set, which costs more than
  // the rest of a step's start.
  std::vector<char*> envp;
  envp.reserve(spec.env.size() + (spec.base_env ? spec.base_env->size() : 0) + 1);
  if (spec.base_env != nullptr) {
    for (const std::string& var : *spec.base_env) {
      size_t name_end = var.find('=');
      bool replaced = false;
      for (const std::string& own : spec.env) {
        if (own.size() > name_end && own[name_end] == '=' &&
            own.compare(0, name_end, var, 0, name_end) == 0) {
          replaced = true;
          break;
        }
      }
      if (!replaced) envp.push_back(const_cast<char*>(var.c_str()));
    }
  }
  for (const std::string& var : spec.env) envp.push_back(const_cast<char*>(var.c_str()));
  envp.push_back(nullptr);
  if (g_dev_null < 0) g_dev_null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  std::error_code ec;
  bp::child child(
      bp::exe = program, bp::args = spec.args, bp::start_dir = spec.cwd,
      (bp::std_out & bp::std_err) > output, bp::posix::use_vfork,
      bp::extend::on_setup = [&envp](auto& exec) { exec.env = envp.data(); },
      bp::extend::on_exec_setup =
          [script_fd = spec.script_fd](auto&) {
            // In the child, between vfork and exec: stdin from /dev/null
            // (opened once), a process group of its own, and death with tame.
            dup2(g_dev_null, STDIN_FILENO);
            if (script_fd == kScriptFd) {
              fcntl(kScriptFd, F_SETFD, 0);  // dup2 onto itself would keep close-on-exec
            } else if (script_fd >= 0) {
              dup2(script_fd, kScriptFd);
            }
            setpgid(0, 0);
            prctl(PR_SET_PDEATHSIG, SIGKILL);
          },
      ec);
  *output_fd = output.native_source();
  output.assign_source(-1);
  if (ec || !child.valid()) {
    close(*output_fd);
    *output_fd = -1;
    *error =
        "cannot start " + spec.program + ": " + (ec ? ec.message() : std::string("unknown error"));
    return false;
  }
  *pid = child.id();
  child.detach();  // tame reaps its children itself (ReapChildren)
  fcntl(*output_fd, F_SETFL, fcntl(*output_fd, F_GETFL) | O_NONBLOCK);
  return true;
}

void ReapChildren(const std::function<void(pid_t, int)>& on_exit) {
  int status = 0;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) on_exit(pid, status);
}

std::vector<pid_t> FindTree(const ProcessTree& tree) {
  std::vector<pid_t> pids;
  for (const ProcInfo& p : CollectTree(tree)) pids.push_back(p.pid);
  return pids;
}

int SignalTree(const ProcessTree& tree, int sig) {
  if (tree.group > 0) kill(-tree.group, sig);
  std::vector<ProcInfo> found = CollectTree(tree);
  for (const ProcInfo& p : found) SafeSignal(p, sig);
  return static_cast<int>(found.size());
}

void KillTree(const ProcessTree& tree) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (int pass = 0; std::chrono::steady_clock::now() < until; ++pass) {
    if (tree.group > 0) kill(-tree.group, SIGKILL);
    std::vector<ProcInfo> found = CollectTree(tree);
    if (found.empty()) return;
    for (const ProcInfo& p : found) SafeSignal(p, SIGKILL);
    // A killed process is a zombie a moment later; give the kernel that
    // moment before looking again.
    if (pass > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

bool TreeMayRemain(const ProcessTree& tree, const std::vector<pid_t>& known) {
  if (tree.group > 0 && kill(-tree.group, 0) == 0) return true;
  std::set<pid_t> known_set(known.begin(), known.end());
  for (pid_t pid : ChildrenOfTame()) {
    if (known_set.count(pid) == 0) return true;
  }
  return false;
}

void EndRemaining(const std::string& tag_prefix, int64_t grace_ms) {
  const pid_t self = getpid();
  const std::string needle = std::string(1, '\0') + kTagVariable + "=" + tag_prefix;
  auto collect = [&] {
    std::vector<ProcInfo> all = ListProcesses();
    std::vector<ProcInfo> roots;
    for (const ProcInfo& p : all) {
      if (p.ppid == self || EnvironHas(p.pid, needle)) roots.push_back(p);
    }
    return WithDescendants(all, roots);
  };
  auto reap = [] { ReapChildren([](pid_t, int) {}); };
  reap();
  // Nothing tame started can leave its subtree (it is a subreaper), so with
  // no children left there is nothing to end.
  if (ChildrenOfTame().empty()) return;
  for (const ProcInfo& p : collect()) SafeSignal(p, SIGTERM);
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
  while (std::chrono::steady_clock::now() < until) {
    reap();
    if (collect().empty()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (int pass = 0; pass < 1000; ++pass) {
    std::vector<ProcInfo> found = collect();
    if (found.empty()) break;
    for (const ProcInfo& p : found) SafeSignal(p, SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    reap();
  }
  reap();
}

}  // namespace tame
