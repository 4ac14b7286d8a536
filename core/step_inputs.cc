#include "core/step_inputs.h"

#include <set>

namespace tame {
namespace {

std::string BaseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Calls fn(text) for every string in `value`, keys excluded, in order.
void ForEachText(const Json& value, const std::function<void(const std::string&)>& fn) {
  if (value.is_string()) {
    fn(value.get_ref<const std::string&>());
  } else if (value.is_array() || value.is_object()) {
    for (const Json& item : value) ForEachText(item, fn);
  }
}

bool Resolve(const std::string& text, const ReferenceValue& value, std::string* out,
             std::string* error) {
  if (text.find("${{") == std::string::npos) {
    *out = text;
    return true;
  }
  std::vector<Reference> refs;
  if (!ParseReferences(text, &refs, error)) return false;
  *out = Substitute(text, refs, value);
  return true;
}

}  // namespace

bool IsPosixShell(const std::string& shell) {
  static const std::set<std::string> kShells = {"bash", "sh", "dash", "ash", "ksh", "mksh", "zsh"};
  return kShells.count(BaseName(shell)) > 0;
}

bool PrepareShellStep(const Step& step, const ReferenceValue& value, ShellCommand* out,
                      std::string* error) {
  *out = ShellCommand();
  auto text_param = [&](const char* name, const std::string& fallback, std::string* dest) {
    auto it = step.with.find(name);
    if (it == step.with.end() || !it->is_string()) {
      *dest = fallback;
      return true;
    }
    if (!Resolve(it->get<std::string>(), value, dest, error)) {
      *error = "with." + std::string(name) + ": " + *error;
      return false;
    }
    return true;
  };
  auto run = step.with.find("run");
  if (run == step.with.end() || !run->is_string()) {
    *error = "shell steps need with.run";
    return false;
  }
  if (!text_param("shell", "bash", &out->shell) || !text_param("workdir", "", &out->workdir)) {
    return false;
  }
  if (out->shell.empty()) out->shell = "bash";
  if (IsPosixShell(out->shell)) {
    if (BaseName(out->shell) == "bash") {
      out->flags = {"--noprofile", "--norc", "-e", "-o", "pipefail"};
    } else {
      out->flags = {"-e"};
    }
  }
  for (const auto& [name, text] : step.env) {
    std::string resolved;
    if (!Resolve(text, value, &resolved, error)) {
      *error = "env." + name + ": " + *error;
      return false;
    }
    out->env[name] = resolved;
  }
  const std::string& script = run->get_ref<const std::string&>();
  std::vector<Reference> refs;
  if (!ParseReferences(script, &refs, error)) {
    *error = "with.run: " + *error;
    return false;
  }
  out->script = Substitute(script, refs, [&](const Reference& ref) {
    std::string name = ReferenceEnvName(ref);
    out->env[name] = value(ref);
    return "${" + name + "}";
  });
  return true;
}

bool SubstituteReferences(const Json& value, const ReferenceValue& text_value,
                          const std::function<Json(const Reference&)>& param_json, Json* out,
                          std::string* error) {
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    std::vector<Reference> refs;
    if (!ParseReferences(text, &refs, error)) return false;
    if (IsWholeReference(text, refs) && refs[0].kind == RefKind::kParam && param_json) {
      Json typed = param_json(refs[0]);
      if (!typed.is_null()) {
        *out = typed;
        return true;
      }
    }
    *out = refs.empty() ? text : Substitute(text, refs, text_value);
    return true;
  }
  if (value.is_array()) {
    *out = Json::array();
    for (const Json& item : value) {
      Json resolved;
      if (!SubstituteReferences(item, text_value, param_json, &resolved, error)) return false;
      out->push_back(std::move(resolved));
    }
    return true;
  }
  if (value.is_object()) {
    *out = Json::object();
    for (auto it = value.begin(); it != value.end(); ++it) {
      Json resolved;
      if (!SubstituteReferences(it.value(), text_value, param_json, &resolved, error)) {
        return false;
      }
      (*out)[it.key()] = std::move(resolved);
    }
    return true;
  }
  *out = value;
  return true;
}

std::vector<Reference> StepReferences(const Step& step) {
  std::vector<Reference> all;
  std::set<std::string> seen;
  auto collect = [&](const std::string& text) {
    if (text.find("${{") == std::string::npos) return;
    std::vector<Reference> refs;
    std::string error;
    if (!ParseReferences(text, &refs, &error)) return;
    for (Reference& ref : refs) {
      if (seen.insert(ref.Text()).second) all.push_back(std::move(ref));
    }
  };
  ForEachText(step.with, collect);
  for (const auto& entry : step.env) collect(entry.second);
  return all;
}

}  // namespace tame
