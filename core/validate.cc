#include "core/validate.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "core/catalog.h"
#include "core/duration.h"
#include "core/expression.h"
#include "core/graph.h"

namespace tame {
bool PathLeavesFolder(std::string_view path) {
  if (!path.empty() && path[0] == '/') return true;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (path.substr(start, slash - start) == "..") return true;
    start = slash + 1;
  }
  return false;
}

namespace {

// Where the user information of `url` is: [begin, end) before the '@', or
// begin == end when there is none.
void FindUserInfo(std::string_view url, size_t* begin, size_t* end) {
  *begin = *end = 0;
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return;
  size_t host = scheme + 3;
  size_t stop = url.find_first_of("/?#", host);
  std::string_view authority =
      url.substr(host, stop == std::string_view::npos ? stop : stop - host);
  size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return;
  *begin = host;
  *end = host + at;
}

bool IsHttp(std::string_view url) {
  auto starts = [&](std::string_view prefix) {
    if (url.size() < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i) {
      char c = url[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != prefix[i]) return false;
    }
    return true;
  };
  return starts("http://") || starts("https://");
}

}  // namespace

bool UrlHasCredentials(std::string_view url) {
  size_t begin, end;
  FindUserInfo(url, &begin, &end);
  if (begin == 0 && end == 0) return false;  // no user information
  return IsHttp(url) || url.substr(begin, end - begin).find(':') != std::string_view::npos;
}

std::string UrlWithoutCredentials(std::string_view url) {
  if (!UrlHasCredentials(url)) return std::string(url);
  size_t begin, end;
  FindUserInfo(url, &begin, &end);
  return std::string(url.substr(0, begin)) + "***" + std::string(url.substr(end));
}

namespace {

const char* const kParamTypes[] = {"string", "number", "integer", "boolean"};

bool IsEnvName(const std::string& name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

// `path` with "." parts, empty parts and "x/.." pairs taken out, so that
// two spellings of one file compare equal ("./out//a/../m.bin" is
// "out/m.bin"). A ".." that climbs above the start stays.
std::string NormalPath(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    std::string part = path.substr(start, slash - start);
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else {
        parts.push_back(part);
      }
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = slash + 1;
  }
  std::string out = path.rfind("/", 0) == 0 ? "/" : "";
  for (size_t i = 0; i < parts.size(); ++i) out += (i > 0 ? "/" : "") + parts[i];
  return out;
}

std::vector<std::string> KindNames() {
  std::vector<std::string> names;
  for (const KindSpec& kind : Catalog()) names.push_back(kind.uses);
  return names;
}

// Checks one pipeline; each method covers one part of the file.
class Validator {
 public:
  explicit Validator(const Pipeline& p) : p_(p), graph_(BuildGraph(p)), index_(graph_.index) {}

  Diagnostics Run(Graph* graph) {
    if (p_.name.empty()) Error(Place(root_, "name"), "the pipeline needs a name");
    if (p_.steps.empty()) Error(Place(root_, "steps"), "the pipeline has no steps");
    CheckParams();
    CheckSecrets();
    for (size_t i = 0; i < p_.steps.size(); ++i) CheckStep(i);
    CheckNulBytes();
    CheckLayout();
    CheckCycle();
    if (graph != nullptr) *graph = std::move(graph_);
    return std::move(errors_);
  }

 private:
  // Records a problem with the step and field its place names; `field`
  // overrides the field for problems placed on a whole object (a missing
  // param is reported at /steps/N/with but is about that param).
  void Error(const Place& at, const std::string& message, const std::string& field = "") {
    Diagnostic d{at.Pointer(), message, 0, 0};
    std::string found = FieldOf(d.pointer, &d.step);
    d.field = field.empty() ? std::move(found) : field;
    errors_.push_back(std::move(d));
  }

  // The same for a problem placed on an object but about one of its fields
  // (a missing one): `about` names that field.
  void ErrorAbout(const Place& at, const Place& about, const std::string& message) {
    std::string step;
    Error(at, message, FieldOf(about.Pointer(), &step));
  }

  // The field `pointer` names, and in `*step` the id of the step it is in
  // ("" for the pipeline). Inside an object or object-list param the field
  // is the path to the nested field as messages write it, such as
  // "with/analysis.metrics[0].query", as far as the catalog knows the keys.
  std::string FieldOf(std::string_view pointer, std::string* step) {
    constexpr std::string_view kSteps = "/steps/";
    if (pointer.substr(0, kSteps.size()) != kSteps) return FieldOfPointer(pointer);
    const size_t end = pointer.find('/', kSteps.size());
    const std::string index(pointer.substr(kSteps.size(), end - kSteps.size()));
    const size_t i = std::strtoul(index.c_str(), nullptr, 10);
    if (i >= p_.steps.size()) return "";
    *step = p_.steps[i].id;
    const std::string_view rest =
        end == std::string_view::npos ? std::string_view() : pointer.substr(end);
    std::string field = FieldOfPointer(rest);
    const KindSpec* kind = FindKind(p_.steps[i].uses);
    if (field.rfind("with/", 0) != 0 || kind == nullptr) return field;
    const ParamSpec* at = FindParam(*kind, field.substr(5));
    if (at == nullptr) return field;
    // Walk the tokens after "/with/NAME" while the catalog knows them.
    std::string_view tokens = rest.substr(std::min(rest.size(), 6 + at->name.size()));
    bool in_item = false;  // past an object-list's index, at one of its items
    while (!tokens.empty() && tokens[0] == '/') {
      const size_t next = tokens.find('/', 1);
      const std::string token(
          tokens.substr(1, next == std::string_view::npos ? tokens.npos : next - 1));
      tokens = next == std::string_view::npos ? std::string_view() : tokens.substr(next);
      if (at->type == ParamType::kObjectList && !in_item) {
        if (token.empty() || token.find_first_not_of("0123456789") != std::string::npos) break;
        field += "[" + token + "]";
        in_item = true;
      } else if (at->type == ParamType::kObject || at->type == ParamType::kObjectList) {
        const ParamSpec* inner = FindField(*at, token);
        if (inner == nullptr) break;
        field += "." + token;
        at = inner;
        in_item = false;
      } else {
        break;
      }
    }
    return field;
  }

  // A NUL byte ("\u0000" in JSON) ends a C string: a command line, an
  // environment variable or a file name would silently lose what follows.
  void CheckNul(const Json& value, const Place& ptr, const std::string& where) {
    if (value.is_string()) {
      if (value.get_ref<const std::string&>().find('\0') != std::string::npos) {
        Error(ptr, where +
                       "a value may not hold a NUL byte (\\u0000): no command line, "
                       "environment variable or file name can carry one");
      }
    } else if (value.is_object()) {
      for (const auto& [key, item] : value.items()) {
        const Place p(ptr, key);
        if (key.find('\0') != std::string::npos) CheckNul(Json(key), p, where);
        CheckNul(item, p, where);
      }
    } else if (value.is_array()) {
      for (size_t k = 0; k < value.size(); ++k) CheckNul(value[k], Place(ptr, k), where);
    }
  }

  void CheckNulBytes() {
    CheckNul(Json(p_.name), Place(root_, "name"), "");
    const Place params(root_, "params");
    for (const auto& [name, decl] : p_.params) {
      if (decl.default_value)
        CheckNul(*decl.default_value, Place(Place(params, name), "default"), "");
    }
    const Place steps(root_, "steps");
    for (size_t i = 0; i < p_.steps.size(); ++i) {
      const Step& step = p_.steps[i];
      const Place ptr(steps, i);
      const std::string where = "step " + Quote(step.id) + ": ";
      CheckNul(Json(step.name), Place(ptr, "name"), where);
      CheckNul(step.with, Place(ptr, "with"), where);
      const Place env(ptr, "env");
      for (const auto& [name, value] : step.env) CheckNul(Json(value), Place(env, name), where);
      const Place outputs(ptr, "outputs");
      for (const auto& [name, decl] : step.outputs) {
        CheckNul(Json(decl.path), Place(Place(outputs, name), "path"), where);
      }
    }
  }

  // A param that names a place tame or the step writes (ParamSpec::in_workspace)
  // is a relative path that stays inside the workspace, as output paths are.
  void CheckWorkspacePath(const ParamSpec& spec, const Json& value, const Place& ptr,
                          const std::string& where) {
    if (!spec.in_workspace || !value.is_string()) return;
    const std::string& path = value.get_ref<const std::string&>();
    if (path.find("${{") != std::string::npos) return;  // checked when the step runs
    if (PathLeavesFolder(path)) {
      Error(ptr, where + Quote(spec.name) + " " + Quote(path) +
                     " must stay inside the workspace: give a relative path without \"..\"");
    }
  }

  void CheckParams() {
    const Place params(root_, "params");
    for (const auto& [name, decl] : p_.params) {
      const Place ptr(params, name);
      if (!IsValidName(name)) {
        Error(ptr, "param name " + Quote(name) + " must match [A-Za-z_][A-Za-z0-9_-]*");
      }
      bool known = false;
      for (const char* t : kParamTypes) known = known || decl.type == t;
      if (!known) {
        Error(Place(ptr, "type"), "unknown param type " + Quote(decl.type) +
                                      "; use string, number, integer or boolean");
      } else if (decl.default_value && !MatchesParamType(*decl.default_value, decl.type)) {
        Error(Place(ptr, "default"),
              "default " + decl.default_value->dump() + " is not of type " + decl.type);
      }
    }
  }

  static bool MatchesParamType(const Json& v, const std::string& type) {
    if (type == "string") return v.is_string();
    if (type == "number") return v.is_number();
    if (type == "integer") return v.is_number_integer();
    if (type == "boolean") return v.is_boolean();
    return false;
  }

  void CheckSecrets() {
    const Place secrets(root_, "secrets");
    for (const auto& [name, decl] : p_.secrets) {
      const Place ptr(secrets, name);
      if (!IsValidName(name)) {
        Error(ptr, "secret name " + Quote(name) + " must match [A-Za-z_][A-Za-z0-9_-]*");
      }
      if (decl.from != "env" && decl.from != "file") {
        Error(Place(ptr, "from"), "secrets come from \"env\" or \"file\", not " + Quote(decl.from));
      }
      if (!decl.env.empty() && !IsEnvName(decl.env)) {
        Error(Place(ptr, "env"), Quote(decl.env) + " is not an environment variable name");
      }
    }
  }

  void CheckStep(size_t i) {
    const Step& step = p_.steps[i];
    const Place steps(root_, "steps");
    const Place ptr(steps, i);
    const std::string where = "step " + Quote(step.id) + ": ";
    if (!IsValidStepId(step.id)) {
      Error(Place(ptr, "id"), where + "id must match [a-z][a-z0-9_-]{0,62}");
    } else if (index_.at(step.id) != static_cast<int>(i)) {
      Error(Place(ptr, "id"), where + "duplicate id; the first is at " + "/steps/" +
                                  std::to_string(index_.at(step.id)));
    }
    const KindSpec* kind = FindKind(step.uses);
    if (kind == nullptr) {
      std::string message = where + "unknown step kind " + Quote(step.uses);
      std::string suggestion = SuggestSpelling(step.uses, KindNames());
      if (!suggestion.empty()) message += " (did you mean " + Quote(suggestion) + "?)";
      Error(Place(ptr, "uses"), message);
    } else {
      CheckWith(step, *kind, ptr, where);
      if (kind->uses == "approval") CheckApprovers(step, Place(ptr, "with"), where);
    }
    CheckNeeds(step, i, ptr, where);
    CheckReferencesIn(step.with, step, i, Place(ptr, "with"), where);
    const Place env(ptr, "env");
    for (const auto& [name, value] : step.env) {
      const Place env_ptr(env, name);
      if (!IsEnvName(name)) {
        Error(env_ptr, where + Quote(name) + " is not an environment variable name");
      } else if (name.rfind("TAME_", 0) == 0) {
        Error(env_ptr, where + "names starting with TAME_ are tame's own");
      }
      CheckReferencesIn(Json(value), step, i, env_ptr, where);
    }
    if (!step.if_condition.empty() && step.if_condition != "success" &&
        step.if_condition != "failure" && step.if_condition != "always") {
      Error(Place(ptr, "if"), where + Quote(step.if_condition) +
                                  " is not a condition; use success, failure or always");
    }
    CheckDuration(step.timeout, Place(ptr, "timeout"), where);
    if (step.retries) CheckRetries(*step.retries, Place(ptr, "retries"), where);
    if (step.cache && step.cache->has_inputs) {
      for (size_t k = 0; k < step.cache->inputs.size(); ++k) {
        if (step.cache->inputs[k].empty()) {
          Error(Place(Place(Place(ptr, "cache"), "inputs"), k), where + "empty input pattern");
        }
      }
    }
    CheckOutputs(step, kind, ptr, where);
  }

  void CheckDuration(const std::string& text, const Place& ptr, const std::string& where) {
    if (text.empty()) return;
    int64_t ms;
    std::string error;
    if (!ParseDuration(text, &ms, &error)) Error(ptr, where + error);
  }

  void CheckRetries(const Retries& r, const Place& ptr, const std::string& where) {
    if (r.max < 0 || r.max > 100) {
      Error(Place(ptr, "max"), where + "retries.max must be from 0 to 100");
    }
    CheckDuration(r.backoff, Place(ptr, "backoff"), where);
    if (r.factor && (*r.factor < 1 || *r.factor > 100)) {
      Error(Place(ptr, "factor"), where + "retries.factor must be from 1 to 100");
    }
    for (size_t k = 0; k < r.on_exit_codes.size(); ++k) {
      int code = r.on_exit_codes[k];
      if (code < 1 || code > 255) {
        Error(Place(Place(ptr, "on_exit_codes"), k),
              where + "exit code " + std::to_string(code) + " is not from 1 to 255");
      }
    }
  }

  void CheckOutputs(const Step& step, const KindSpec* kind, const Place& ptr,
                    const std::string& where) {
    if (step.outputs.empty()) return;
    const Place outputs_ptr(ptr, "outputs");
    if (kind != nullptr && !kind->declares_outputs) {
      Error(outputs_ptr, where + step.uses +
                             " steps have fixed outputs; only "
                             "shell steps declare their own");
      return;
    }
    for (const auto& [name, decl] : step.outputs) {
      const Place p(outputs_ptr, name);
      if (!IsValidName(name)) {
        Error(p, where + "output name " + Quote(name) + " must match [A-Za-z_][A-Za-z0-9_-]*");
      }
      const std::string& path = decl.path;
      bool escapes = path.rfind("/", 0) == 0 || path == ".." || path.rfind("../", 0) == 0 ||
                     path.find("/../") != std::string::npos ||
                     (path.size() >= 3 && path.compare(path.size() - 3, 3, "/..") == 0);
      if (escapes) {
        Error(Place(p, "path"),
              where + "output path " + Quote(path) + " must stay inside the workspace");
      }
      if (path.empty()) continue;
      // Two writers of one file make runs flip between them, and the cache
      // restores whichever wrote last.
      const std::string pointer = Place(p, "path").Pointer();
      auto [first, added] =
          output_paths_.emplace(NormalPath(path), std::make_pair(step.id, pointer));
      if (!added && first->second.first != step.id) {
        Error(Place(p, "path"), where + "output file " + Quote(path) +
                                    " is also declared by step " + Quote(first->second.first) +
                                    " (" + first->second.second +
                                    "); two steps may not write one file");
      } else if (!added) {
        Error(Place(p, "path"), where + "output file " + Quote(path) + " is declared twice (" +
                                    first->second.second + ")");
      }
    }
  }

  void CheckNeeds(const Step& step, size_t i, const Place& ptr, const std::string& where) {
    // Lists of needs are short: a linear search beats a set, but a long
    // fan-in list gets one so that it stays linear.
    const bool long_list = step.needs.size() > 16;
    std::unordered_set<std::string_view> seen;
    const Place needs(ptr, "needs");
    for (size_t k = 0; k < step.needs.size(); ++k) {
      const std::string& need = step.needs[k];
      const Place p(needs, k);
      auto it = index_.find(need);
      auto before = step.needs.begin() + static_cast<std::ptrdiff_t>(k);
      bool repeated = long_list ? !seen.insert(need).second
                                : std::find(step.needs.begin(), before, need) != before;
      if (repeated) {
        Error(p, where + "needs " + Quote(need) + " twice");
      } else if (it == index_.end()) {
        Error(p, where + "needs " + Quote(need) + ", which is not a step" + Suggest(need));
      } else if (it->second == static_cast<int>(i)) {
        Error(p, where + "a step cannot need itself");
      }
    }
  }

  std::string Suggest(const std::string& id) const {
    std::vector<std::string> ids;
    ids.reserve(p_.steps.size());
    if (p_.steps.size() > 2000) return "";  // suggestions are for hand-written files
    for (const Step& s : p_.steps) ids.push_back(s.id);
    std::string s = SuggestSpelling(id, ids);
    return s.empty() ? "" : " (did you mean " + Quote(s) + "?)";
  }

  // Every string in `value` may hold references; each must name something
  // that exists, and a step output must be one the step publishes.
  void CheckReferencesIn(const Json& value, const Step& step, size_t i, const Place& base,
                         const std::string& where) {
    ForEachString(value, base, [&](const Place& ptr, const std::string& text) {
      if (text.find("${{") == std::string::npos) return;
      std::vector<Reference> refs;
      std::string error;
      if (!ParseReferences(text, &refs, &error)) {
        Error(ptr, where + error);
        return;
      }
      for (const Reference& ref : refs) CheckReference(ref, step, i, ptr, where);
    });
  }

  void CheckReference(const Reference& ref, const Step& step, size_t i, const Place& ptr,
                      const std::string& where) {
    const std::string text = "${{ " + ref.Text() + " }}";
    switch (ref.kind) {
      case RefKind::kParam:
        if (p_.params.count(ref.name) == 0) {
          Error(ptr, where + text + " names a param that is not declared in /params");
        }
        return;
      case RefKind::kSecret:
        if (p_.secrets.count(ref.name) == 0) {
          Error(ptr, where + text + " names a secret that is not declared in /secrets");
        }
        return;
      case RefKind::kRunId:
        return;
      case RefKind::kStepOutput:
        break;
    }
    auto it = index_.find(ref.step);
    if (it == index_.end()) {
      Error(ptr, where + text + " names step " + Quote(ref.step) + ", which does not exist" +
                     Suggest(ref.step));
      return;
    }
    if (it->second == static_cast<int>(i)) {
      Error(ptr, where + text + ": a step cannot use its own output");
      return;
    }
    const Step& source = p_.steps[it->second];
    if (!PublishesOutput(source, ref.name)) {
      Error(ptr, where + text + ": step " + Quote(source.id) + " has no output " + Quote(ref.name));
    }
    (void)step;
  }

  static bool PublishesOutput(const Step& step, const std::string& name) {
    if (step.outputs.count(name) > 0) return true;
    const KindSpec* kind = FindKind(step.uses);
    if (kind == nullptr) return true;  // the unknown kind is reported already
    for (const OutputSpec& out : kind->outputs) {
      if (out.name == name) return true;
    }
    return false;
  }

  void CheckWith(const Step& step, const KindSpec& kind, const Place& ptr,
                 const std::string& where) {
    const Place with_ptr(ptr, "with");
    std::vector<std::string> names;
    for (const ParamSpec& spec : kind.params) names.push_back(spec.name);
    for (const auto& [name, value] : step.with.items()) {
      const ParamSpec* spec = FindParam(kind, name);
      const Place p(with_ptr, name);
      if (spec == nullptr) {
        std::string message = where + kind.uses + " has no param " + Quote(name);
        std::string s = SuggestSpelling(name, names);
        if (!s.empty()) message += " (did you mean " + Quote(s) + "?)";
        Error(p, message);
        continue;
      }
      CheckParamValue(*spec, value, p, where);
      CheckWorkspacePath(*spec, value, p, where);
      if (spec->no_credentials && value.is_string() &&
          UrlHasCredentials(value.get_ref<const std::string&>())) {
        Error(p, where + Quote(name) +
                     " holds credentials (user:password@), which would be stored in the "
                     "clone's .git/config; give the URL without them and the token as \"token\": "
                     "\"${{ secrets.NAME }}\"");
      }
    }
    for (const ParamSpec& spec : kind.params) {
      if (spec.required && !step.with.contains(spec.name)) {
        Error(with_ptr, where + kind.uses + " needs param " + Quote(spec.name),
              "with/" + spec.name);
      }
    }
    if (kind.uses == "k8s.deploy") {
      CheckAutoscale(step, with_ptr, where);
      CheckRelease(step, with_ptr, where);
    }
  }

  // What only makes sense with a strategy, and what a strategy needs.
  // Deferred values (whole references) are checked when the step runs.
  void CheckRelease(const Step& step, const Place& with_ptr, const std::string& where) {
    const Json& with = step.with;
    std::string strategy = "rolling";
    if (auto it = with.find("strategy"); it != with.end()) {
      if (!it->is_string() || IsDeferred(*it)) return;
      strategy = it->get<std::string>();
    }
    auto only_with = [&](const char* param, const char* needed) {
      if (with.contains(param) && strategy != needed) {
        Error(Place(with_ptr, param), where + Quote(param) + " applies to strategy " +
                                          Quote(needed) + ", not " + Quote(strategy));
      }
    };
    only_with("canary_steps", "canary");
    only_with("scale_down_delay", "blue-green");
    if (strategy == "rolling") {
      if (with.contains("analysis")) {
        Error(Place(with_ptr, "analysis"),
              where + "\"analysis\" judges a canary or blue-green release: set \"strategy\"");
      }
      return;
    }
    if (auto wait = with.find("wait"); wait != with.end() && *wait == false) {
      Error(Place(with_ptr, "wait"),
            where + "strategy " + Quote(strategy) +
                " follows the release to its end: \"wait\" cannot be false");
    }
    if (strategy == "canary") {
      auto steps = with.find("canary_steps");
      if (steps == with.end()) {
        ErrorAbout(with_ptr, Place(with_ptr, "canary_steps"),
                   where + "strategy \"canary\" needs param \"canary_steps\"");
      } else if (steps->is_array() && steps->empty()) {
        Error(Place(with_ptr, "canary_steps"), where + "\"canary_steps\" must list a step");
      }
    }
    auto analysis = with.find("analysis");
    if (analysis == with.end() || !analysis->is_object()) return;
    const Place analysis_ptr(with_ptr, "analysis");
    auto metrics = analysis->find("metrics");
    if (metrics == analysis->end() || !metrics->is_array()) {
      ErrorAbout(analysis_ptr, Place(analysis_ptr, "metrics"),
                 where + "\"analysis\" needs field \"metrics\"");
      return;
    }
    const Place metrics_ptr(analysis_ptr, "metrics");
    if (metrics->empty()) Error(metrics_ptr, where + "\"analysis.metrics\" must list a metric");
    std::set<std::string> names;
    for (size_t k = 0; k < metrics->size(); ++k) {
      const Json& m = (*metrics)[k];
      if (!m.is_object()) continue;
      const Place p(metrics_ptr, k);
      const std::string label = "analysis.metrics[" + std::to_string(k) + "]";
      bool query = m.contains("query"), url = m.contains("url");
      if (auto name = m.find("name");
          name != m.end() && name->is_string() && !names.insert(name->get<std::string>()).second) {
        Error(Place(p, "name"), where + Quote(label + ".name") + " repeats the metric name " +
                                    Quote(name->get<std::string>()));
      }
      if (query == url) {
        Error(p, where + Quote(label) + " needs either \"query\" or \"url\", not both");
        continue;
      }
      if (query && !analysis->contains("prometheus")) {
        Error(Place(p, "query"), where + Quote(label + ".query") +
                                     " needs \"analysis.prometheus\", the Prometheus to ask");
      }
      if (url && !m.contains("json_path")) {
        ErrorAbout(p, Place(p, "json_path"),
                   where + Quote(label) + " needs field \"json_path\" with \"url\"");
      }
    }
  }

  // CPU utilisation is a share of the CPU request, so an autoscaler on it
  // needs one; a manifest brings its own resources.
  void CheckAutoscale(const Step& step, const Place& with_ptr, const std::string& where) {
    auto autoscale = step.with.find("autoscale");
    if (autoscale == step.with.end() || !autoscale->is_object()) return;
    if (step.with.contains("manifest")) return;
    auto resources = step.with.find("resources");
    if (resources != step.with.end() && resources->is_object() &&
        resources->contains("requests.cpu")) {
      return;
    }
    Error(Place(with_ptr, "autoscale"),
          where +
              "\"autoscale\" scales on CPU utilisation, a share of the CPU request: set "
              "\"resources\": {\"requests.cpu\": \"250m\"} (or use a manifest that sets it)");
  }

  // A param that is not a string may still be given as one whole reference,
  // checked when the step runs: "replicas": "${{ params.replicas }}".
  bool IsDeferred(const Json& value) {
    if (!value.is_string()) return false;
    std::vector<Reference> refs;
    std::string error;
    const std::string& text = value.get_ref<const std::string&>();
    return ParseReferences(text, &refs, &error) && IsWholeReference(text, refs);
  }

  // `prefix` names the object a field belongs to, as in "ingress.host", so
  // a message says which field of which param is wrong.
  void CheckParamValue(const ParamSpec& spec, const Json& value, const Place& ptr,
                       const std::string& where, const std::string& prefix = "") {
    const std::string name = Quote(prefix + spec.name);
    auto type_error = [&](const char* expected) {
      Error(ptr, where + name + " must be " + expected);
    };
    switch (spec.type) {
      case ParamType::kString:
      case ParamType::kText:
        if (!value.is_string()) {
          type_error("a string");
        } else if (spec.name == "image" && HasEmptyTag(value.get_ref<const std::string&>())) {
          Error(ptr, where + name + " " + value.dump() + " has an empty tag after ':'");
        }
        return;
      case ParamType::kSecretRef: {
        std::vector<Reference> refs;
        std::string error;
        bool ok = value.is_string() &&
                  ParseReferences(value.get_ref<const std::string&>(), &refs, &error) &&
                  IsWholeReference(value.get_ref<const std::string&>(), refs) &&
                  refs[0].kind == RefKind::kSecret;
        if (!ok) type_error("a secret reference such as \"${{ secrets.NAME }}\"");
        return;
      }
      case ParamType::kInteger:
      case ParamType::kNumber:
        if (IsDeferred(value)) return;
        if (spec.type == ParamType::kInteger ? !value.is_number_integer() : !value.is_number()) {
          type_error(spec.type == ParamType::kInteger ? "an integer" : "a number");
        } else if (!spec.min.empty() && value.get<double>() < std::stod(spec.min)) {
          Error(ptr, where + name + " must be at least " + spec.min);
        } else if (!spec.max.empty() && value.get<double>() > std::stod(spec.max)) {
          Error(ptr, where + name + " must be at most " + spec.max);
        }
        return;
      case ParamType::kBoolean:
        if (!value.is_boolean() && !IsDeferred(value)) type_error("true or false");
        return;
      case ParamType::kDuration:
        if (!value.is_string()) {
          type_error("a duration such as \"90s\"");
        } else if (!IsDeferred(value)) {
          CheckDuration(value.get<std::string>(), ptr, where + name + ": ");
        }
        return;
      case ParamType::kEnum:
        CheckEnum(spec, value, ptr, where, prefix);
        return;
      case ParamType::kStringList:
        if (!value.is_array()) return type_error("an array of strings");
        for (size_t k = 0; k < value.size(); ++k) {
          if (!value[k].is_string()) {
            Error(Place(ptr, k), where + name + " items must be strings");
          } else if (value[k].get_ref<const std::string&>().find_first_not_of(" \t") ==
                     std::string::npos) {
            Error(Place(ptr, k), where + name + " item " + std::to_string(k + 1) + " is empty");
          } else if (spec.name == "tags" && HasEmptyTag(value[k].get_ref<const std::string&>())) {
            Error(Place(ptr, k),
                  where + name + " " + value[k].dump() + " has an empty tag after ':'");
          }
        }
        return;
      case ParamType::kStringMap:
        if (!value.is_object()) return type_error("an object of strings");
        for (const auto& [key, item] : value.items()) {
          if (!item.is_string()) {
            Error(Place(ptr, key), where + name + " values must be strings");
          }
        }
        return;
      case ParamType::kRules:
        CheckRules(value, ptr, where);
        return;
      case ParamType::kObject:
        if (!value.is_object()) return type_error(ObjectShape(spec).c_str());
        CheckFields(spec, value, ptr, where, prefix + spec.name);
        return;
      case ParamType::kObjectList:
        if (!value.is_array()) return type_error(("an array of " + ObjectShape(spec)).c_str());
        for (size_t k = 0; k < value.size(); ++k) {
          const Place p(ptr, k);
          const std::string item = prefix + spec.name + "[" + std::to_string(k) + "]";
          if (!value[k].is_object()) {
            Error(p, where + Quote(item) + " must be " + ObjectShape(spec));
          } else {
            CheckFields(spec, value[k], p, where, item);
          }
        }
        return;
    }
  }

  // "an object { host, path }": the shape an object param takes.
  static std::string ObjectShape(const ParamSpec& spec) {
    std::string names;
    for (const ParamSpec& f : spec.fields) names += (names.empty() ? "" : ", ") + f.name;
    return "an object { " + names + " }";
  }

  // The fields of one object: unknown keys (with a spelling hint), each
  // field's value, and the required ones.
  void CheckFields(const ParamSpec& spec, const Json& object, const Place& ptr,
                   const std::string& where, const std::string& label) {
    std::vector<std::string> names;
    for (const ParamSpec& f : spec.fields) names.push_back(f.name);
    for (const auto& [key, item] : object.items()) {
      const ParamSpec* field = FindField(spec, key);
      if (field == nullptr) {
        std::string message = where + Quote(label) + " has no field " + Quote(key);
        std::string s = SuggestSpelling(key, names);
        if (!s.empty()) message += " (did you mean " + Quote(s) + "?)";
        Error(Place(ptr, key), message);
        continue;
      }
      CheckParamValue(*field, item, Place(ptr, key), where, label + ".");
    }
    for (const ParamSpec& f : spec.fields) {
      if (f.required && !object.contains(f.name)) {
        ErrorAbout(ptr, Place(ptr, f.name), where + Quote(label) + " needs field " + Quote(f.name));
      }
    }
  }

  // An approval that can never be met is refused here rather than found
  // out after a day of waiting: empty or repeated names, and more required
  // sign-offs than there are distinct people. Lists or counts given as
  // references are checked when the step runs.
  void CheckApprovers(const Step& step, const Place& with, const std::string& where) {
    auto approvers = step.with.find("approvers");
    if (approvers == step.with.end() || !approvers->is_array()) return;
    const Place list(with, "approvers");
    std::unordered_map<std::string, size_t> first;
    for (size_t k = 0; k < approvers->size(); ++k) {
      const Json& name = (*approvers)[k];
      if (!name.is_string()) continue;  // reported by CheckParamValue
      const std::string& text = name.get_ref<const std::string&>();
      if (text.find_first_not_of(" \t") == std::string::npos) {
        continue;  // an empty item, reported with the list's type
      } else if (!first.emplace(text, k).second) {
        Error(Place(list, k), where + Quote(text) + " is listed twice in \"approvers\" (first at " +
                                  Place(list, first[text]).Pointer() +
                                  "); each person counts once");
      }
    }
    auto required = step.with.find("required");
    if (required != step.with.end() && !required->is_number_integer()) return;
    int64_t wanted = required == step.with.end() ? 1 : required->get<int64_t>();
    if (wanted > static_cast<int64_t>(first.size())) {
      Error(Place(with, "required"),
            where + "\"required\" is " + std::to_string(wanted) + " but only " +
                std::to_string(first.size()) + " distinct approver" +
                (first.size() == 1 ? " is" : "s are") + " listed: the approval could never pass");
    }
  }

  // "127.0.0.1:5000/app:" names no tag: nothing follows its last ':'.
  static bool HasEmptyTag(const std::string& image) {
    return !image.empty() && image.back() == ':' && image.find("${{") == std::string::npos;
  }

  void CheckEnum(const ParamSpec& spec, const Json& value, const Place& ptr,
                 const std::string& where, const std::string& prefix) {
    if (IsDeferred(value)) return;
    std::string list;
    for (const std::string& c : spec.choices) {
      if (value.is_string() && value.get_ref<const std::string&>() == c) return;
      list += (list.empty() ? "" : ", ") + c;
    }
    Error(ptr,
          where + Quote(prefix + spec.name) + " must be one of " + list + ", not " + value.dump());
  }

  void CheckRules(const Json& value, const Place& ptr, const std::string& where) {
    if (!value.is_array() || value.empty()) {
      Error(ptr, where +
                     "\"rules\" must be a non-empty array of "
                     "{ \"metric\", \"op\", \"value\" }");
      return;
    }
    static const std::set<std::string> kOps = {">=", ">", "<=", "<", "==", "!="};
    for (size_t k = 0; k < value.size(); ++k) {
      const Json& rule = value[k];
      const Place p(ptr, k);
      if (!rule.is_object()) {
        Error(p, where + "a rule is an object { \"metric\", \"op\", \"value\" }");
        continue;
      }
      for (const auto& [key, item] : rule.items()) {
        const Place kp(p, key);
        if (key == "metric") {
          if (!item.is_string() || item.get_ref<const std::string&>().empty()) {
            Error(kp, where + "\"metric\" must be a metric name or dot path");
          }
        } else if (key == "op") {
          if (!item.is_string() || kOps.count(item.get<std::string>()) == 0) {
            Error(kp, where + item.dump() + " is not an operator; use >=, >, <=, <, == or !=");
          }
        } else if (key == "value") {
          if (!item.is_number() && !IsDeferred(item)) {
            Error(kp, where + "\"value\" must be a number");
          }
        } else {
          Error(kp, where + "unknown rule key " + Quote(key) + "; a rule has metric, op and value");
        }
      }
      for (const char* key : {"metric", "op", "value"}) {
        if (!rule.contains(key)) Error(p, where + "rule needs " + Quote(key));
      }
    }
  }

  void CheckLayout() {
    const Place layout(root_, "layout");
    for (const auto& [id, pos] : p_.layout) {
      const Place ptr(layout, id);
      if (index_.count(id) == 0) {
        Error(ptr, "layout names step " + Quote(id) + ", which does not exist");
      }
      if (std::fabs(pos.x) > 1e7 || std::fabs(pos.y) > 1e7) {
        Error(ptr, "position is too far out; keep x and y within 10,000,000");
      }
    }
  }

  void CheckCycle() {
    std::vector<int> cycle = FindCycle(graph_);
    if (!cycle.empty()) {
      Error(Place(Place(root_, "steps"), static_cast<size_t>(cycle[0])), DescribeCycle(p_, cycle));
    }
  }

  const Pipeline& p_;
  const Place root_;
  Graph graph_;
  const std::unordered_map<std::string, int>& index_;  // first step with each id
  Diagnostics errors_;
  // Declared output files by normal path: the step and the pointer of the first.
  std::map<std::string, std::pair<std::string, std::string>> output_paths_;
};

}  // namespace

Diagnostics Validate(const Pipeline& pipeline, Graph* graph) {
  return Validator(pipeline).Run(graph);
}

LoadResult LoadAndValidate(std::string_view text, const LoadOptions& options) {
  LoadResult result = LoadPipeline(text, options);
  if (result.pipeline) result.errors = Validate(*result.pipeline);
  return result;
}

Json ParamValue(const Step& step, const ParamSpec& spec) {
  auto it = step.with.find(spec.name);
  if (it != step.with.end()) return *it;
  if (spec.default_json.empty()) return Json();
  return Json::parse(spec.default_json, nullptr, /*allow_exceptions=*/false);
}

}  // namespace tame
