// Process control for steps: starting a step's process, noticing that it
// ended, and ending its whole process tree.
//
// How a tree is ended, whatever its processes do:
//   1. Each step's first process starts in a new process group.
//   2. tame is a child subreaper (prctl PR_SET_CHILD_SUBREAPER): when a
//      process under tame loses its parent, it is re-parented to tame, not
//      to init. Nothing started under tame leaves tame's subtree, whether it
//      calls setsid() or forks twice.
//   3. Each step's environment holds TAME_STEP_TAG=<run-id>/<step-id>, and
//      descendants inherit it.
// A tree is every process in the step's group, every process whose
// /proc/PID/environ holds its tag, and every descendant of those (which
// catches a descendant that cleared its environment while its parent
// lives). Ending it sends TERM to all of them, waits a grace period, then
// sends KILL until one more look at /proc finds none. Signals go through
// pidfds opened after checking the process's start time, so a reused pid
// is never signalled.
//
// Limits, also in docs/runner.md:
//   - A process that cleared its environment (exec through `env -i`) AND was
//     orphaned is re-parented to tame without a tag: tame cannot tell which
//     step it came from, so it ends only when the run ends, when every
//     remaining child of tame and its descendants are ended.
//   - Work handed to a daemon outside tame's tree (systemd-run, at, ssh,
//     docker run) is not tame's to end; such daemons have their own cleanup.
//   - Processes in another PID namespace are found only through their
//     process group and tag as seen from tame's namespace.
//   - If tame itself is killed with SIGKILL, each step's first process gets
//     SIGKILL too (PR_SET_PDEATHSIG); its descendants are re-parented to the
//     next subreaper or init and survive.
#ifndef TAME_RUNNER_RUN_PROCESS_H_
#define TAME_RUNNER_RUN_PROCESS_H_

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

namespace tame {

/// Sets up process control; call once before the first Spawn(). Makes tame
/// a child subreaper and routes SIGCHLD, SIGINT, SIGTERM and SIGHUP to a
/// pipe (SignalFd()). Returns false with `error` set when it cannot.
bool InitProcessControl(std::string* error);

/// The read end of the signal pipe: readable once a signal has arrived.
int SignalFd();

struct Signals {
  bool child = false;      // SIGCHLD: a child ended
  bool interrupt = false;  // SIGINT, SIGTERM or SIGHUP
};

/// The signals that arrived since the last call.
Signals TakeSignals();

/// Makes tame's next TakeSignals() report an interrupt (for tests of the
/// loop and for a second source of cancellation).
void RaiseInterrupt();

/// The descriptor a step's script reaches its interpreter on.
constexpr int kScriptFd = 3;

struct SpawnSpec {
  std::string program;            // a path, or a name looked up in PATH of `env`
  std::vector<std::string> args;  // after argv[0]
  std::vector<std::string> env;   // "NAME=VALUE": with base_env, the whole environment
  const std::vector<std::string>* base_env = nullptr;  // less the names `env` sets
  std::string cwd;
  int script_fd = -1;  // when set, given to the process as kScriptFd
};

/// Starts `spec` through Boost.Process (vfork and exec) in a new process
/// group, stdin from /dev/null, stdout and stderr into one pipe whose read
/// end (non-blocking, close-on-exec) goes to `output_fd`. Returns false
/// with `error` set ("cannot start bash: No such file or directory") when
/// it could not start.
bool Spawn(const SpawnSpec& spec, pid_t* pid, int* output_fd, std::string* error);

/// Reaps every ended child of tame, calling on_exit(pid, wait status).
void ReapChildren(const std::function<void(pid_t, int)>& on_exit);

/// What a step's process tree is known by.
struct ProcessTree {
  pid_t group = -1;  // the process group of the step's first process
  std::string tag;   // the value of TAME_STEP_TAG
};

/// The environment variable that marks a step's processes.
constexpr char kTagVariable[] = "TAME_STEP_TAG";

/// The live processes of `tree` (zombies and tame excluded), from one look
/// at /proc.
std::vector<pid_t> FindTree(const ProcessTree& tree);

/// Sends `sig` to every process of `tree`; returns how many there were.
int SignalTree(const ProcessTree& tree, int sig);

/// Sends KILL to `tree` until a look at /proc finds nothing of it.
void KillTree(const ProcessTree& tree);

/// A cheap test, for the end of every step: false when nothing of `tree`
/// can be left (its group is empty and tame has no children but `known`),
/// true when it may be.
bool TreeMayRemain(const ProcessTree& tree, const std::vector<pid_t>& known);

/// Ends everything left under tame: every process tagged with a tag that
/// starts with `tag_prefix`, every child of tame, and their descendants.
/// TERM, up to `grace_ms` for them to go, then KILL. Reaps what it can.
void EndRemaining(const std::string& tag_prefix, int64_t grace_ms);

}  // namespace tame

#endif  // TAME_RUNNER_RUN_PROCESS_H_
