// Importing a GitLab CI file. The file is first resolved as GitLab resolves
// it: `!reference` tags, then `extends` (deep-merged, the job's own keys
// last), with anchors and merge keys already done by the YAML reader. Each
// job then becomes a shell step: before_script and script run as one
// script with stop-on-error, after_script after it whatever happened, as
// GitLab runs them. needs (or, without them, the stage before) become
// needs; dotenv reports become outputs that later jobs read.
#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "core/import_internal.h"

namespace tame {
namespace importing {
namespace {

constexpr int kMaxExtendsDepth = 11;  // GitLab's own limit
constexpr size_t kMaxCreatedNodes = 1000000;

const std::set<std::string> kTopKeys = {"stages",        "variables",   "default",  "include",
                                        "workflow",      "image",       "services", "cache",
                                        "before_script", "after_script"};

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

// A GitLab duration ("1h 30m", "3 hours", "90 minutes", "45s") as tame's,
// or "" when it is not one.
std::string Duration(const std::string& text) {
  long long seconds = 0;
  size_t i = 0;
  bool any = false;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == ',')) ++i;
    if (i == text.size()) break;
    size_t start = i;
    while (i < text.size() && isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (start == i || i - start > 6) return "";
    long long n = std::stoll(text.substr(start, i - start));
    while (i < text.size() && text[i] == ' ') ++i;
    size_t u = i;
    while (i < text.size() && isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string unit = text.substr(u, i - u);
    for (char& c : unit) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
    long long scale = 0;
    if (unit == "s" || unit == "sec" || unit == "secs" || unit == "second" || unit == "seconds") {
      scale = 1;
    } else if (unit == "m" || unit == "min" || unit == "mins" || unit == "minute" ||
               unit == "minutes") {
      scale = 60;
    } else if (unit == "h" || unit == "hr" || unit == "hrs" || unit == "hour" || unit == "hours") {
      scale = 3600;
    } else if (unit == "d" || unit == "day" || unit == "days") {
      scale = 86400;
    } else {
      return "";
    }
    seconds += n * scale;
    any = true;
  }
  if (!any || seconds <= 0) return "";
  if (seconds % 3600 == 0) return std::to_string(seconds / 3600) + "h";
  if (seconds % 60 == 0) return std::to_string(seconds / 60) + "m";
  return std::to_string(seconds) + "s";
}

class GitLabImporter {
 public:
  GitLabImporter(const YamlNode& root, Context* ctx) : root_(root), ctx_(*ctx) {}
  void Run();

 private:
  YamlNodePtr ResolveReferences(const YamlNodePtr& node, int depth);
  YamlNodePtr Merge(const YamlNodePtr& base, const YamlNodePtr& over);
  YamlNodePtr Extended(const std::string& name, int depth);
  std::vector<std::string> Lines(const YamlNode* node, const std::string& place);
  void Job(const std::string& name, const YamlNode& job, const std::string& id);
  bool Created(size_t n = 1) {
    created_ += n;
    if (created_ > kMaxCreatedNodes) {
      ctx_.Fatal(0, "extends and !reference expand the file to more than " +
                        std::to_string(kMaxCreatedNodes) + " nodes");
      return false;
    }
    return true;
  }

  const YamlNode& root_;
  Context& ctx_;
  YamlNodePtr resolved_;  // the root with every !reference resolved
  std::map<std::string, YamlNodePtr> extended_;
  std::map<std::string, YamlNodePtr> top_;  // the resolved file's keys
  std::set<std::string> extending_;
  size_t created_ = 0;
  std::vector<std::string> stages_ = {".pre", "build", "test", "deploy", ".post"};
  std::map<std::string, std::string> ids_;                    // job name -> step id
  std::map<std::string, std::vector<std::string>> dotenv_;    // job name -> its dotenv names
  std::map<std::string, std::vector<std::string>> by_stage_;  // job names in file order
  Json global_env_ = Json::object();
};

// `!reference [job, key, ...]` is replaced by what it names; in a sequence,
// a sequence it names is spliced in (GitLab flattens nested script lists).
YamlNodePtr GitLabImporter::ResolveReferences(const YamlNodePtr& node, int depth) {
  if (ctx_.fatal) return node;
  if (depth > 10) {
    ctx_.Fatal(node->line, "!reference nested more than 10 levels deep");
    return node;
  }
  if (node->tag == "!reference") {
    YamlNodePtr target;
    std::string path;
    const YamlNode* in = &root_;
    for (const YamlNodePtr& part : node->items) {
      path += (path.empty() ? "" : ", ") + part->value;
      target = nullptr;
      for (const auto& [key, value] :
           in ? in->entries : std::vector<std::pair<std::string, YamlNodePtr>>{}) {
        if (key == part->value) target = value;
      }
      in = target.get();
    }
    if (!node->IsSequence() || !target) {
      ctx_.Unsupported(node->line, "!reference [" + path + "]",
                       "names nothing in the file (included files are not read)");
      auto empty = std::make_shared<YamlNode>();
      empty->kind = YamlNode::Kind::kSequence;
      empty->line = node->line;
      return empty;
    }
    return ResolveReferences(target, depth + 1);
  }
  if (node->IsScalar()) return node;
  auto copy = std::make_shared<YamlNode>(*node);
  if (!Created(node->items.size() + node->entries.size())) return node;
  copy->items.clear();
  for (const YamlNodePtr& item : node->items) {
    YamlNodePtr r = ResolveReferences(item, depth + 1);
    if (item->tag == "!reference" && r->IsSequence()) {
      for (const YamlNodePtr& inner : r->items) copy->items.push_back(inner);
    } else {
      copy->items.push_back(r);
    }
  }
  for (auto& entry : copy->entries) entry.second = ResolveReferences(entry.second, depth + 1);
  return copy;
}

// GitLab's deep merge for extends: mappings merge key by key, anything else
// from `over` replaces what `base` had.
YamlNodePtr GitLabImporter::Merge(const YamlNodePtr& base, const YamlNodePtr& over) {
  if (!base || !base->IsMapping() || !over->IsMapping()) return over;
  auto out = std::make_shared<YamlNode>(*base);
  if (!Created(out->entries.size())) return over;
  for (const auto& [key, value] : over->entries) {
    bool merged = false;
    for (auto& entry : out->entries) {
      if (entry.first == key) {
        entry.second = Merge(entry.second, value);
        merged = true;
      }
    }
    if (!merged) out->entries.emplace_back(key, value);
  }
  out->line = over->line;
  return out;
}

YamlNodePtr GitLabImporter::Extended(const std::string& name, int depth) {
  if (auto it = extended_.find(name); it != extended_.end()) return it->second;
  if (top_.empty()) {
    for (const auto& e : resolved_->entries) top_.emplace(e.first, e.second);
  }
  auto found = top_.find(name);
  YamlNodePtr node = found == top_.end() ? nullptr : found->second;
  if (!node || !node->IsMapping()) return nullptr;
  const YamlNode* extends = node->Find("extends");
  if (!extends) return extended_[name] = node;
  if (depth >= kMaxExtendsDepth || extending_.count(name)) {
    ctx_.Unsupported(extends->line, "job " + Quote(name),
                     extending_.count(name) ? "extends itself through its templates"
                                            : "extends nests more than 11 levels deep");
    return extended_[name] = node;
  }
  extending_.insert(name);
  std::vector<std::string> bases;
  if (extends->IsScalar()) bases.push_back(extends->value);
  for (const YamlNodePtr& item : extends->items) bases.push_back(item->value);
  YamlNodePtr merged;
  for (const std::string& base : bases) {
    YamlNodePtr b = Extended(base, depth + 1);
    if (!b) {
      ctx_.Unsupported(extends->line, "job " + Quote(name),
                       "extends " + Quote(base) + ", which is not in the file");
      continue;
    }
    merged = merged ? Merge(merged, b) : b;
  }
  auto own = std::make_shared<YamlNode>(*node);
  own->entries.clear();
  for (const auto& e : node->entries) {
    if (e.first != "extends") own->entries.push_back(e);
  }
  extending_.erase(name);
  return extended_[name] = merged ? Merge(merged, own) : own;
}

// A script key's lines: a string or a list of strings (nested lists flattened).
std::vector<std::string> GitLabImporter::Lines(const YamlNode* node, const std::string& place) {
  std::vector<std::string> lines;
  if (!node) return lines;
  if (node->IsScalar()) {
    if (!node->IsNull()) lines.push_back(node->value);
    return lines;
  }
  for (const YamlNodePtr& item : node->items) {
    if (item->IsSequence()) {
      for (const std::string& l : Lines(item.get(), place)) lines.push_back(l);
    } else if (item->IsScalar()) {
      lines.push_back(item->value);
    } else {
      ctx_.Unsupported(item->line, place, "a script line must be a string");
    }
  }
  return lines;
}

// The job's script, as GitLab's shell runner runs it: before_script and
// script in one shell that stops at the first failing command, then
// after_script in a shell of its own whatever happened, told the job's
// status in CI_JOB_STATUS; its failure does not fail the job.
std::string Script(const std::vector<std::string>& before, const std::vector<std::string>& main,
                   const std::vector<std::string>& after) {
  std::string body;
  for (const std::string& l : before) body += l + (l.empty() || l.back() != '\n' ? "\n" : "");
  for (const std::string& l : main) body += l + (l.empty() || l.back() != '\n' ? "\n" : "");
  if (after.empty()) return body;
  std::string after_body;
  for (const std::string& l : after) after_body += l + (l.empty() || l.back() != '\n' ? "\n" : "");
  std::string m1 = HereDocMarker(body, "TAME_SCRIPT");
  std::string m2 = HereDocMarker(after_body, "TAME_AFTER");
  return "# script, then after_script whatever happened, as GitLab runs them.\n"
         "tame_dir=$(mktemp -d)\n"
         "trap 'rm -rf \"$tame_dir\"' EXIT\n"
         "cat > \"$tame_dir/script\" <<'" +
         m1 + "'\n" + body + m1 + "\n" + "cat > \"$tame_dir/after\" <<'" + m2 + "'\n" + after_body +
         m2 + "\n" +
         "tame_status=0\n"
         "bash --noprofile --norc -eo pipefail \"$tame_dir/script\" || tame_status=$?\n"
         "if [ \"$tame_status\" = 0 ]; then CI_JOB_STATUS=success; else CI_JOB_STATUS=failed; fi\n"
         "CI_JOB_STATUS=$CI_JOB_STATUS bash --noprofile --norc -eo pipefail \"$tame_dir/after\" || "
         "echo 'tame: after_script failed' >&2\n"
         "exit \"$tame_status\"\n";
}

void GitLabImporter::Run() {
  YamlNodePtr root(std::shared_ptr<const YamlNode>{}, &root_);  // not owned
  resolved_ = ResolveReferences(root, 0);
  if (ctx_.fatal) return;
  if (const YamlNode* include = resolved_->Find("include")) {
    ctx_.Unsupported(include->line, "include",
                     "included files are not read: import each file, or paste its jobs in");
  }
  if (const YamlNode* stages = resolved_->Find("stages"); stages && stages->IsSequence()) {
    stages_ = {".pre"};
    for (const YamlNodePtr& s : stages->items) stages_.push_back(s->value);
    stages_.push_back(".post");
  }
  if (const YamlNode* vars = resolved_->Find("variables"); vars && vars->IsMapping()) {
    for (const auto& [name, value] : vars->entries) {
      if (value->IsMapping()) {
        // A variable with a description is offered when a pipeline is run by hand: a param.
        Json param = {{"type", "string"}};
        if (const YamlNode* v = value->Find("value")) param["default"] = v->value;
        if (std::string d = ScalarText(value->Find("description")); !d.empty()) {
          param["description"] = d;
        }
        ctx_.pipeline["params"][name] = param;
        global_env_[name] = "${{ params." + name + " }}";
      } else {
        global_env_[name] = ScalarText(value.get());
      }
    }
  }
  if (const YamlNode* w = resolved_->Find("workflow")) {
    ctx_.Note(w->line, "workflow",
              "workflow rules are not imported: a tame pipeline runs when started");
  }
  std::vector<std::pair<std::string, YamlNodePtr>> jobs;
  std::vector<std::pair<int, std::string>> not_jobs;
  for (const auto& [name, value] : resolved_->entries) {
    if (kTopKeys.count(name) || name.empty() || name[0] == '.') continue;
    if (value->IsMapping()) {
      jobs.emplace_back(name, nullptr);
    } else {
      not_jobs.push_back({value->line, name});
    }
  }
  for (const auto& [line, name] : jobs.empty() ? decltype(not_jobs){} : not_jobs) {
    ctx_.Unsupported(line, "job " + Quote(name), "a job must be a mapping");
  }
  if (jobs.empty()) {
    ctx_.Fatal(0, "not a workflow: neither GitHub Actions jobs nor GitLab CI jobs were found");
    return;
  }
  if (jobs.size() > ctx_.options.max_steps) {
    ctx_.Fatal(0, "the file has " + std::to_string(jobs.size()) + " jobs, more than the " +
                      std::to_string(ctx_.options.max_steps) + " steps a pipeline may have");
    return;
  }
  for (auto& [name, node] : jobs) {
    node = Extended(name, 0);
    if (ctx_.fatal) return;
    ids_[name] = ctx_.StepId(name, node->line, "job " + Quote(name));
    std::string stage = ScalarText(node->Find("stage"));
    by_stage_[stage.empty() ? "test" : stage].push_back(name);
    // dotenv names: NAME= written to the report file by the script.
    const YamlNode* artifacts = node->Find("artifacts");
    const YamlNode* reports = artifacts ? artifacts->Find("reports") : nullptr;
    std::string file = ScalarText(reports ? reports->Find("dotenv") : nullptr);
    if (file.empty()) continue;
    for (const char* key : {"before_script", "script"}) {
      for (const std::string& text : Lines(node->Find(key), "")) {
        size_t start = 0;
        while (start < text.size()) {
          size_t end = text.find('\n', start);
          if (end == std::string::npos) end = text.size();
          std::string line = text.substr(start, end - start);
          start = end + 1;
          if (line.find(file) == std::string::npos || line.find('>') == std::string::npos) continue;
          size_t eq = line.find('=');
          if (eq == std::string::npos) continue;
          size_t b = eq;
          while (b > 0 && (isalnum(static_cast<unsigned char>(line[b - 1])) || line[b - 1] == '_'))
            --b;
          std::string n = line.substr(b, eq - b);
          if (!n.empty() && !isdigit(static_cast<unsigned char>(n[0]))) {
            auto& names = dotenv_[name];
            if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
          }
        }
      }
    }
  }
  for (const auto& [name, node] : jobs) {
    Job(name, *node, ids_[name]);
    if (ctx_.fatal) return;
  }
}

void GitLabImporter::Job(const std::string& name, const YamlNode& job, const std::string& id) {
  const std::string place = "job " + Quote(name);
  bool refused = false;
  std::string refusal;
  auto refuse = [&](int line, const std::string& message) {
    ctx_.Unsupported(line, place, message);
    refused = true;
    if (refusal.empty()) refusal = message;
  };
  Json step = {{"id", id}, {"uses", "shell"}};
  // needs, or every job of the stage before.
  std::vector<std::string> deps;
  const YamlNode* needs = job.Find("needs");
  std::string stage = ScalarText(job.Find("stage"));
  if (stage.empty()) stage = "test";
  auto stage_index = std::find(stages_.begin(), stages_.end(), stage);
  if (stage_index == stages_.end()) {
    refuse(job.Find("stage") ? job.Find("stage")->line : job.line,
           "the stage " + Quote(stage) + " is not in stages");
  }
  if (needs) {
    for (const YamlNodePtr& n : needs->items) {
      std::string dep = n->IsMapping() ? ScalarText(n->Find("job")) : n->value;
      if (n->IsMapping() && n->Find("pipeline")) {
        refuse(n->line, "needs a job of another pipeline");
        continue;
      }
      if (!ids_.count(dep)) {
        if (n->IsMapping() && ScalarText(n->Find("optional")) == "true") {
          continue;
        }
        refuse(n->line, "needs the job " + Quote(dep) + ", which is not in the file");
        continue;
      }
      deps.push_back(dep);
    }
  } else if (stage_index != stages_.end()) {
    // The nearest earlier stage that has jobs.
    for (auto s = stage_index; s != stages_.begin() && deps.empty();) {
      --s;
      deps = by_stage_[*s];
    }
  }
  Json step_needs = Json::array();
  for (const std::string& d : deps) step_needs.push_back(ids_[d]);
  // Environment: global variables, the job's, and the dotenv outputs of the jobs it follows.
  Json env = global_env_;
  // Without needs a job gets the artifacts of every earlier stage; with them, of what it needs.
  std::vector<std::string> sources = deps;
  if (!needs && stage_index != stages_.end()) {
    sources.clear();
    for (auto s = stages_.begin(); s != stage_index; ++s) {
      for (const std::string& other : by_stage_[*s]) {
        if (!dotenv_[other].empty()) sources.push_back(other);
      }
    }
  }
  for (const std::string& d : sources) {
    for (const std::string& n : dotenv_[d]) {
      env[n] = "${{ steps." + ids_[d] + ".outputs." + n + " }}";
    }
  }
  if (const YamlNode* vars = job.Find("variables"); vars && vars->IsMapping()) {
    for (const auto& [k, v] : vars->entries) {
      env[k] = v->IsMapping() ? ScalarText(v->Find("value")) : ScalarText(v.get());
    }
  }
  for (auto& [k, v] : env.items()) {
    std::string text = v;
    if (text.find('$') != std::string::npos && text.find("${{") == std::string::npos) {
      ctx_.Note(job.line, place,
                "variable " + k + " = " + Quote(text) +
                    " is passed as written: tame does not expand $ in env");
    }
  }
  if (!env.empty()) step["env"] = env;
  // when / rules.
  std::string when = ScalarText(job.Find("when"));
  if (const YamlNode* rules = job.Find("rules"); rules && rules->IsSequence()) {
    const YamlNode* first = rules->items.empty() ? nullptr : rules->items[0].get();
    bool conditional = false;
    for (const YamlNodePtr& r : rules->items) {
      conditional = conditional || r->Find("if") || r->Find("changes") || r->Find("exists");
    }
    if (first) {
      std::string w = ScalarText(first->Find("when"));
      if (!w.empty()) when = w;
      if (const YamlNode* af = first->Find("allow_failure"); af && af->value == "true") {
        step["continue_on_error"] = true;
      }
    }
    if (conditional) {
      ctx_.Note(rules->line, place,
                "rules' conditions (if, changes, exists) are not evaluated: the job runs as its "
                "first rule says (when: " +
                    (when.empty() ? std::string("on_success") : when) + ")");
    }
  }
  std::string approval;
  if (when == "on_failure") {
    step["if"] = "failure";
  } else if (when == "always") {
    step["if"] = "always";
  } else if (when == "never") {
    ctx_.Note(job.line, place, "when: never: the job is not imported");
    return;
  } else if (when == "delayed") {
    ctx_.Note(job.line, place, "when: delayed: the job runs without waiting");
  } else if (when == "manual") {
    if (ctx_.options.approvers.empty()) {
      ctx_.Note(job.line, place,
                "when: manual: the job runs without waiting; give --approvers to add an approval "
                "step before it");
    } else {
      approval = ctx_.StepId(id + "-approval", job.line, place);
    }
  } else if (!when.empty() && when != "on_success") {
    refuse(job.line, "when: " + when + " has no tame equivalent");
  }
  if (const YamlNode* env_node = job.Find("environment")) {
    std::string env_name =
        env_node->IsMapping() ? ScalarText(env_node->Find("name")) : env_node->value;
    if (approval.empty() && !ctx_.options.approvers.empty()) {
      approval = ctx_.StepId(id + "-approval", env_node->line, place);
    } else if (approval.empty()) {
      ctx_.Note(env_node->line, place,
                "environment " + Quote(env_name) +
                    ": approvals of a protected environment live "
                    "in the project's settings; give --approvers to add an approval step");
    }
  }
  if (const YamlNode* t = job.Find("timeout")) {
    std::string d = Duration(t->value);
    if (d.empty()) {
      refuse(t->line, "timeout " + Quote(t->value) + " is not a duration");
    } else {
      step["timeout"] = d;
    }
  }
  if (const YamlNode* retry = job.Find("retry")) {
    const YamlNode* max = retry->IsMapping() ? retry->Find("max") : retry;
    Json n = max ? ScalarJson(*max) : Json();
    if (n.is_number_integer() && n.get<int>() > 0) step["retries"] = {{"max", n}};
    if (retry->IsMapping() && (retry->Find("when") || retry->Find("exit_codes"))) {
      ctx_.Note(retry->line, place,
                "retry's when and exit_codes are not imported: any failure "
                "is retried");
    }
  }
  if (const YamlNode* af = job.Find("allow_failure")) {
    if (af->IsMapping()) {
      ctx_.Note(af->line, place, "allow_failure's exit_codes: any failure is allowed");
      step["continue_on_error"] = true;
    } else if (af->value == "true") {
      step["continue_on_error"] = true;
    }
  }
  if (const YamlNode* image = job.Find("image"); image && !image->IsNull()) {
    std::string n = image->IsMapping() ? ScalarText(image->Find("name")) : image->value;
    ctx_.Note(image->line, place, "image " + n + ": tame runs the script on its host, not in it");
  }
  for (const char* key : {"services", "parallel", "trigger"}) {
    if (const YamlNode* n = job.Find(key)) refuse(n->line, std::string(key) + " is not imported");
  }
  if (const YamlNode* c = job.Find("cache")) {
    ctx_.Note(c->line, place, "cache is not imported: steps share the workspace");
  }
  auto top = [&](const char* key) -> const YamlNode* {
    auto it = top_.find(key);
    return it == top_.end() ? nullptr : it->second.get();
  };
  const YamlNode* def = top("default");
  auto inherited = [&](const char* key) -> const YamlNode* {
    if (const YamlNode* n = job.Find(key)) return n;
    if (def && def->Find(key)) return def->Find(key);
    return top(key);
  };
  std::vector<std::string> script = Lines(job.Find("script"), place);
  if (script.empty()) refuse(job.line, "the job has no script");
  const YamlNode* artifacts = job.Find("artifacts");
  const YamlNode* reports = artifacts ? artifacts->Find("reports") : nullptr;
  std::string dotenv = ScalarText(reports ? reports->Find("dotenv") : nullptr);
  if (!dotenv.empty()) {
    // The values reach tame's outputs as the job's last command.
    script.push_back("if [ -f " + ShellQuote(dotenv) + " ]; then cat " + ShellQuote(dotenv) +
                     " >> \"$TAME_OUTPUT\"; fi");
    for (const std::string& n : dotenv_[name]) step["outputs"][n] = Json::object();
    if (dotenv_[name].empty()) {
      ctx_.Note(reports->line, place,
                "no NAME=value written to " + dotenv +
                    " was found in the "
                    "script: no outputs are declared");
    }
  }
  step["with"]["run"] = Script(Lines(inherited("before_script"), place), script,
                               Lines(inherited("after_script"), place));
  if (!approval.empty()) {
    Json a = {
        {"id", approval},
        {"uses", "approval"},
        {"with", {{"approvers", ctx_.options.approvers}, {"required", ctx_.options.required}}}};
    if (!step_needs.empty()) a["needs"] = step_needs;
    ctx_.AddStep(a);
    step_needs = Json::array({approval});
  }
  if (!step_needs.empty()) step["needs"] = step_needs;
  if (refused && ctx_.options.keep_unknown) {
    Json failing = FailingStep(id, refusal);
    if (!step_needs.empty()) failing["needs"] = step_needs;
    ctx_.AddStep(failing);
    return;
  }
  ctx_.AddStep(step);
}

}  // namespace

void ImportGitLab(const YamlNode& root, Context* ctx) { GitLabImporter(root, ctx).Run(); }

}  // namespace importing
}  // namespace tame
