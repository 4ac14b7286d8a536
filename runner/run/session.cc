#include "runner/run/session.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "core/catalog.h"
#include "core/duration.h"
#include "core/params.h"
#include "core/save.h"
#include "core/step_inputs.h"
#include "core/validate.h"
#include "runner/files.h"
#include "runner/run/report.h"
#include "runner/run/run_dir.h"
#include "runner/run/util.h"
#include "runner/steps/approvals.h"
#include "runner/steps/step.h"

extern char** environ;

namespace tame {
namespace {

constexpr size_t kReadChunk = 1 << 16;
constexpr size_t kMaxLine = 1 << 16;        // longer output lines are cut for the console
constexpr size_t kMaxOutputFile = 1 << 20;  // $TAME_OUTPUT
constexpr int64_t kStopCheckMs = 50;
constexpr size_t kMaxDetailsFile = 4 << 20;  // $TAME_DETAILS
// report.json is rewritten at most this often while the run goes on.
constexpr int64_t kReportIntervalMs = 1000;
// How long whole lines the masker holds back wait for the next output.
constexpr int64_t kHeldLinesMs = 1000;

// Variables tame sets for each step; inherited ones are dropped.
bool IsTameVariable(const std::string& name) {
  for (const char* prefix :
       {"TAME_STEP", "TAME_OUTPUT", "TAME_RUN_ID", "TAME_WORKSPACE", "TAME_ATTEMPT", "TAME_PARAM_",
        "TAME_SECRET_", "TAME_RUN_DIR", "TAME_DETAILS"}) {
    if (name.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    const char* name = strsignal(sig);
    return "killed by signal " + std::to_string(sig) + (name ? " (" + std::string(name) + ")" : "");
  }
  return "ended";
}

// Parses $TAME_OUTPUT: "name=value" lines, and "name<<DELIM" followed by
// lines up to one that is DELIM, for values with newlines.
std::map<std::string, std::string> ParseOutputFile(const std::string& text,
                                                   std::vector<std::string>* warnings) {
  std::map<std::string, std::string> values;
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (line.empty()) continue;
    size_t eq = line.find('=');
    size_t heredoc = line.find("<<");
    if (heredoc != std::string::npos && (eq == std::string::npos || heredoc < eq)) {
      std::string name = line.substr(0, heredoc);
      std::string delim = line.substr(heredoc + 2);
      std::string value;
      size_t k = i + 1;
      for (; k < lines.size() && lines[k] != delim; ++k) {
        value += (k > i + 1 ? "\n" : "") + lines[k];
      }
      if (!IsValidName(name) || delim.empty() || k == lines.size()) {
        warnings->push_back("$TAME_OUTPUT line " + std::to_string(i + 1) +
                            ": expected name<<DELIMITER, value lines, DELIMITER");
        break;
      }
      i = k;
      if (value.find('\0') != std::string::npos) {
        warnings->push_back("$TAME_OUTPUT: the value of \"" + name +
                            "\" holds a NUL byte, which no variable can carry; ignored");
        continue;
      }
      values[name] = value;
      continue;
    }
    std::string name = eq == std::string::npos ? "" : line.substr(0, eq);
    if (!IsValidName(name)) {
      warnings->push_back("$TAME_OUTPUT line " + std::to_string(i + 1) +
                          ": expected name=value; ignored");
      continue;
    }
    if (line.find('\0', eq) != std::string::npos) {
      warnings->push_back("$TAME_OUTPUT line " + std::to_string(i + 1) + ": the value of \"" +
                          name + "\" holds a NUL byte, which no variable can carry; ignored");
      continue;
    }
    values[name] = line.substr(eq + 1);
  }
  return values;
}

// The script goes into an in-memory file (memfd): creating and removing a
// file per step on disk, or even on tmpfs, costs more than the rest of a
// step's start. The interpreter reads it as /dev/fd/3.
int ScriptFile(const std::string& step, const std::string& text, std::string* error) {
  int fd = memfd_create((step + ".sh").c_str(), MFD_CLOEXEC);
  if (fd < 0 || !WriteAll(fd, text)) {
    *error = std::string("cannot write the script: ") + std::strerror(errno);
    if (fd >= 0) close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

int64_t SteadyClock::NowMs() { return SteadyNowMs(); }

struct Session::Attempt {
  explicit Attempt(const MaskPatterns* mask) : masker(mask) {}
  int step = -1;
  int number = 0;
  pid_t pid = -1;
  int fd = -1;  // output pipe; -1 once closed
  int log_fd = -1;
  ProcessTree tree;
  StreamMasker masker;
  std::string line;         // output after the last newline, masked
  int64_t held_since = -1;  // when the masker began to hold back whole lines
  std::string output_file;
  bool exited = false;
  int wait_status = 0;
  bool stopping = false;          // TERM sent; KILL at kill_at
  bool requested = false;         // Stop() asked for it (else: leftovers of an ended step)
  bool kind_step = false;         // runs as `tame __step KIND`
  std::string details_file;       // $TAME_DETAILS of a kind step
  int64_t details_mtime_ns = -1;  // of details_file when last read
  StopReason reason = StopReason::kCancel;
  int64_t kill_at = 0;
  int64_t next_check = 0;
};

Session::Session(RunState* state, JournalWriter* journal, Console* console,
                 std::map<int, RunStep> restored)
    : state_(state),
      journal_(journal),
      console_(console),
      restored_(std::move(restored)),
      cache_(state->workspace),
      report_written_ms_(state->started_ms) {
  std::set<std::string> secret_vars;
  for (const auto& [name, decl] : state->pipeline.secrets) {
    if (decl.from == "env") secret_vars.insert(decl.env.empty() ? name : decl.env);
  }
  for (char** e = environ; *e != nullptr; ++e) {
    std::string var = *e;
    std::string name = var.substr(0, var.find('='));
    if (secret_vars.count(name) || IsTameVariable(name)) continue;
    base_env_.push_back(var);
  }
}

Session::~Session() {
  for (const auto& entry : scripts_) close(entry.second);
  for (auto& [step, a] : running_) {
    if (a->fd >= 0) close(a->fd);
    if (a->log_fd >= 0) close(a->log_fd);
  }
}

std::string Session::ReferenceText(const Reference& ref) const {
  switch (ref.kind) {
    case RefKind::kParam: {
      auto it = state_->params.find(ref.name);
      return it == state_->params.end() ? "" : ParamText(it->second);
    }
    case RefKind::kSecret: {
      auto it = state_->secrets.find(ref.name);
      return it == state_->secrets.end() ? "" : it->second;
    }
    case RefKind::kRunId:
      return state_->run_id;
    case RefKind::kStepOutput: {
      int producer = state_->pipeline.FindStep(ref.step);
      if (producer < 0) return "";
      const auto& outputs = state_->records[producer].outputs;
      auto it = outputs.find(ref.name);
      return it == outputs.end() ? "" : it->second;
    }
  }
  return "";
}

bool Session::Start(int step, int attempt, AttemptEnd* end) {
  RunStep& record = state_->records[step];
  const Step& def = state_->pipeline.steps[step];
  end->step = step;
  auto restored = restored_.find(step);
  if (restored != restored_.end()) {
    record = restored->second;
    record.restored = record.reused_from.empty();
    end->status = AttemptStatus::kSucceeded;
    end->exit_code = 0;
    end->reused = true;
    return false;
  }
  if (step < static_cast<int>(not_selected_.size()) && not_selected_[step]) {
    // Nothing that runs depends on it (see SelectSteps), so its "success"
    // moves nothing; the report says "not run".
    record.not_selected = true;
    end->status = AttemptStatus::kSucceeded;
    end->exit_code = 0;
    end->reused = true;
    return false;
  }
  if (record.first_start_ms < 0) {
    record.first_start_ms = SteadyNowMs();
    record.started_at = IsoTimeNow();
  }
  if (def.uses != "shell" && FindStepFunction(def.uses) == nullptr) {
    return FailAtStart(step, "step kind \"" + def.uses + "\" cannot run in this build of tame",
                       /*retryable=*/false, end);
  }
  if (attempt == 1 && def.cache && def.cache->enabled && TryCache(step, end)) return false;
  return def.uses == "shell" ? StartShell(step, attempt, end) : StartKind(step, attempt, end);
}

// A hit ends the step at once with the stored outputs; a miss (or
// --no-cache) remembers the key so that a success is stored under it.
bool Session::TryCache(int step, AttemptEnd* end) {
  const Step& def = state_->pipeline.steps[step];
  std::map<std::string, std::string> refs;
  std::map<std::string, std::string> file_refs;
  for (const Reference& ref : StepReferences(def)) {
    refs[ref.Text()] = ReferenceText(ref);
    if (ref.kind != RefKind::kStepOutput) continue;
    int producer = state_->pipeline.FindStep(ref.step);
    if (producer < 0) continue;
    auto decl = state_->pipeline.steps[producer].outputs.find(ref.name);
    if (decl != state_->pipeline.steps[producer].outputs.end() && !decl->second.path.empty()) {
      file_refs[ref.Text()] = decl->second.path;
    }
  }
  CacheEntry entry;
  std::string error;
  size_t index = static_cast<size_t>(step);
  std::string definition =
      index < state_->definitions.size() ? state_->definitions[index] : StepDefinitionHash(def);
  if (!cache_.ComputeKey(state_->pipeline.name, def, definition, refs, file_refs, &entry, &error)) {
    console_->Message(state_->mask->Mask(def.id + ": not using the cache: " + error));
    return false;
  }
  // --no-cache runs the step, and stores what it makes.
  const CacheEntry* hit = state_->use_cache ? cache_.Find(entry.key) : nullptr;
  if (hit != nullptr) {
    std::string why;
    std::map<std::string, std::string> outputs;
    if (cache_.OutputsIntact(*hit, &why) && cache_.Outputs(*hit, &outputs, &why)) {
      RunStep& record = state_->records[step];
      record.outputs = std::move(outputs);
      record.cached = true;
      end->status = AttemptStatus::kSucceeded;
      end->exit_code = 0;
      end->reused = true;
      return true;
    }
  }
  pending_cache_[step] = std::move(entry);
  return false;
}

bool Session::FailAtStart(int step, const std::string& error, bool retryable, AttemptEnd* end) {
  RunStep& record = state_->records[step];
  record.error = state_->mask->Mask(error);
  record.exit_code = -1;
  end->status = AttemptStatus::kFailed;
  end->exit_code = -1;
  end->retryable = retryable;
  AppendToLog(step, "tame: " + record.error + "\n");
  return false;
}

// Opens the step's log for appending, making logs/ when it is the first:
// a run where nothing prints makes neither. A symbolic link in the run
// folder is refused, not followed (run_dir.h); the console says so once.
int Session::OpenLog(int step) {
  const std::string& id = state_->pipeline.steps[step].id;
  int fd = OpenLogForAppend(state_->run_dir, id);
  if (fd >= 0) {
    state_->records[step].has_log = true;
  } else if (log_refused_.insert(step).second) {
    const int err = errno;
    console_->Message("tame: " + state_->run_dir_display + "/logs/" + id + ".log: " +
                      (err == ELOOP || err == ENOTDIR || err == EINVAL
                           ? std::string("not a plain file in a plain folder; it is not followed")
                           : std::string(std::strerror(err))) +
                      "; the step's log is not kept");
  }
  return fd;
}

void Session::AppendToLog(int step, const std::string& text) {
  int fd = OpenLog(step);
  if (fd < 0) return;
  WriteAll(fd, text);
  close(fd);
}

// The variables a step adds to tame's environment (base_env_, which holds
// no TAME_* variable): its own, then tame's.
std::vector<std::string> Session::StepEnvironment(
    int step, int attempt, const std::map<std::string, std::string>& vars) const {
  std::vector<std::string> env;
  env.reserve(vars.size() + 8);
  for (const auto& [name, value] : vars) env.push_back(name + "=" + value);
  const std::string& id = state_->pipeline.steps[step].id;
  const std::string number = std::to_string(attempt);
  env.push_back("TAME_RUN_ID=" + state_->run_id);
  env.push_back("TAME_STEP=" + id);
  env.push_back("TAME_STEP_ID=" + id);
  env.push_back("TAME_ATTEMPT=" + number);
  env.push_back("TAME_WORKSPACE=" + state_->workspace);
  env.push_back("TAME_RUN_DIR=" + state_->run_dir);
  env.push_back("TAME_PIPELINE=" + state_->pipeline.name);
  env.push_back("TAME_PIPELINE_HASH=" + state_->pipeline_hash);
  env.push_back("TAME_INITIATOR=" + RunInitiator());
  env.push_back("TAME_OUTPUT=" + state_->outputs_dir + "/" + id + "." + number);
  env.push_back(std::string(kTagVariable) + "=" + state_->run_id + "/" + id);
  return env;
}

bool Session::StartShell(int step, int attempt, AttemptEnd* end) {
  const Step& def = state_->pipeline.steps[step];
  ShellCommand cmd;
  std::string error;
  if (!PrepareShellStep(
          def, [this](const Reference& r) { return ReferenceText(r); }, &cmd, &error)) {
    return FailAtStart(step, error, false, end);
  }
  std::string cwd = state_->workspace;
  if (!cmd.workdir.empty()) {
    cwd = cmd.workdir[0] == '/' ? cmd.workdir : state_->workspace + "/" + cmd.workdir;
    struct stat st;
    if (stat(cwd.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return FailAtStart(step, "workdir \"" + cmd.workdir + "\" is not a folder", false, end);
    }
  }
  const int script = Script(def.id, cmd.script, &error);
  if (script < 0) return FailAtStart(step, error, false, end);
  auto a = std::make_unique<Attempt>(state_->mask.get());
  a->step = step;
  a->number = attempt;
  a->output_file = state_->outputs_dir + "/" + def.id + "." + std::to_string(attempt);
  SpawnSpec spec;
  spec.program = cmd.shell;
  spec.args = cmd.flags;
  spec.args.push_back("/dev/fd/" + std::to_string(kScriptFd));
  spec.script_fd = script;
  spec.env = StepEnvironment(step, attempt, cmd.env);
  spec.base_env = &base_env_;
  spec.cwd = cwd;
  journal_->Flush();
  bool started = Spawn(spec, &a->pid, &a->fd, &error);
  if (!started) {
    if (a->log_fd >= 0) close(a->log_fd);
    return FailAtStart(step, error, false, end);
  }
  a->tree.group = a->pid;
  a->tree.tag = state_->run_id + "/" + def.id;
  leaders_[a->pid] = step;
  running_[step] = std::move(a);
  return true;
}

// Logs are opened at the first output: a step that prints nothing costs no
// file (creating one can take most of a millisecond on a busy disk).
// Other kinds run as `tame __step KIND` (runner/steps/step.h): the same
// process control, output, masking and journal as shell steps. Their params
// travel in TAME_PARAMS with catalog defaults filled in and references
// replaced by values (a whole-reference param keeps its JSON type).
bool Session::StartKind(int step, int attempt, AttemptEnd* end) {
  const Step& def = state_->pipeline.steps[step];
  const KindSpec* kind = FindKind(def.uses);
  std::string error;
  auto text = [this](const Reference& r) { return ReferenceText(r); };
  auto typed = [this](const Reference& r) -> Json {
    auto it = state_->params.find(r.name);
    return it == state_->params.end() ? Json() : it->second;
  };
  Json params = Json::object();
  for (const ParamSpec& spec : kind->params) {
    Json value = ParamValue(def, spec);
    if (value.is_null()) continue;
    Json resolved;
    if (!SubstituteReferences(value, text, typed, &resolved, &error)) {
      return FailAtStart(step, "with." + spec.name + ": " + error, false, end);
    }
    // What a step sends out to be read by people (a webhook message) goes
    // through the masker like everything tame writes.
    if (spec.name == "message" && resolved.is_string())
      resolved = MaskJson(resolved, *state_->mask);
    params[spec.name] = std::move(resolved);
  }
  std::map<std::string, std::string> vars;
  for (const auto& [name, value] : def.env) {
    std::vector<Reference> refs;
    if (!ParseReferences(value, &refs, &error)) {
      return FailAtStart(step, "env." + name + ": " + error, false, end);
    }
    vars[name] = Substitute(value, refs, text);
  }
  vars["TAME_PARAMS"] = params.dump(-1, ' ', false, Json::error_handler_t::replace);
  static const std::string self = [] {
    char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string("/proc/self/exe");
  }();
  auto a = std::make_unique<Attempt>(state_->mask.get());
  a->step = step;
  a->number = attempt;
  a->kind_step = true;
  a->output_file = state_->outputs_dir + "/" + def.id + "." + std::to_string(attempt);
  a->details_file = a->output_file + ".details";
  vars["TAME_DETAILS"] = a->details_file;
  SpawnSpec spec;
  spec.program = self;
  spec.args = {"__step", def.uses};
  spec.env = StepEnvironment(step, attempt, vars);
  spec.base_env = &base_env_;
  spec.cwd = state_->workspace;
  journal_->Flush();
  if (!Spawn(spec, &a->pid, &a->fd, &error)) return FailAtStart(step, error, false, end);
  a->tree.group = a->pid;
  a->tree.tag = state_->run_id + "/" + def.id;
  leaders_[a->pid] = step;
  running_[step] = std::move(a);
  return true;
}

// A memfd holding `text`. Steps whose scripts are the same text (common:
// references become variables, so parameterised copies of a step share
// their script) share one, kept open for the run; the interpreter opens
// its own description of it through /dev/fd/3, reading from the start.
int Session::Script(const std::string& step, const std::string& text, std::string* error) {
  auto known = scripts_.find(text);
  if (known != scripts_.end()) return known->second;
  int fd = ScriptFile(step, text, error);
  if (fd >= 0) scripts_.emplace(text, fd);
  return fd;
}

void Session::WriteLog(Attempt* a, const std::string& text) {
  if (text.empty()) return;
  if (a->log_fd < 0) {
    a->log_fd = OpenLog(a->step);
    if (a->log_fd < 0) return;
    if (a->number > 1) WriteAll(a->log_fd, "--- attempt " + std::to_string(a->number) + " ---\n");
  }
  WriteAll(a->log_fd, text);
}

void Session::EmitLines(Attempt* a, const std::string& masked, bool final) {
  a->line += masked;
  size_t start = 0;
  size_t nl;
  while ((nl = a->line.find('\n', start)) != std::string::npos) {
    size_t end = nl > start && a->line[nl - 1] == '\r' ? nl - 1 : nl;
    console_->Output(a->step, a->line.substr(start, end - start));
    start = nl + 1;
  }
  a->line.erase(0, start);
  if ((final && !a->line.empty()) || a->line.size() > kMaxLine) {
    console_->Output(a->step, a->line);
    a->line.clear();
  }
}

void Session::ReadOutput(Attempt* a, bool drain) {
  if (a->fd < 0) return;
  static char buf[kReadChunk];
  std::string masked;
  // After the step's first process ended, what is in the pipe is read out,
  // but no more than 16 chunks: a leftover process could write forever.
  for (int chunk = 0; chunk < (drain ? 16 : 4); ++chunk) {
    ssize_t n = read(a->fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;  // EAGAIN: nothing more for now
    if (n == 0) {
      close(a->fd);
      a->fd = -1;
      break;
    }
    masked.clear();
    a->masker.Feed(std::string_view(buf, static_cast<size_t>(n)), &masked);
    WriteLog(a, masked);
    EmitLines(a, masked, false);
  }
  if (!a->masker.holds_line()) {
    a->held_since = -1;
  } else if (a->held_since < 0) {
    a->held_since = SteadyNowMs();
  }
}

// Lines that end like wrapped base64 are held back until the next line
// shows whether a secret's encoding goes on in it. Base64 tools write their
// lines at once; when a step says nothing more for kHeldLinesMs, the lines
// are released (and the masker starts afresh), so a log line never waits
// for long. A piece of a line without its end is held as before.
void Session::ReleaseHeldLines(int64_t now) {
  for (auto& [step, a] : running_) {
    if (a->held_since < 0 || now < a->held_since + kHeldLinesMs) continue;
    a->held_since = -1;
    std::string rest;
    a->masker.Finish(&rest);
    WriteLog(a.get(), rest);
    EmitLines(a.get(), rest, false);
  }
}

// The step's first process ended. Output still in the pipe is read; then
// the step is over unless processes of its tree remain, which get TERM and
// a grace period like a stopped step.
void Session::ProcessEnded(Attempt* a) {
  ReadOutput(a, /*drain=*/true);
  if (a->fd >= 0) {
    close(a->fd);  // a leftover process holds the pipe; what it writes now is lost
    a->fd = -1;
  }
  std::vector<pid_t> leaders;
  for (const auto& entry : leaders_) leaders.push_back(entry.first);
  if (!TreeMayRemain(a->tree, leaders)) {
    Complete(a);
    return;
  }
  if (FindTree(a->tree).empty()) {
    Complete(a);
    return;
  }
  if (!a->stopping) {
    a->stopping = true;
    SignalTree(a->tree, SIGTERM);
    a->kill_at = SteadyNowMs() + state_->kill_grace_ms;
  }
  a->next_check = SteadyNowMs() + kStopCheckMs;
}

void Session::CheckStopping(Attempt* a, int64_t now) {
  if (now >= a->kill_at) {
    KillTree(a->tree);
    if (a->exited) Complete(a);  // else its SIGCHLD comes next
    return;
  }
  if (now < a->next_check) return;
  a->next_check = now + kStopCheckMs;
  if (a->exited && FindTree(a->tree).empty()) Complete(a);
}

void Session::Complete(Attempt* a) {
  std::string rest;
  a->masker.Finish(&rest);
  WriteLog(a, rest);
  EmitLines(a, rest, /*final=*/true);
  if (a->log_fd >= 0) close(a->log_fd);
  a->log_fd = -1;
  RunStep& record = state_->records[a->step];
  AttemptEnd end;
  end.step = a->step;
  bool exited = WIFEXITED(a->wait_status);
  end.exit_code = exited ? WEXITSTATUS(a->wait_status) : -1;
  end.status = end.exit_code == 0 ? AttemptStatus::kSucceeded : AttemptStatus::kFailed;
  record.exit_code = end.exit_code;
  record.error = end.exit_code == 0 ? "" : DescribeWaitStatus(a->wait_status);
  // A step stopped for its timeout failed, whatever it exited with: its
  // outputs are not taken and nothing of it is cached. (The run loop names
  // the status; the message is set where the attempt's end is reported.)
  if (a->requested && a->reason == StopReason::kTimeout) end.status = AttemptStatus::kTimedOut;
  if (a->kind_step && end.exit_code == kStepFailedFinal) end.retryable = false;
  if (a->kind_step) {
    ReadDetails(a);
    unlink(a->details_file.c_str());
  }
  if (record.waiting) {
    record.waiting = false;
    --waiting_steps_;
  }
  if (end.status == AttemptStatus::kSucceeded) CollectOutputs(a, &end);
  auto pending = pending_cache_.find(a->step);
  if (end.status == AttemptStatus::kSucceeded && pending != pending_cache_.end()) {
    CacheEntry& entry = pending->second;
    std::string error;
    // A value that holds a secret goes to the cache's secret store, never
    // into the entries, in clear or masked.
    const MaskPatterns& mask = *state_->mask;
    auto is_secret = [&mask](const std::string& v) { return mask.Mask(v) != v; };
    if (cache_.StampOutputs(state_->pipeline.steps[a->step], &entry, &error) &&
        cache_.SetOutputs(record.outputs, is_secret, &entry)) {
      cache_.Store(entry);
    }
    pending_cache_.erase(pending);
  }
  leaders_.erase(a->pid);
  completed_.push_back(end);
  running_.erase(a->step);  // `a` is gone after this
}

void Session::CollectOutputs(Attempt* a, AttemptEnd* end) {
  const Step& def = state_->pipeline.steps[a->step];
  RunStep& record = state_->records[a->step];
  std::string text;
  std::string error;
  std::map<std::string, std::string> values;
  std::vector<std::string> warnings;
  // Only outputs that can be referenced are kept: those the step declares,
  // and those its kind publishes (docker.push's ref, k8s.deploy's revision).
  std::set<std::string> published;
  for (const auto& [name, decl] : def.outputs) published.insert(name);
  if (const KindSpec* kind = FindKind(def.uses)) {
    for (const OutputSpec& o : kind->outputs) published.insert(o.name);
  }
  if (published.empty()) return;
  struct stat st;
  if (stat(a->output_file.c_str(), &st) == 0) {
    if (!ReadFile(a->output_file, kMaxOutputFile, &text, &error)) {
      warnings.push_back("$TAME_OUTPUT: " + error);
    } else {
      for (auto& [name, value] : ParseOutputFile(text, &warnings)) {
        if (published.count(name) > 0) values[name] = std::move(value);
      }
    }
    // It may hold secrets: it does not stay. (Files no one reads, of failed
    // attempts or of steps with no outputs, go with their folder at the end.)
    unlink(a->output_file.c_str());
  }
  for (const std::string& w : warnings) {
    AppendToLog(a->step, "tame: " + state_->mask->Mask(w) + "\n");
    console_->Message(state_->mask->Mask(def.id + ": " + w));
  }
  std::string problem;
  for (const auto& [name, decl] : def.outputs) {
    if (decl.path.empty()) {
      if (values.count(name) == 0 && problem.empty()) {
        problem = "output \"" + name + "\" was not written to $TAME_OUTPUT";
      }
      continue;
    }
    struct stat file;
    std::string path = state_->workspace + "/" + decl.path;
    if (stat(path.c_str(), &file) != 0 && problem.empty()) {
      problem = "output \"" + name + "\": file " + decl.path + " does not exist";
    }
    values[name] = decl.path;
  }
  record.outputs = values;
  if (!problem.empty()) {
    record.error = state_->mask->Mask(problem);
    end->status = AttemptStatus::kFailed;
    AppendToLog(a->step, "tame: " + record.error + "\n");
  }
}

// Takes what a kind step reported through $TAME_DETAILS into its record:
// only the members the report knows, masked. A file that is missing or
// does not parse leaves the record as it was.
void Session::ReadDetails(Attempt* a) {
  struct stat st;
  if (stat(a->details_file.c_str(), &st) != 0) return;
  a->details_mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  std::string text;
  std::string error;
  if (!ReadFile(a->details_file, kMaxDetailsFile, &text, &error)) return;
  Json details = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (details.is_discarded() || !details.is_object()) return;
  RunStep& record = state_->records[a->step];
  const std::string key = KindDetailsKey(state_->pipeline.steps[a->step].uses);
  auto found = key.empty() ? details.end() : details.find(key);
  if (found != details.end() && (found->is_object() || found->is_array())) {
    record.details = Json{{key, MaskJson(*found, *state_->mask)}};
  }
  // Files a step hands over rather than writes, so that they are written
  // here, through the masker: metrics.gate's report and an approval's audit.
  const std::string& id = state_->pipeline.steps[a->step].id;
  const std::pair<const char*, std::string> handed[] = {
      {"gate_report", "gates/" + id + ".json"}, {"audit", "approvals/" + id + "/audit.json"}};
  for (const auto& [key, relative] : handed) {
    auto found = details.find(key);
    if (found == details.end() || !found->is_object()) continue;
    const std::string path = state_->run_dir + "/" + relative;
    mkdir(path.substr(0, path.rfind('/')).c_str(), 0755);
    if (!WriteMaskedFile(*state_->mask, path, FormatJsonValue(*found) + "\n", &error)) {
      console_->Message(state_->mask->Mask(path + ": " + error));
    }
  }
  report_dirty_ = true;
}

// While the run goes on: rewrites report.json when something changed and
// the last write is kReportIntervalMs old, and picks up new sign-offs of
// waiting approval steps at the same pace. A thousand quick steps cost a
// few rewrites, not a thousand.
void Session::KeepReport(int64_t now) {
  if (now >= next_details_check_ms_) {
    next_details_check_ms_ = now + kReportIntervalMs;
    for (auto& [step, a] : running_) {
      if (!state_->records[step].waiting) continue;
      struct stat st;
      if (stat(a->details_file.c_str(), &st) != 0) continue;
      int64_t mtime = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
      if (mtime != a->details_mtime_ns) ReadDetails(a.get());
    }
  }
  if (report_dirty_ && now - report_written_ms_ >= kReportIntervalMs) WriteReportNow(now);
}

void Session::WriteReportNow(int64_t now) {
  report_dirty_ = false;
  report_written_ms_ = now;
  std::string error;
  if (!WriteReport(*state_, &error) && !report_warned_) {
    report_warned_ = true;
    console_->Message(state_->mask->Mask(error));
  }
}

void Session::Stop(int step, StopReason reason) {
  auto it = running_.find(step);
  if (it == running_.end()) return;
  Attempt* a = it->second.get();
  a->requested = true;
  a->reason = reason;
  if (a->stopping) return;
  a->stopping = true;
  SignalTree(a->tree, SIGTERM);
  int64_t now = SteadyNowMs();
  a->kill_at = now + state_->kill_grace_ms;
  a->next_check = now + kStopCheckMs;
}

int64_t Session::NextTimer() const {
  int64_t next = console_->NextTickMs() >= 0 ? SteadyNowMs() + console_->NextTickMs() : -1;
  auto at = [&next](int64_t t) { next = next < 0 ? t : std::min(next, t); };
  if (report_dirty_) at(report_written_ms_ + kReportIntervalMs);
  if (waiting_steps_ > 0) at(next_details_check_ms_);
  for (const auto& [step, a] : running_) {
    if (a->held_since >= 0) at(a->held_since + kHeldLinesMs);
  }
  for (const auto& [step, a] : running_) {
    if (!a->stopping) continue;
    int64_t t = std::min(a->kill_at, a->next_check);
    next = next < 0 ? t : std::min(next, t);
  }
  return next;
}

// The poll(2) loop: returns as soon as an attempt has ended, the deadline
// passed or the user interrupted; in between it reads output, reaps
// children and escalates stops.
// Acts on the signals that arrived: an interrupt is remembered for Wait()
// to return; ended children are reaped, and an ended step's process moves
// its attempt on.
void Session::HandleSignals() {
  Signals signals = TakeSignals();
  if (signals.interrupt) interrupt_pending_ = true;
  if (!signals.child) return;
  std::vector<Attempt*> ended;
  ReapChildren([&](pid_t pid, int status) {
    auto leader = leaders_.find(pid);
    if (leader == leaders_.end()) return;  // an orphan tame adopted
    Attempt* a = running_[leader->second].get();
    a->exited = true;
    a->wait_status = status;
    ended.push_back(a);
  });
  for (Attempt* a : ended) ProcessEnded(a);
}

// The poll(2) loop: returns as soon as an attempt has ended, the deadline
// passed or the user interrupted; in between it reads output, reaps
// children and escalates stops. When a step's output reaches its end, its
// process is reaped right away if it has exited, as ninja does: waiting
// for SIGCHLD as well would cost a second wakeup per step, which on a busy
// machine is a second wait for a CPU.
StepExecutor::WaitResult Session::Wait(int64_t deadline_ms, AttemptEnd* end) {
  std::vector<pollfd> fds;
  std::vector<int> fd_steps;
  while (true) {
    HandleSignals();
    if (!completed_.empty()) {
      *end = completed_.front();
      completed_.pop_front();
      return WaitResult::kEnded;
    }
    if (interrupt_pending_) {
      interrupt_pending_ = false;
      return WaitResult::kInterrupted;
    }
    int64_t now = SteadyNowMs();
    KeepReport(now);
    if (deadline_ms >= 0 && now >= deadline_ms) return WaitResult::kDeadline;
    std::vector<Attempt*> stopping;
    for (auto& [step, a] : running_) {
      if (a->stopping) stopping.push_back(a.get());
    }
    for (Attempt* a : stopping) CheckStopping(a, now);
    if (!completed_.empty()) continue;
    ReleaseHeldLines(now);

    int64_t wake = NextTimer();
    if (deadline_ms >= 0) wake = wake < 0 ? deadline_ms : std::min(wake, deadline_ms);
    int timeout = wake < 0 ? -1 : static_cast<int>(std::max<int64_t>(0, wake - now));
    fds.assign(1, pollfd{SignalFd(), POLLIN, 0});
    fd_steps.assign(1, -1);
    for (auto& [step, a] : running_) {
      if (a->fd < 0) continue;
      fds.push_back(pollfd{a->fd, POLLIN, 0});
      fd_steps.push_back(step);
    }
    journal_->Flush();
    console_->Flush();
    int ready = poll(fds.data(), fds.size(), timeout);
    if (ready < 0 && errno != EINTR) return WaitResult::kInterrupted;
    if (ready <= 0) continue;
    std::vector<Attempt*> at_end;
    for (size_t i = 1; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      auto it = running_.find(fd_steps[i]);
      if (it == running_.end()) continue;
      Attempt* a = it->second.get();
      ReadOutput(a, /*drain=*/false);
      if (a->fd < 0 && !a->exited) at_end.push_back(a);
    }
    for (Attempt* a : at_end) {
      int status = 0;
      if (waitpid(a->pid, &status, WNOHANG) == a->pid) {
        a->exited = true;
        a->wait_status = status;
        ProcessEnded(a);
      }
    }
  }
}

void Session::AttemptStarted(int step, int attempt) {
  EventText event(state_->mask.get());
  event.Int("attempt", attempt);
  event.String("event", "step_started");
  event.String("step", state_->pipeline.steps[step].id);
  journal_->Append(std::move(event));
  console_->StepStarted(step, attempt);
  // An approval step waits for people from its start: the report says so
  // at once, for whoever looks at it to sign off.
  RunStep& record = state_->records[step];
  if (KindWaitsForPeople(state_->pipeline.steps[step].uses) && !record.waiting) {
    record.waiting = true;
    ++waiting_steps_;
    WriteReportNow(SteadyNowMs());
  }
}

void Session::AttemptEnded(int step, int attempt, const AttemptEnd& end, bool will_retry,
                           int64_t delay_ms) {
  if (end.reused || end.status == AttemptStatus::kSucceeded) return;
  RunStep& record = state_->records[step];
  const Step& def = state_->pipeline.steps[step];
  if (end.status == AttemptStatus::kTimedOut) {
    record.error = "timed out after " + FormatDuration(TimeoutMsOf(def));
  } else if (end.status == AttemptStatus::kCancelled) {
    record.error = "cancelled";
  }
  Json event{{"event", "attempt_ended"}, {"step", def.id},
             {"attempt", attempt},       {"status", AttemptStatusName(end.status)},
             {"error", record.error},    {"retry", will_retry}};
  if (end.exit_code >= 0) event["exit_code"] = end.exit_code;
  if (will_retry) event["delay_ms"] = delay_ms;
  journal_->Append(event);
  if (will_retry) {
    int max_attempts = def.retries ? def.retries->max + 1 : 1;
    console_->AttemptFailed(step, attempt, record.error, delay_ms, max_attempts);
  }
}

void Session::StepEnded(int step, StepStatus status, int attempts) {
  RunStep& record = state_->records[step];
  const Step& def = state_->pipeline.steps[step];
  record.status = status;
  report_dirty_ = true;
  if (record.not_selected) {
    journal_->Append({{"event", "step_ended"}, {"step", def.id}, {"status", "not run"}});
    console_->StepEnded(step, "not run", 0, "not selected");
    return;
  }
  if (!record.restored && record.reused_from.empty()) {
    record.attempts = attempts;
    if (record.first_start_ms >= 0) record.duration_ms = SteadyNowMs() - record.first_start_ms;
  }
  std::string note;
  if (record.cached) {
    note = "cached";
  } else if (record.restored) {
    note = "restored";
  } else if (!record.reused_from.empty()) {
    note = "reused from run " + record.reused_from;
  } else if (status == StepStatus::kFailed) {
    note = record.error;
    if (def.continue_on_error.value_or(false)) note += "; continue_on_error";
  } else if (status == StepStatus::kSkipped) {
    note = def.if_condition == "failure" ? "no step before it failed"
                                         : "a step it needs did not succeed";
  }
  // Made as text: a JSON tree per step cost more than a cached step's
  // other work. Members in the order of their keys spare the event a sort.
  EventText event(state_->mask.get());
  event.Int("attempts", record.attempts);
  if (record.cached) event.Bool("cached", true);
  event.Int("duration_ms", record.duration_ms);
  if (!record.error.empty() && status == StepStatus::kFailed) event.String("error", record.error);
  event.String("event", "step_ended");
  if (record.exit_code >= 0) event.Int("exit_code", record.exit_code);
  event.Strings("outputs", record.outputs);
  if (record.restored) event.Bool("restored", true);
  if (!record.reused_from.empty()) event.String("reused_from", record.reused_from);
  // The journal keeps outputs masked; those that held a secret are named,
  // so that resume and --from run their step again rather than hand `***`
  // downstream.
  std::vector<std::string> secret_outputs;
  if (!state_->mask->empty()) {
    for (const auto& [name, value] : record.outputs) {
      if (state_->mask->Mask(value) != value) secret_outputs.push_back(name);
    }
  }
  if (!secret_outputs.empty()) event.List("secret_outputs", secret_outputs);
  event.String("status", StepStatusName(status));
  event.String("step", def.id);
  if (record.details.is_object()) {
    for (const auto& [key, value] : record.details.items()) event.Value(key, value);
  }
  journal_->Append(std::move(event));
  console_->StepEnded(step, StepStatusName(status), record.duration_ms, state_->mask->Mask(note));
}

void Session::Interrupted(bool hard) {
  journal_->Append({{"event", "interrupted"}, {"hard", hard}});
  console_->Message(hard ? "stopping every step now"
                         : "interrupted: cancelling running steps; `always` steps may run for "
                           "up to " +
                               ShortDuration(state_->cancel_grace_ms) +
                               " (interrupt again to stop them)");
}

}  // namespace tame
