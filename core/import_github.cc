// Importing a GitHub Actions workflow. Each job becomes a chain of tame
// steps: its run steps (one shell step, named after the job) and the steps
// of the actions tame knows (git.checkout, docker.build, docker.push), in
// the job's order. The job's needs lead to the chain's first step; the jobs
// that need it wait for its last. Expressions become tame references where
// tame has the same thing (secrets, inputs, job outputs, the run id).
//
// A workflow that `tame export` wrote carries the workspace between jobs
// and publishes outputs with steps of its own: those are recognised and
// dropped, and the variables it passes references in are read back as the
// references, so that importing an export gives back the pipeline.
#include "core/import_github.h"

#include <map>
#include <set>
#include <tuple>

#include "core/expression.h"
#include "core/step_inputs.h"

namespace tame {
namespace importing {
namespace {

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\n") - b + 1);
}

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// "x" of "${{ x }}", or the text itself when it is not wrapped.
std::string Unwrap(const std::string& text) {
  std::string t = Trim(text);
  if (StartsWith(t, "${{") && t.size() >= 5 && t.compare(t.size() - 2, 2, "}}") == 0) {
    return Trim(t.substr(3, t.size() - 5));
  }
  return t;
}

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

bool IsIdentifier(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  }
  return true;
}

// A job as the first pass sees it: its tame ids, and where its outputs come from.
struct JobInfo {
  const YamlNode* node = nullptr;
  std::string gh_id;
  std::string main;  // the id the job asked for; its first shell step's
  std::string exit;  // the last step of its chain
  // Job output name -> the step id (in the job) and GitHub output it reads,
  // or "" for an output an exported workflow publishes from $TAME_OUTPUT.
  std::map<std::string, std::pair<std::string, std::string>> outputs;
  std::map<std::string, std::string> output_step;  // job output -> tame step that has it
  std::string place;
};

// How a string is used: shell text (where $X expands) or a plain value.
enum class Use { kShell, kValue };

class GitHubImporter {
 public:
  GitHubImporter(const YamlNode& root, Context* ctx) : root_(root), ctx_(*ctx) {}

  void Run();

 private:
  void Workflow();
  void Params(const YamlNode* on);
  void PlanJob(const std::string& gh_id, const YamlNode& job);
  void ImportJob(JobInfo& info);
  std::string Translate(const std::string& text, Use use, int line, const std::string& place,
                        bool* ok);
  void Resolve();
  void NoteRunnerVariables(const std::string& script, int line, const std::string& place);
  void ResolveStrings(Json* value);
  RunWhen StepWhen(const YamlNode* cond, int line, const std::string& place, bool* known);
  void ParseShell(const std::string& shell, RunStep* step, int line, const std::string& place);
  bool KnownAction(const YamlNode& step, const std::string& uses, const std::string& place,
                   std::vector<Json>* chain);
  void Refuse(int line, const std::string& place, const std::string& message, bool* refused) {
    ctx_.Unsupported(line, place, message);
    *refused = true;
  }
  void ReadBackReferences(Json* step);

  const YamlNode& root_;
  Context& ctx_;
  std::vector<JobInfo> jobs_;
  std::map<std::string, size_t> by_gh_id_;
  Json workflow_env_ = Json::object();
  std::string default_shell_;
  std::string default_workdir_;
  std::set<std::string> params_;
  Json login_;  // docker/login-action's registry, username, password in this job
  // File outputs an exported workflow passes as literal paths, applied last.
  std::vector<std::tuple<std::string, std::string, std::string>> file_outputs_;
  struct PendingNeeds {
    std::string expression;
    int line;
    std::string place;
  };
  std::vector<PendingNeeds> pending_needs_;
  std::vector<std::string> direct_steps_;  // shell steps whose run is a step's own
};

void GitHubImporter::Run() {
  Workflow();
  if (ctx_.fatal) return;
  for (JobInfo& job : jobs_) ImportJob(job);
  Resolve();
  for (const auto& [id, name, path] : file_outputs_) {
    if (Json* step = ctx_.FindStep(id)) (*step)["outputs"][name] = Json{{"path", path}};
  }
}

void GitHubImporter::Workflow() {
  if (const YamlNode* name = root_.Find("name"); name && !ScalarText(name).empty()) {
    ctx_.pipeline["name"] = name->value;
  }
  const YamlNode* on = root_.Find("on");
  if (!on) on = root_.Find("true");  // YAML 1.1 reads a plain `on` as true
  Params(on);
  if (const YamlNode* env = root_.Find("env"); env && env->IsMapping()) {
    for (const auto& [k, v] : env->entries) {
      bool ok = true;
      workflow_env_[k] = Translate(ScalarText(v.get()), Use::kValue, v->line, "env." + k, &ok);
    }
  }
  if (const YamlNode* defaults = root_.Find("defaults")) {
    if (const YamlNode* run = defaults->Find("run")) {
      default_shell_ = ScalarText(run->Find("shell"));
      default_workdir_ = ScalarText(run->Find("working-directory"));
    }
  }
  if (const YamlNode* c = root_.Find("concurrency")) {
    ctx_.Note(c->line, "concurrency", "not imported: tame runs what it is started with");
  }
  const YamlNode* jobs_node = root_.Find("jobs");
  if (!jobs_node || !jobs_node->IsMapping()) {
    ctx_.Fatal(jobs_node ? jobs_node->line : 0,
               "not a GitHub Actions workflow: it needs a mapping of \"jobs\"");
    return;
  }
  const YamlNode& jobs = *jobs_node;
  if (jobs.entries.size() > ctx_.options.max_steps) {
    ctx_.Fatal(jobs.line, "the workflow has " + std::to_string(jobs.entries.size()) +
                              " jobs, more than the " + std::to_string(ctx_.options.max_steps) +
                              " steps a pipeline may have");
    return;
  }
  for (const auto& [gh_id, job] : jobs.entries) {
    if (!job->IsMapping()) {
      ctx_.Fatal(job->line, "job \"" + gh_id + "\" is not a mapping");
      return;
    }
    PlanJob(gh_id, *job);
  }
}

void GitHubImporter::Params(const YamlNode* on) {
  if (!on) return;
  std::vector<std::string> triggers;
  if (on->IsScalar() && on->value != "workflow_dispatch") triggers.push_back(on->value);
  for (const YamlNodePtr& item : on->items) {
    if (ScalarText(item.get()) != "workflow_dispatch") triggers.push_back(ScalarText(item.get()));
  }
  for (const auto& [event, spec] : on->entries) {
    if (event != "workflow_dispatch") triggers.push_back(event);
    if (event != "workflow_dispatch" || !spec->IsMapping()) continue;
    const YamlNode* inputs = spec->Find("inputs");
    if (!inputs) continue;
    for (const auto& [name, input] : inputs->entries) {
      Json param = Json::object();
      std::string type = ScalarText(input->Find("type"));
      if (type == "boolean" || type == "number") {
        param["type"] = type;
      } else {
        param["type"] = "string";
        if (!type.empty() && type != "string") {
          ctx_.Note(input->line, "on.workflow_dispatch.inputs." + name,
                    "a " + type + " input becomes a string param");
        }
      }
      if (const YamlNode* d = input->Find("default"); d && d->IsScalar() && !d->IsNull()) {
        Json value = ScalarJson(*d);
        if (param["type"] == "string" && !value.is_string()) value = d->value;
        if (param["type"] == "boolean" && value.is_string()) value = value == "true";
        param["default"] = value;
      }
      if (std::string d = ScalarText(input->Find("description")); !d.empty()) {
        param["description"] = d;
      }
      ctx_.pipeline["params"][name] = param;
      params_.insert(name);
    }
  }
  std::string words;
  for (const std::string& t : triggers) words += (words.empty() ? "" : ", ") + t;
  if (!words.empty()) {
    ctx_.Note(on->line, "on",
              "triggers (" + words + ") are not imported: a tame pipeline runs when started");
  }
}

void GitHubImporter::PlanJob(const std::string& gh_id, const YamlNode& job) {
  JobInfo info;
  info.node = &job;
  info.gh_id = gh_id;
  info.place = "job " + Quote(gh_id);
  info.main = ctx_.StepId(gh_id, job.line, info.place);
  if (const YamlNode* outputs = job.Find("outputs")) {
    for (const auto& [name, value] : outputs->entries) {
      std::string e = Unwrap(ScalarText(value.get()));
      // steps.S.outputs.X
      size_t dot = e.find('.', 6);
      if (StartsWith(e, "steps.") && dot != std::string::npos &&
          e.compare(dot, 9, ".outputs.") == 0) {
        std::string step = e.substr(6, dot - 6);
        std::string out = e.substr(dot + 9);
        info.outputs[name] = {step == "outputs" ? "" : step, out};
      } else {
        ctx_.Unsupported(value->line, info.place + ", output " + Quote(name),
                         "only outputs read from a step (${{ steps.ID.outputs.NAME }}) map");
      }
    }
  }
  by_gh_id_[gh_id] = jobs_.size();
  jobs_.push_back(std::move(info));
}

// Translates each ${{ }} in `text`; what has no tame equivalent is reported.
// In shell text, literal parts stay as written; values are kept as they are.
std::string GitHubImporter::Translate(const std::string& text, Use use, int line,
                                      const std::string& place, bool* ok) {
  std::string out;
  size_t pos = 0;
  for (;;) {
    size_t open = text.find("${{", pos);
    if (open == std::string::npos) break;
    size_t close = text.find("}}", open);
    if (close == std::string::npos) break;
    out += text.substr(pos, open - pos);
    std::string e = Trim(text.substr(open + 3, close - open - 3));
    pos = close + 2;
    std::string tame;
    auto part = [&](const std::string& prefix) {
      return StartsWith(e, prefix) && IsIdentifier(e.substr(prefix.size()))
                 ? e.substr(prefix.size())
                 : std::string();
    };
    if (std::string s = part("secrets."); !s.empty()) {
      ctx_.DeclareSecret(s);
      tame = "${{ secrets." + s + " }}";
    } else if (std::string p =
                   part("inputs.").empty() ? part("github.event.inputs.") : part("inputs.");
               !p.empty() && params_.count(p)) {
      tame = "${{ params." + p + " }}";
    } else if (e == "github.run_id") {
      tame = "${{ run.id }}";
    } else if (std::string v = part("env."); !v.empty() && use == Use::kShell) {
      tame = "${" + v + "}";
    } else if (StartsWith(e, "needs.") && e.find(".outputs.") != std::string::npos) {
      tame = "${{ " + e + " }}";  // resolved once every job has its steps
      pending_needs_.push_back({e, line, place});
    }
    if (tame.empty()) {
      ctx_.Unsupported(line, place, "the expression ${{ " + e + " }} has no tame equivalent");
      *ok = false;
    }
    out += tame;
  }
  return out + text.substr(pos);
}

RunWhen GitHubImporter::StepWhen(const YamlNode* cond, int line, const std::string& place,
                                 bool* known) {
  *known = true;
  if (!cond) return RunWhen::kSuccess;
  std::string e = Unwrap(ScalarText(cond));
  if (e == "success()" || e.empty()) return RunWhen::kSuccess;
  if (e == "always()" || e == "!cancelled()") return RunWhen::kAlways;
  if (e == "failure()") return RunWhen::kFailure;
  if (e == "cancelled()") {
    ctx_.Note(line, place, "runs only when the run is cancelled (cancelled()): never in tame");
    return RunWhen::kNever;
  }
  *known = false;
  return RunWhen::kSuccess;
}

void GitHubImporter::ParseShell(const std::string& shell, RunStep* step, int line,
                                const std::string& place) {
  std::string s = Trim(shell.empty() ? "bash" : shell);
  std::vector<std::string> words;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t end = s.find(' ', pos);
    if (end == std::string::npos) end = s.size();
    if (end > pos) words.push_back(s.substr(pos, end - pos));
    pos = end + 1;
  }
  if (!words.empty() && words.back() == "{0}") words.pop_back();
  step->shell = words.empty() ? "bash" : words[0];
  step->flags.assign(words.begin() + (words.empty() ? 0 : 1), words.end());
  if (words.size() == 1) {
    // GitHub's own flags for its shell names.
    if (step->shell == "bash") step->flags = {"--noprofile", "--norc", "-eo", "pipefail"};
    if (step->shell == "sh") step->flags = {"-e"};
  }
  if (step->shell == "pwsh" || step->shell == "powershell" || step->shell == "cmd") {
    ctx_.Unsupported(line, place, "shell " + step->shell + " does not run where tame runs");
  }
}

// Variables a GitHub runner sets that tame does not, named in a script.
void GitHubImporter::NoteRunnerVariables(const std::string& script, int line,
                                         const std::string& place) {
  std::set<std::string> seen;
  for (const char* prefix : {"GITHUB_", "RUNNER_"}) {
    for (size_t at = script.find(prefix); at != std::string::npos;
         at = script.find(prefix, at + 1)) {
      size_t end = at;
      while (end < script.size() &&
             (isupper(static_cast<unsigned char>(script[end])) || script[end] == '_' ||
              isdigit(static_cast<unsigned char>(script[end])))) {
        ++end;
      }
      std::string name = script.substr(at, end - at);
      if (at > 0 && (isalnum(static_cast<unsigned char>(script[at - 1])) || script[at - 1] == '_'))
        continue;
      if (name == "GITHUB_ENV" || name == "GITHUB_OUTPUT" || name == "GITHUB_PATH") continue;
      if (seen.insert(name).second) {
        ctx_.Note(line, place, "$" + name + " is set by GitHub's runner, not by tame");
      }
    }
  }
}

// True when the flags are the ones tame gives `shell` itself.
bool TameFlags(const RunStep& s) {
  std::string flags;
  for (const std::string& f : s.flags) flags += " " + f;
  if (s.shell == "bash") {
    return flags == " --noprofile --norc -eo pipefail" ||
           flags == " --noprofile --norc -e -o pipefail";
  }
  if (IsPosixShell(s.shell)) return flags == " -e";
  return flags.empty();
}

// `tame export` passes references to a shell step in variables named as
// ReferenceEnvName() names them; reading them back gives the references.
// A file output arrives as its path: it is declared on its producer.
void GitHubImporter::ReadBackReferences(Json* step) {
  if (!step->contains("env")) return;
  Json& env = (*step)["env"];
  std::string run = (*step)["with"]["run"];
  for (auto it = env.begin(); it != env.end();) {
    const std::string name = it.key();
    std::string value = it.value();
    std::vector<Reference> refs;
    std::string error;
    std::string ref_text;
    if (ParseReferences(value, &refs, &error) && IsWholeReference(value, refs) &&
        ReferenceEnvName(refs[0]) == name) {
      ref_text = value;
    } else if (refs.empty() && StartsWith(name, "TAME_STEP_")) {
      for (const JobInfo& job : jobs_) {
        Reference probe;
        probe.kind = RefKind::kStepOutput;
        probe.step = job.main;
        std::string head = ReferenceEnvName(probe);  // TAME_STEP_<id>_OUT_
        if (StartsWith(name, head) && name.size() > head.size()) {
          std::string output = name.substr(head.size());
          file_outputs_.emplace_back(job.main, output, value);
          ref_text = "${{ steps." + job.main + ".outputs." + output + " }}";
          break;
        }
      }
    }
    std::string var = "${" + name + "}";
    if (ref_text.empty() || run.find(var) == std::string::npos) {
      ++it;
      continue;
    }
    for (size_t at; (at = run.find(var)) != std::string::npos;)
      run.replace(at, var.size(), ref_text);
    it = env.erase(it);
  }
  (*step)["with"]["run"] = run;
  if (env.empty()) step->erase("env");
}

// An action tame knows: appended to `chain` as steps, or dropped with a
// note. Returns false for an action tame does not know.
bool GitHubImporter::KnownAction(const YamlNode& step, const std::string& uses,
                                 const std::string& place, std::vector<Json>* chain) {
  std::string action = uses.substr(0, uses.find('@'));
  const YamlNode* with = step.Find("with");
  auto param = [&](const char* key) { return ScalarText(with ? with->Find(key) : nullptr); };
  bool ok = true;
  if (action == "actions/checkout") {
    std::string repo = param("repository");
    if (repo.empty()) {
      ctx_.Note(step.line, place,
                "actions/checkout: tame runs in the repository's own checkout (the workspace)");
      return true;
    }
    Json s = {{"uses", "git.checkout"},
              {"with", {{"repo", "https://github.com/" + repo + ".git"}}}};
    if (std::string ref = param("ref"); !ref.empty()) {
      s["with"]["ref"] = Translate(ref, Use::kValue, step.line, place, &ok);
    }
    if (std::string path = param("path"); !path.empty()) s["with"]["path"] = path;
    if (std::string depth = param("fetch-depth"); !depth.empty() && depth != "0") {
      Json d = Json::parse(depth, nullptr, false);
      if (d.is_number_integer()) s["with"]["depth"] = d;
    }
    if (std::string token = param("token"); !token.empty()) {
      s["with"]["token"] = Translate(token, Use::kValue, step.line, place, &ok);
    }
    chain->push_back(s);
    return true;
  }
  if (action == "actions/upload-artifact" || action == "actions/download-artifact") {
    // tame export's own carrying of the workspace goes without a word.
    if (!StartsWith(param("name"), "tame-workspace-")) {
      ctx_.Note(step.line, place,
                action + ": not needed, every step of a tame run shares the workspace");
    }
    return true;
  }
  if (StartsWith(action, "actions/setup-") || action == "actions/cache" ||
      action == "docker/setup-buildx-action" || action == "docker/setup-qemu-action") {
    ctx_.Note(step.line, place,
              action + ": not imported, tame uses what the host it runs on has installed");
    return true;
  }
  if (action == "docker/login-action") {
    login_ = Json::object();
    if (std::string r = param("registry"); !r.empty()) login_["registry"] = r;
    if (std::string u = param("username"); !u.empty()) {
      login_["username"] = Translate(u, Use::kValue, step.line, place, &ok);
    }
    std::string password = Translate(param("password"), Use::kValue, step.line, place, &ok);
    if (StartsWith(password, "${{ secrets.")) {
      login_["password"] = password;
    } else if (!password.empty()) {
      ctx_.Unsupported(step.line, place,
                       "docker/login-action: the password must be a secret (${{ secrets.NAME }})");
    }
    return true;
  }
  if (action == "docker/build-push-action") {
    Json build = {{"uses", "docker.build"}, {"with", Json::object()}};
    if (std::string c = param("context"); !c.empty()) build["with"]["context"] = c;
    if (std::string f = param("file"); !f.empty()) build["with"]["dockerfile"] = f;
    if (std::string t = param("target"); !t.empty()) build["with"]["target"] = t;
    std::vector<std::string> tags;
    const YamlNode* tag_node = with ? with->Find("tags") : nullptr;
    std::string tag_text = ScalarText(tag_node);
    for (const YamlNodePtr& item : tag_node ? tag_node->items : std::vector<YamlNodePtr>{}) {
      tag_text += "\n" + item->value;
    }
    std::string word;
    for (char c : tag_text + "\n") {
      if (c == '\n' || c == ',') {
        if (!Trim(word).empty())
          tags.push_back(Translate(Trim(word), Use::kValue, step.line, place, &ok));
        word.clear();
      } else {
        word += c;
      }
    }
    if (!tags.empty()) build["with"]["tags"] = tags;
    std::string args = param("build-args");
    size_t start = 0;
    while (start < args.size()) {
      size_t end = args.find('\n', start);
      if (end == std::string::npos) end = args.size();
      std::string line = Trim(args.substr(start, end - start));
      if (size_t eq = line.find('='); eq != std::string::npos) {
        build["with"]["build_args"][line.substr(0, eq)] =
            Translate(line.substr(eq + 1), Use::kValue, step.line, place, &ok);
      }
      start = end + 1;
    }
    chain->push_back(build);
    if (param("push") == "true") {
      if (tags.empty()) {
        ctx_.Unsupported(step.line, place, "docker/build-push-action pushes but names no tags");
      }
      for (const std::string& tag : tags) {
        Json push = {{"uses", "docker.push"}, {"with", {{"image", tag}}}};
        for (const auto& [k, v] : login_.items()) push["with"][k] = v;
        chain->push_back(push);
      }
    }
    return true;
  }
  return false;
}

// One job: its settings, then its steps in order, grouped into a chain of
// tame steps (see the file's comment), then an approval before it when it
// uses an environment and approvers were given.
void GitHubImporter::ImportJob(JobInfo& info) {
  const YamlNode& job = *info.node;
  const std::string& place = info.place;
  bool job_refused = false;
  std::string refusal;
  auto refuse_job = [&](int line, const std::string& message) {
    Refuse(line, place, message, &job_refused);
    if (refusal.empty()) refusal = message;
  };
  login_ = Json::object();
  if (const YamlNode* uses = job.Find("uses")) {
    refuse_job(uses->line,
               "calls the reusable workflow " + uses->value + ", which is not imported");
  }
  if (const YamlNode* strategy = job.Find("strategy"); strategy && strategy->Find("matrix")) {
    refuse_job(strategy->line,
               "a matrix (strategy.matrix) is not imported: tame runs each step "
               "once; make a step per combination");
  }
  if (const YamlNode* services = job.Find("services")) {
    refuse_job(services->line, "service containers (services) are not imported");
  }
  if (const YamlNode* container = job.Find("container")) {
    refuse_job(container->line, "running the job in a container (container) is not imported");
  }
  Json base = Json::object();
  if (std::string name = ScalarText(job.Find("name")); !name.empty()) base["name"] = name;
  if (const YamlNode* cond = job.Find("if")) {
    std::string e = Unwrap(ScalarText(cond));
    if (e == "failure()") {
      base["if"] = "failure";
    } else if (e == "always()" || e == "!cancelled()") {
      base["if"] = "always";
    } else if (e != "success()") {
      refuse_job(cond->line, "the condition " + Quote(e) +
                                 " has no tame equivalent (success, "
                                 "failure, always)");
    }
  }
  if (const YamlNode* t = job.Find("timeout-minutes")) {
    Json minutes = ScalarJson(*t);
    // GitHub stops at 360 minutes on its own runners; a year is plenty.
    if (minutes.is_number() && minutes.get<double>() > 0 && minutes.get<double>() <= 525600) {
      base["timeout"] = MinutesDuration(minutes.get<double>());
    } else {
      refuse_job(t->line, "timeout-minutes " + Quote(t->value) + " is not a number of minutes");
    }
  }
  if (const YamlNode* c = job.Find("continue-on-error")) {
    Json value = ScalarJson(*c);
    if (value.is_boolean()) {
      if (value.get<bool>()) base["continue_on_error"] = true;
    } else {
      refuse_job(c->line, "continue-on-error " + Quote(c->value) + " is not true or false");
    }
  }
  Json env = workflow_env_;
  if (const YamlNode* e = job.Find("env"); e && e->IsMapping()) {
    for (const auto& [k, v] : e->entries) {
      bool ok = true;
      env[k] = Translate(ScalarText(v.get()), Use::kValue, v->line, place + ", env." + k, &ok);
    }
  }
  std::string shell = default_shell_;
  std::string workdir = default_workdir_;
  if (const YamlNode* defaults = job.Find("defaults")) {
    if (const YamlNode* run = defaults->Find("run")) {
      if (const YamlNode* sh = run->Find("shell")) shell = ScalarText(sh);
      if (const YamlNode* wd = run->Find("working-directory")) workdir = ScalarText(wd);
    }
  }
  Json needs = Json::array();
  if (const YamlNode* n = job.Find("needs")) {
    std::vector<const YamlNode*> list;
    if (n->IsScalar()) list.push_back(n);
    for (const YamlNodePtr& item : n->items) list.push_back(item.get());
    for (const YamlNode* item : list) {
      if (!by_gh_id_.count(item->value)) {
        refuse_job(item->line,
                   "needs the job " + Quote(item->value) + ", which is not in the file");
      } else {
        needs.push_back("\x01" + item->value);  // a job, resolved to its last step later
      }
    }
  }

  // The chain: steps of known actions, and shell segments (indexes into `runs`).
  std::vector<Json> chain;
  std::vector<std::vector<RunStep>> runs;
  const YamlNode* steps = job.Find("steps");
  if (!steps && !job.Find("uses")) refuse_job(job.line, "the job has no steps");
  int index = 0;
  for (const YamlNodePtr& sp : steps ? steps->items : std::vector<YamlNodePtr>{}) {
    const YamlNode& step = *sp;
    ++index;
    std::string name = ScalarText(step.Find("name"));
    std::string splace =
        place + ", step " + std::to_string(index) + (name.empty() ? "" : " (" + name + ")");
    std::string run = ScalarText(step.Find("run"));
    std::string uses = ScalarText(step.Find("uses"));
    // tame export's own steps.
    if (run.find("TAME_OUTPUT=$RUNNER_TEMP/tame-output") != std::string::npos ||
        run.find(".tame-export") != std::string::npos ||
        (ScalarText(step.Find("id")) == "outputs" && StartsWith(run, "touch \"$TAME_OUTPUT\""))) {
      continue;
    }
    RunStep rs;
    rs.line = step.line;
    rs.index = index;
    rs.name = name;
    rs.gh_id = ScalarText(step.Find("id"));
    bool known_if = true;
    rs.when = StepWhen(step.Find("if"), step.line, splace, &known_if);
    if (!known_if) {
      ctx_.Unsupported(step.Find("if")->line, splace,
                       "the step's condition " + Quote(Unwrap(step.Find("if")->value)) +
                           " cannot be kept (success(), failure(), always() can)");
    }
    if (const YamlNode* c = step.Find("continue-on-error")) {
      rs.continue_on_error = ScalarJson(*c) == Json(true);
    }
    if (!uses.empty()) {
      size_t before = chain.size();
      if (KnownAction(step, uses, splace, &chain)) {
        if (rs.when != RunWhen::kSuccess && chain.size() > before) {
          ctx_.Unsupported(step.line, splace, "the condition of an action's step cannot be kept");
        }
        continue;
      }
      std::string message = "the action " + uses + " has no tame kind";
      ctx_.Unsupported(step.line, splace, message);
      rs.script = "echo " + ShellQuote("not imported: " + message) + " >&2\nexit 1\n";
      rs.shell = "sh";
      rs.flags = {"-e"};
    } else if (const YamlNode* r = step.Find("run")) {
      bool ok = true;
      rs.script = Translate(r->value, Use::kShell, r->line, splace, &ok);
      NoteRunnerVariables(rs.script, r->line, splace);
      const YamlNode* sh = step.Find("shell");
      ParseShell(sh ? ScalarText(sh) : shell, &rs, step.line, splace);
      const YamlNode* wd = step.Find("working-directory");
      rs.workdir = wd ? ScalarText(wd) : workdir;
      if (const YamlNode* e = step.Find("env"); e && e->IsMapping()) {
        for (const auto& [k, v] : e->entries) {
          rs.env.emplace_back(
              k, Translate(ScalarText(v.get()), Use::kValue, v->line, splace + ", env." + k, &ok));
        }
      }
    } else {
      ctx_.Unsupported(step.line, splace, "a step needs run or uses");
      continue;
    }
    if (chain.empty() || !chain.back().contains("\x01runs")) {
      chain.push_back(Json{{"\x01runs", runs.size()}});
      runs.emplace_back();
    }
    runs.back().push_back(std::move(rs));
  }
  if (chain.empty()) {
    ctx_.Note(job.line, place, "nothing of the job is left to run: it becomes an empty step");
    chain.push_back(Json{{"\x01runs", runs.size()}});
    runs.emplace_back();
  }
  // Outputs: from the run step that writes them.
  std::map<const RunStep*, std::vector<std::string>> declared;
  for (const auto& [name, source] : info.outputs) {
    bool found = source.first.empty();
    for (auto& segment : runs) {
      for (RunStep& rs : segment) {
        if (!source.first.empty() && rs.gh_id == source.first) {
          rs.outputs.emplace_back(name, source.second);
          declared[&rs].push_back(name);
          found = true;
        }
      }
    }
    if (!found) {
      ctx_.Unsupported(job.Find("outputs")->line, place + ", output " + Quote(name),
                       "no run step has the id " + Quote(source.first));
    }
  }

  // Ids and steps, in chain order.
  bool main_used = false;
  const bool has_runs = !runs.empty();
  std::vector<std::string> ids;
  for (Json& segment : chain) {
    std::string id;
    if ((segment.contains("\x01runs") || !has_runs) && !main_used) {
      id = info.main;
      main_used = true;
    } else {
      std::string suffix = segment.contains("\x01runs")        ? "run"
                           : segment["uses"] == "git.checkout" ? "checkout"
                           : segment["uses"] == "docker.build" ? "build"
                                                               : "push";
      id = ctx_.StepId(info.main + "-" + suffix, job.line, place);
    }
    ids.push_back(id);
  }
  std::string approval;
  const YamlNode* environment = job.Find("environment");
  if (environment) {
    std::string envname =
        environment->IsMapping() ? ScalarText(environment->Find("name")) : environment->value;
    if (ctx_.options.approvers.empty()) {
      ctx_.Note(
          environment->line, place,
          "environment " + Quote(envname) +
              ": its required reviewers live in the "
              "repository's settings; give --approvers to add an approval step before the job");
    } else {
      approval = ctx_.StepId(info.main + "-approval", environment->line, place);
      Json a = {
          {"id", approval},
          {"name", "Sign-off for " + envname},
          {"uses", "approval"},
          {"with", {{"approvers", ctx_.options.approvers}, {"required", ctx_.options.required}}}};
      if (!needs.empty()) a["needs"] = needs;
      ctx_.AddStep(a);
    }
  }
  if (job_refused && ctx_.options.keep_unknown) {
    Json failing = FailingStep(info.main, refusal);
    if (!needs.empty()) failing["needs"] = needs;
    if (!approval.empty()) failing["needs"] = Json::array({approval});
    ctx_.AddStep(failing);
    info.exit = info.main;
    return;
  }
  for (size_t i = 0; i < chain.size(); ++i) {
    Json step = {{"id", ids[i]}};
    for (const auto& [k, v] : base.items()) {
      if (k != "if" || i == 0) step[k] = v;
    }
    if (i == 0 && !approval.empty()) {
      step["needs"] = Json::array({approval});
    } else if (i == 0 && !needs.empty()) {
      step["needs"] = needs;
    } else if (i > 0) {
      step["needs"] = Json::array({ids[i - 1]});
    }
    if (!chain[i].contains("\x01runs")) {
      step["uses"] = chain[i]["uses"];
      step["with"] = chain[i]["with"];
      ctx_.AddStep(step);
      continue;
    }
    std::vector<RunStep>& segment = runs[chain[i]["\x01runs"].get<size_t>()];
    step["uses"] = "shell";
    for (const RunStep& rs : segment) {
      for (const auto& [name, source] : rs.outputs) {
        step["outputs"][name] = Json::object();
        info.output_step[name] = ids[i];
      }
    }
    if (i == 0 || (ids[i] == info.main)) {
      for (const auto& [name, source] : info.outputs) {
        if (source.first.empty()) {
          step["outputs"][name] = Json::object();
          info.output_step[name] = ids[i];
        }
      }
    }
    if (!env.empty()) step["env"] = env;
    const RunStep* only = segment.size() == 1 ? &segment[0] : nullptr;
    const bool direct = only && only->when == RunWhen::kSuccess && only->outputs.empty() &&
                        TameFlags(*only) && only->script.find("GITHUB_") == std::string::npos;
    if (segment.empty()) {
      step["with"]["run"] = ":\n";
    } else if (direct) {
      step["with"]["run"] = only->script;
      if (only->shell != "bash") step["with"]["shell"] = only->shell;
      if (!only->workdir.empty()) step["with"]["workdir"] = only->workdir;
      for (const auto& [k, v] : only->env) step["env"][k] = v;
      if (only->continue_on_error) step["continue_on_error"] = true;
      direct_steps_.push_back(ids[i]);
    } else {
      step["with"]["run"] = JobScript(Quote(info.gh_id), segment);
      step["with"]["shell"] = "sh";
    }
    ctx_.AddStep(step);
  }
  info.exit = ids.back();
}

// Needs and needs.J.outputs.Y references name jobs: now that every job has
// its steps, they name the steps.
void GitHubImporter::Resolve() {
  for (Json& step : ctx_.pipeline["steps"]) {
    if (step.contains("needs")) {
      for (Json& n : step["needs"]) {
        std::string text = n;
        if (!text.empty() && text[0] == '\x01') n = jobs_[by_gh_id_[text.substr(1)]].exit;
      }
    }
    ResolveStrings(&step);
  }
  for (const PendingNeeds& p : pending_needs_) {
    size_t dot = p.expression.find('.', 6);
    size_t outputs = p.expression.find(".outputs.");
    std::string job = p.expression.substr(6, dot == std::string::npos ? 0 : dot - 6);
    std::string name = p.expression.substr(outputs + 9);
    auto it = by_gh_id_.find(job);
    if (it == by_gh_id_.end() || !jobs_[it->second].output_step.count(name)) {
      ctx_.Unsupported(p.line, p.place,
                       "the expression ${{ " + p.expression + " }} names no output of a job");
    }
  }
  for (const std::string& id : direct_steps_) ReadBackReferences(ctx_.FindStep(id));
}

void GitHubImporter::ResolveStrings(Json* value) {
  if (value->is_object() || value->is_array()) {
    for (Json& v : *value) ResolveStrings(&v);
    return;
  }
  if (!value->is_string()) return;
  std::string text = *value;
  size_t pos = 0;
  bool changed = false;
  while ((pos = text.find("${{ needs.", pos)) != std::string::npos) {
    size_t close = text.find(" }}", pos);
    std::string e = close == std::string::npos ? "" : text.substr(pos + 4, close - pos - 4);
    size_t dot = e.find('.', 6);
    size_t outputs = e.find(".outputs.");
    if (dot == std::string::npos || outputs == std::string::npos) {
      pos += 3;  // not a reference this importer wrote
      continue;
    }
    std::string job = e.substr(6, dot - 6);
    std::string name = e.substr(outputs + 9);
    auto it = by_gh_id_.find(job);
    std::string tame;
    if (it != by_gh_id_.end() && jobs_[it->second].output_step.count(name)) {
      tame = "${{ steps." + jobs_[it->second].output_step.at(name) + ".outputs." + name + " }}";
    }
    text.replace(pos, close + 3 - pos, tame);
    pos += tame.size();
    changed = true;
  }
  if (changed) *value = text;
}

}  // namespace

void ImportGitHub(const YamlNode& root, Context* ctx) { GitHubImporter(root, ctx).Run(); }

}  // namespace importing
}  // namespace tame
