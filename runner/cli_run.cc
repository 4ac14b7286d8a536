// The verbs that run a pipeline: `tame run` and `tame resume`.
//
// Both prepare a RunState (the pipeline, params, secrets, the run folder)
// and hand it to Execute(), which drives core's RunLoop with a Session and
// writes the report. run starts a new run folder; resume reads the journal
// of an interrupted one and runs again what did not finish.
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <thread>

#include "core/duration.h"
#include "core/params.h"
#include "core/save.h"
#include "core/sha256.h"
#include "core/validate.h"
#include "runner/cli.h"
#include "runner/files.h"
#include "runner/run/cache.h"
#include "runner/run/console.h"
#include "runner/run/history.h"
#include "runner/run/initiator.h"
#include "runner/run/journal.h"
#include "runner/run/preview.h"
#include "runner/run/process.h"
#include "runner/run/report.h"
#include "runner/run/run_dir.h"
#include "runner/run/session.h"
#include "runner/run/util.h"
#include "runner/steps/approvals.h"

namespace tame {
namespace {

constexpr size_t kFailureTailLines = 20;

int Fail(const std::string& message) {
  std::cerr << "tame: " << message << "\n";
  return kExitInvalid;
}

std::string AbsolutePath(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char buf[4096];
  if (getcwd(buf, sizeof(buf)) == nullptr) return path;
  return std::string(buf) + "/" + path;
}

// The SHA-256 of the pipeline's canonical text. Writing that text costs
// more than a cached run's steps together, so the hash is remembered in
// <workspace>/.tame/cache/canonical by the hash of the file's bytes: the
// same bytes always give the same canonical text.
std::string CanonicalHash(const Pipeline& pipeline, const std::string& text,
                          const std::string& workspace) {
  const std::string raw = Sha256Hex(text);
  const std::string memo_path = workspace + "/.tame/cache/canonical";
  std::string memo;
  std::string error;
  if (ReadFile(memo_path, 4096, &memo, &error) && memo.size() == 130 &&
      memo.compare(0, 64, raw) == 0 && memo[64] == ' ') {
    return memo.substr(65, 64);
  }
  std::string canonical = Sha256Hex(SavePipeline(pipeline));
  if (MakeDirs(workspace + "/.tame/cache", &error)) {
    WriteFileReplace(memo_path, raw + " " + canonical + "\n", &error);
  }
  return canonical;
}

// Reads and validates the pipeline at `path`, printing problems; `hash` is
// its canonical hash, `graph` the dependency graph validation built.
bool LoadPipelineFile(const std::string& path, const std::string& workspace, Pipeline* out,
                      std::string* hash, Graph* graph) {
  LoadOptions options;
  std::string text;
  std::string error;
  if (!ReadFile(path, options.limits.max_bytes, &text, &error)) {
    std::cerr << path << ": " << error << "\n";
    return false;
  }
  LoadResult result = LoadPipeline(text, options);
  if (result.pipeline) result.errors = Validate(*result.pipeline, graph);
  if (!result.errors.empty()) {
    for (const Diagnostic& d : result.errors) std::cerr << FormatDiagnostic(path, d) << "\n";
    return false;
  }
  *out = std::move(*result.pipeline);
  *hash = CanonicalHash(*out, text, workspace);
  return true;
}

// The value of each declared secret: from the secrets file when it has it,
// else from the environment when the secret comes from there.
// Reads the pipeline's secrets. One that is not set is an error, or, when
// `unset` is given (a dry run, which needs no values), a line in `unset`.
bool LoadSecrets(const Pipeline& pipeline, const std::string& secrets_file,
                 std::map<std::string, std::string>* secrets, std::string* error,
                 std::vector<std::string>* unset = nullptr) {
  std::map<std::string, std::string> from_file;
  if (!secrets_file.empty()) {
    std::string text;
    if (!ReadFile(secrets_file, 1 << 20, &text, error) ||
        !ParseSecretsText(text, &from_file, error)) {
      *error = secrets_file + ": " + *error;
      return false;
    }
  }
  for (const auto& [name, decl] : pipeline.secrets) {
    auto it = from_file.find(name);
    if (it != from_file.end()) {
      (*secrets)[name] = it->second;
      continue;
    }
    const std::string var = decl.env.empty() ? name : decl.env;
    const char* value = decl.from == "env" ? std::getenv(var.c_str()) : nullptr;
    if (value != nullptr) {
      (*secrets)[name] = value;
      continue;
    }
    *error =
        decl.from == "env"
            ? "secret \"" + name + "\" is not set: set the environment variable " + var +
                  " or give " + name + "=VALUE in a --secrets-file"
            : "secret \"" + name + "\" is not set: give " + name + "=VALUE in a --secrets-file";
    if (unset == nullptr) return false;
    unset->push_back(*error);
    error->clear();
  }
  return true;
}

bool ReadGrace(const char* variable, int64_t* ms, std::string* error) {
  const char* text = std::getenv(variable);
  if (text == nullptr || text[0] == '\0') return true;
  std::string why;
  if (!ParseDuration(text, ms, &why)) {
    *error = std::string(variable) + ": " + why;
    return false;
  }
  return true;
}

// Options both verbs share.
bool ReadCommonOptions(const Args& args, RunState* state, std::string* log_format,
                       std::string* error) {
  std::string jobs = args.Value("-j", args.Value("--jobs"));
  if (!jobs.empty()) {
    char* end = nullptr;
    long n = std::strtol(jobs.c_str(), &end, 10);
    if (*end != '\0' || n < 1 || n > 1024) {
      *error = "-j takes a number of steps from 1 to 1024, not \"" + jobs + "\"";
      return false;
    }
    state->jobs = static_cast<int>(n);
  }
  *log_format = args.Value("--log-format", "text");
  if (*log_format != "text" && *log_format != "json") {
    *error = "--log-format takes text or json, not \"" + *log_format + "\"";
    return false;
  }
  return ReadGrace("TAME_KILL_GRACE", &state->kill_grace_ms, error) &&
         ReadGrace("TAME_CANCEL_GRACE", &state->cancel_grace_ms, error);
}

int DefaultJobs() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

std::string Summary(const RunState& state) {
  return CountSteps(TallySteps(state)) + "; report in " + state.run_dir_display + "/report.json";
}

// A private folder for $TAME_OUTPUT files (logs/ is made at the first log),
// which may hold secrets and so never go into the run folder: on tmpfs
// (/dev/shm) when there is one, else in $TMPDIR; each file is removed as soon
// as it was read, the folder at the end.
// What the cache and partial re-runs compare each step by, computed once.
void HashDefinitions(RunState* state) {
  state->definitions.clear();
  state->definitions.reserve(state->pipeline.steps.size());
  for (const Step& step : state->pipeline.steps) {
    state->definitions.push_back(StepDefinitionHash(step));
  }
}

bool MakeRunDirs(RunState* state, std::string* error) {
  const char* tmpdir = std::getenv("TMPDIR");
  for (std::string base : {std::string("/dev/shm"), std::string(tmpdir ? tmpdir : "/tmp")}) {
    std::string pattern = base + "/tame-" + state->run_id + "-XXXXXX";
    if (mkdtemp(pattern.data()) != nullptr) {
      state->outputs_dir = pattern;
      return true;
    }
  }
  *error = std::string("cannot create a folder for step outputs: ") + std::strerror(errno);
  return false;
}

void RemoveFolder(const std::string& path) {
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) return;
  while (struct dirent* e = readdir(dir)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") unlink((path + "/" + name).c_str());
  }
  closedir(dir);
  rmdir(path.c_str());
}

void RemoveOutputsDir(const RunState& state) { RemoveFolder(state.outputs_dir); }

// The output folders an earlier part of run `run_id` left when tame was
// killed; the caller holds the run's lock, so they are nobody's now.
void RemoveStaleOutputDirs(const std::string& run_id) {
  const char* tmpdir = std::getenv("TMPDIR");
  for (std::string base : {std::string("/dev/shm"), std::string(tmpdir ? tmpdir : "/tmp")}) {
    DIR* dir = opendir(base.c_str());
    if (dir == nullptr) continue;
    std::vector<std::string> stale;
    const std::string prefix = "tame-" + run_id + "-";
    while (struct dirent* e = readdir(dir)) {
      if (std::string(e->d_name).rfind(prefix, 0) == 0) stale.push_back(base + "/" + e->d_name);
    }
    closedir(dir);
    for (const std::string& path : stale) RemoveFolder(path);
  }
}

// Runs the prepared state to its end; returns the exit code.
int Execute(RunState* state, JournalWriter* journal, const std::string& log_format,
            const std::string& junit_path, std::map<int, RunStep> restored, bool resumed,
            std::vector<bool> not_selected = {}) {
  std::string error;
  if (!InitProcessControl(&error)) return Fail(error);
  Console console(state->pipeline, ChooseConsoleMode(log_format, STDOUT_FILENO),
                  ColorAllowed(STDOUT_FILENO), STDOUT_FILENO);
  console.SetMask(state->mask.get());
  console.RunStarted(state->run_id, state->run_dir_display, state->jobs, resumed);
  state->records.assign(state->pipeline.steps.size(), RunStep());
  state->started_ms = SteadyNowMs();
  if (state->started_at.empty()) state->started_at = IsoTimeNow();
  state->status = "running";

  Session session(state, journal, &console, std::move(restored));
  session.SetNotSelected(std::move(not_selected));
  SteadyClock clock;
  RunLoopOptions options;
  options.jobs = state->jobs;
  options.cancel_grace_ms = state->cancel_grace_ms;
  RunResult result = RunLoop(state->pipeline, state->graph, &session, &clock, &session, options);
  EndRemaining(state->run_id + "/", std::min<int64_t>(state->kill_grace_ms, 2000));
  RemoveOutputsDir(*state);

  state->duration_ms = SteadyNowMs() - state->started_ms;
  state->status = result.interrupted ? "interrupted" : result.failed ? "failed" : "succeeded";
  journal->Append(
      {{"event", "run_ended"}, {"status", state->status}, {"duration_ms", state->duration_ms}});
  journal->Flush();
  // A report that cannot be written is bad output, not a failed pipeline:
  // the console still says how the pipeline ended, then tame exits 2.
  const bool reports_written = WriteReports(*state, junit_path, &error);
  const std::string report_error = state->mask->Mask(error);
  session.CompactCache();
  for (size_t i = 0; i < state->records.size(); ++i) {
    const Step& step = state->pipeline.steps[i];
    if (state->records[i].status != StepStatus::kFailed || step.continue_on_error.value_or(false)) {
      continue;
    }
    if (!state->records[i].has_log) continue;
    console.FailureTail(static_cast<int>(i), state->run_dir_display + "/logs/" + step.id + ".log",
                        LogTail(*state, static_cast<int>(i), kFailureTailLines));
    break;
  }
  console.RunEnded(state->status, state->duration_ms, Summary(*state));
  if (result.interrupted) return kExitInterrupted;
  if (!reports_written) return Fail(report_error);
  return result.failed ? kExitFailed : kExitOk;
}

std::vector<std::string> Values(const Args& args, const char* flag) {
  auto it = args.values.find(flag);
  return it == args.values.end() ? std::vector<std::string>{} : it->second;
}

Json DefinitionsJson(const Pipeline& pipeline, const std::vector<std::string>& definitions) {
  Json out = Json::object();
  for (size_t i = 0; i < pipeline.steps.size(); ++i) out[pipeline.steps[i].id] = definitions[i];
  return out;
}

// The id of the run `run` names in `workspace` (--run takes what show does).
bool FindRunId(const std::string& workspace, const std::string& run, std::string* id,
               std::string* error) {
  RunFolder folder;
  if (!FindRun(workspace, run, &folder, error)) return false;
  *id = folder.id;
  return true;
}

// A run of part of the pipeline (--from, --only): which steps run, and the
// records of those it takes from an earlier run.
struct PartialRun {
  std::map<int, RunStep> reused;
  std::vector<std::string> reused_ids;
  std::vector<bool> not_selected;
  std::vector<std::string> params;  // the earlier run's, as NAME=VALUE
};

// The step selection of `tame run --from/--only [--run ID]` against the
// run it reuses (state->reuse); prints the problem and returns false when
// the options are wrong or the steps cannot be reused.
bool PreparePartialRun(const Args& args, RunState* state,
                       const std::vector<std::string>& definitions, PartialRun* partial) {
  std::string error;
  std::vector<int> from;
  std::vector<int> only;
  if (!ResolveStepIds(state->pipeline, Values(args, "--from"), &from, &error)) {
    Fail("--from: " + error);
    return false;
  }
  if (!ResolveStepIds(state->pipeline, Values(args, "--only"), &only, &error)) {
    Fail("--only: " + error);
    return false;
  }
  if (from.empty() && only.empty()) {
    if (!args.Value("--run").empty()) {
      UsageError("--run names the run that --from or --only reuse steps from; give one of them");
      return false;
    }
    return true;
  }
  if (!from.empty() && !only.empty()) {
    UsageError("--from and --only do not go together; give one of them");
    return false;
  }
  if (args.Has("--dry-run")) {
    UsageError(
        "--dry-run does not take --from or --only; 'tame plan FILE --from STEP' shows "
        "what would run");
    return false;
  }
  std::string source_id = args.Value("--run");
  bool found = source_id.empty()
                   ? FindLatestRunOf(state->workspace, state->pipeline.name, &source_id, &error)
                   : FindRunId(state->workspace, source_id, &source_id, &error);
  RecordedRun source;
  if (!found || !ReadRecordedRun(state->workspace, source_id, &source, &error)) {
    Fail(error);
    return false;
  }
  const std::string source_pipeline = Field(source.started, "pipeline", "");
  if (source_pipeline != state->pipeline.name) {
    Fail("run " + source_id + " is of pipeline \"" + source_pipeline + "\", not \"" +
         state->pipeline.name + "\"");
    return false;
  }
  Selection selection = SelectSteps(state->graph, from, only);
  if (!ReuseSteps(*state, selection, source, definitions, &partial->reused, &error)) {
    Fail(error);
    return false;
  }
  for (const auto& [index, record] : partial->reused) {
    partial->reused_ids.push_back(state->pipeline.steps[index].id);
  }
  partial->not_selected.resize(selection.run.size());
  for (size_t i = 0; i < selection.run.size(); ++i) {
    partial->not_selected[i] = selection.Excluded(static_cast<int>(i));
  }
  state->reuse.run_id = source_id;
  state->reuse.mode = from.empty() ? "only" : "from";
  for (int step : from.empty() ? only : from) {
    state->reuse.steps.push_back(state->pipeline.steps[step].id);
  }
  // The steps that run again see the params the earlier run had, unless
  // given again.
  auto params = source.started.find("params");
  if (params != source.started.end() && params->is_object()) {
    for (auto it = params->begin(); it != params->end(); ++it) {
      if (state->pipeline.params.count(it.key()) > 0) {
        partial->params.push_back(it.key() + "=" + ParamText(it.value()));
      }
    }
  }
  return true;
}

}  // namespace

int CmdRun(const Args& args) {
  RunState state;
  state.jobs = DefaultJobs();
  std::string log_format;
  std::string error;
  if (!ReadCommonOptions(args, &state, &log_format, &error)) return UsageError(error);
  const std::string path = args.positional[0];
  state.workspace = AbsolutePath(".");
  state.workspace.resize(state.workspace.size() - 2);  // the trailing "/."
  if (!LoadPipelineFile(path, state.workspace, &state.pipeline, &state.pipeline_hash,
                        &state.graph)) {
    return kExitInvalid;
  }
  HashDefinitions(&state);
  const std::vector<std::string>& definitions = state.definitions;
  PartialRun partial;
  if (!PreparePartialRun(args, &state, definitions, &partial)) return kExitInvalid;
  std::vector<std::string> assignments = partial.params;
  for (const std::string& a : Values(args, "--param")) assignments.push_back(a);
  if (!ResolveParams(state.pipeline, assignments, &state.params, &error)) return Fail(error);
  state.secrets_file = args.Value("--secrets-file");
  if (!state.secrets_file.empty()) state.secrets_file = AbsolutePath(state.secrets_file);
  std::vector<std::string> unset_secrets;
  if (!LoadSecrets(state.pipeline, state.secrets_file, &state.secrets, &error,
                   args.Has("--dry-run") ? &unset_secrets : nullptr)) {
    return Fail(error);
  }
  std::vector<std::string> secret_values;
  for (const auto& entry : state.secrets) secret_values.push_back(entry.second);
  state.mask = std::make_unique<MaskPatterns>(secret_values);
  state.use_cache = !args.Has("--no-cache");
  if (args.Has("--dry-run")) {
    std::ostringstream listing;
    PrintDryRun(state.pipeline, state.workspace, state.params, state.secrets, state.use_cache,
                listing);
    std::cout << state.mask->Mask(listing.str());
    // A real run would stop at these before starting anything.
    for (const std::string& why : unset_secrets) std::cerr << "tame: warning: " << why << "\n";
    return kExitOk;
  }
  const std::string key = args.Value("--key");
  if (!CheckInitiatorKey(state.pipeline, state.workspace, key, &error, partial.not_selected)) {
    return Fail(error);
  }
  // A cache key that cannot be read stops the run before it starts: every
  // cached step would run, and the next runs the same, for no visible reason.
  if (std::any_of(state.pipeline.steps.begin(), state.pipeline.steps.end(),
                  [](const Step& s) { return s.cache && s.cache->enabled; })) {
    Cache cache(state.workspace);
    if (!cache.LoadKey(&error)) return Fail(error);
  }
  state.pipeline_file = AbsolutePath(path);
  RunFolder folder;
  if (!CreateRunFolder(state.workspace, &folder, &error)) return Fail(error);
  state.run_id = folder.id;
  state.run_dir = folder.dir;
  // The start is signed into the empty folder: when signing fails, the
  // folder goes and nothing is left half-written.
  if (!key.empty() &&
      !SignRunStart(state.run_dir, state.pipeline_hash, state.run_id, AbsolutePath(key), &error)) {
    rmdir(state.run_dir.c_str());
    return Fail(error);
  }
  state.run_dir_display = folder.display;
  if (!MakeRunDirs(&state, &error) || !LockRunFolder(folder, /*create=*/true, &error)) {
    return Fail(error);
  }
  JournalWriter journal;
  if (!journal.Open(state.run_dir + "/journal.jsonl", state.mask.get(), &error)) {
    return Fail(error);
  }
  Json params = Json::object();
  for (const auto& [name, value] : state.params) params[name] = value;
  const std::string junit =
      args.Value("--junit").empty() ? "" : AbsolutePath(args.Value("--junit"));
  journal.Append({{"event", "run_started"},
                  {"run", state.run_id},
                  {"pipeline", state.pipeline.name},
                  {"hash", state.pipeline_hash},
                  {"file", state.pipeline_file},
                  {"workspace", state.workspace},
                  {"initiator", RunInitiator()},
                  {"params", params},
                  {"jobs", state.jobs},
                  {"cache", state.use_cache},
                  {"secrets_file", state.secrets_file},
                  {"junit", junit},
                  {"definitions", DefinitionsJson(state.pipeline, definitions)}});
  if (!state.reuse.run_id.empty()) {
    journal.Append({{"event", "reuse"},
                    {"run", state.reuse.run_id},
                    {state.reuse.mode, state.reuse.steps},
                    {"reused", partial.reused_ids}});
  }
  journal.Flush();
  return Execute(&state, &journal, log_format, junit, std::move(partial.reused),
                 /*resumed=*/false, std::move(partial.not_selected));
}

namespace {

// A partial run (its journal has a "reuse" event) resumes as the same
// part: the steps it left out stay out, and the steps it reused that the
// journal does not show as ended are taken from the same earlier run again.
bool ResumeSelection(const std::vector<Json>& events, RunState* state,
                     std::map<int, RunStep>* restored, std::vector<bool>* not_selected,
                     std::string* error) {
  const Json* reuse = nullptr;
  for (const Json& e : events) {
    if (Field(e, "event", "") == "reuse") reuse = &e;
  }
  if (reuse == nullptr) return true;
  std::vector<int> from;
  std::vector<int> only;
  std::vector<std::string> ids;
  for (const char* mode : {"from", "only"}) {
    auto list = reuse->find(mode);
    if (list == reuse->end() || !list->is_array()) continue;
    for (const Json& id : *list) {
      if (id.is_string()) ids.push_back(id.get<std::string>());
    }
    state->reuse.mode = mode;
  }
  state->reuse.run_id = Field(*reuse, "run", "");
  state->reuse.steps = ids;
  if (!ResolveStepIds(state->pipeline, ids, state->reuse.mode == "from" ? &from : &only, error)) {
    return false;
  }
  Selection selection = SelectSteps(state->graph, from, only);
  not_selected->resize(selection.run.size());
  for (size_t i = 0; i < selection.run.size(); ++i) {
    (*not_selected)[i] = selection.Excluded(static_cast<int>(i));
    if (restored->count(static_cast<int>(i)) > 0) selection.reuse[i] = false;
  }
  if (std::find(selection.reuse.begin(), selection.reuse.end(), true) == selection.reuse.end()) {
    return true;
  }
  RecordedRun source;
  return ReadRecordedRun(state->workspace, state->reuse.run_id, &source, error) &&
         ReuseSteps(*state, selection, source, state->definitions, restored, error);
}

}  // namespace

int CmdResume(const Args& args) {
  const std::string cwd = AbsolutePath(".");
  RunState state;
  std::string log_format;
  std::string error;
  if (!ReadCommonOptions(args, &state, &log_format, &error)) return UsageError(error);
  RunFolder folder;
  if (!FindRun(cwd.substr(0, cwd.size() - 2), args.positional[0], &folder, &error))
    return Fail(error);
  state.run_dir = folder.dir;
  state.run_id = folder.id;
  if (!LockRunFolder(folder, /*create=*/false, &error)) return Fail(error);
  RemoveStaleOutputDirs(state.run_id);
  JournalContents journal_contents;
  const std::string journal_path = folder.dir + "/journal.jsonl";
  if (!ReadJournal(journal_path, &journal_contents, &error)) {
    return Fail(folder.display + "/" + error);
  }
  const Json& started = journal_contents.events[0];
  if (!CheckRunStarted(folder, started, /*resume=*/true, &error)) return Fail(error);
  for (const Json& e : journal_contents.events) {
    if (Field(e, "event", "") == "run_ended" && Field(e, "status", "") == "succeeded") {
      std::cout << "run " << state.run_id << " already succeeded; nothing to resume\n";
      return kExitOk;
    }
  }
  state.pipeline_file = started["file"].get<std::string>();
  state.workspace = folder.workspace;
  state.run_dir_display = folder.display;
  struct stat workspace;
  if (stat(state.workspace.c_str(), &workspace) != 0 || !S_ISDIR(workspace.st_mode)) {
    return Fail("the workspace of run " + state.run_id + ", " + state.workspace + ", is gone");
  }
  if (!LoadPipelineFile(state.pipeline_file, state.workspace, &state.pipeline, &state.pipeline_hash,
                        &state.graph)) {
    return kExitInvalid;
  }
  if (state.pipeline_hash != started["hash"].get<std::string>()) {
    return Fail(state.pipeline_file + " changed since run " + state.run_id +
                " started; resume runs the same pipeline: start a new run with 'tame run'");
  }
  HashDefinitions(&state);
  if (started.contains("params") && started["params"].is_object()) {
    for (auto it = started["params"].begin(); it != started["params"].end(); ++it) {
      state.params[it.key()] = it.value();
    }
  }
  for (const auto& [name, decl] : state.pipeline.params) {
    if (state.params.count(name) == 0) {
      return Fail(".tame/runs/" + state.run_id + "/journal.jsonl: line 1: no value for param \"" +
                  name + "\"");
    }
  }
  state.jobs =
      args.Value("-j", args.Value("--jobs")).empty()
          ? static_cast<int>(std::max<int64_t>(
                1, std::min<int64_t>(1024, Field(started, "jobs", int64_t{DefaultJobs()}))))
          : state.jobs;
  state.use_cache = Field(started, "cache", true);
  state.secrets_file = args.Value("--secrets-file").empty()
                           ? started["secrets_file"].get<std::string>()
                           : AbsolutePath(args.Value("--secrets-file"));
  if (!LoadSecrets(state.pipeline, state.secrets_file, &state.secrets, &error)) {
    return Fail(error);
  }
  std::vector<std::string> secret_values;
  for (const auto& entry : state.secrets) secret_values.push_back(entry.second);
  state.mask = std::make_unique<MaskPatterns>(secret_values);
  state.started_at = Field(started, "time", "");
  if (!journal_contents.warning.empty()) {
    std::cerr << "tame: warning: .tame/runs/" << state.run_id << "/" << journal_contents.warning
              << "\n";
  }
  if (!RepairJournal(journal_path, journal_contents.valid_bytes, &error) ||
      !MakeRunDirs(&state, &error)) {
    return Fail(error);
  }
  JournalWriter journal;
  if (!journal.Open(journal_path, state.mask.get(), &error)) return Fail(error);
  std::map<int, RunStep> restored;
  if (!RestoredSteps(state, folder, journal_contents.events, &restored, &error)) {
    return Fail(error);
  }
  std::vector<bool> not_selected;
  if (!ResumeSelection(journal_contents.events, &state, &restored, &not_selected, &error)) {
    return Fail(error);
  }
  // The start statement signed with `tame run --key` stays in the run
  // folder: resuming keeps who started the run, whoever resumes it.
  if (!CheckRunStartKept(state.pipeline, folder.dir, &error, not_selected)) return Fail(error);
  journal.Append({{"event", "run_resumed"}, {"run", state.run_id}, {"restored", restored.size()}});
  journal.Flush();
  const std::string junit = args.Value("--junit").empty() ? started["junit"].get<std::string>()
                                                          : AbsolutePath(args.Value("--junit"));
  return Execute(&state, &journal, log_format, junit, std::move(restored), /*resumed=*/true,
                 std::move(not_selected));
}

}  // namespace tame
