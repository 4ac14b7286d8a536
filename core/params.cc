#include "core/params.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "core/expression.h"
#include "core/load.h"

namespace tame {
namespace {

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

bool ParseInteger(const std::string& text, Json* out) {
  if (text.empty()) return false;
  size_t i = text[0] == '-' || text[0] == '+' ? 1 : 0;
  if (i == text.size()) return false;
  for (size_t k = i; k < text.size(); ++k) {
    if (text[k] < '0' || text[k] > '9') return false;
  }
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (errno == ERANGE || end != text.c_str() + text.size()) return false;
  *out = static_cast<int64_t>(v);
  return true;
}

bool ParseNumber(const std::string& text, Json* out) {
  Json integer;
  if (ParseInteger(text, &integer)) {
    *out = integer;
    return true;
  }
  if (text.empty() || text.find_first_of(" \t\n") != std::string::npos) return false;
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(v) || errno == ERANGE) return false;
  // strtod also reads hex and "inf"; only decimal notation is a number here.
  for (char c : text) {
    bool ok = (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+';
    if (!ok) return false;
  }
  *out = v;
  return true;
}

const char* TypePhrase(const std::string& type) {
  if (type == "integer") return "an integer";
  if (type == "number") return "a number";
  if (type == "boolean") return "true or false";
  return "a string";
}

}  // namespace

bool ResolveParams(const Pipeline& pipeline, const std::vector<std::string>& assignments,
                   std::map<std::string, Json>* values, std::string* error) {
  std::map<std::string, std::string> given;
  for (const std::string& assignment : assignments) {
    size_t eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0) {
      *error = "--param takes NAME=VALUE, not " + Quote(assignment);
      return false;
    }
    std::string name = assignment.substr(0, eq);
    if (pipeline.params.count(name) == 0) {
      std::vector<std::string> names;
      std::string list;
      for (const auto& entry : pipeline.params) {
        names.push_back(entry.first);
        list += (list.empty() ? "" : ", ") + entry.first;
      }
      std::string suggestion = SuggestSpelling(name, names);
      *error = "unknown param " + Quote(name) + ": the pipeline " +
               (names.empty() ? "declares no params" : "declares " + list) +
               (suggestion.empty() ? "" : " (did you mean " + Quote(suggestion) + "?)");
      return false;
    }
    given[name] = assignment.substr(eq + 1);
  }
  values->clear();
  for (const auto& [name, decl] : pipeline.params) {
    auto it = given.find(name);
    if (it == given.end()) {
      if (!decl.default_value) {
        *error =
            "param " + Quote(name) + " has no default; give it with --param " + name + "=VALUE";
        return false;
      }
      (*values)[name] = *decl.default_value;
      continue;
    }
    const std::string& text = it->second;
    Json value;
    bool ok = true;
    if (decl.type == "integer") {
      ok = ParseInteger(text, &value);
    } else if (decl.type == "number") {
      ok = ParseNumber(text, &value);
    } else if (decl.type == "boolean") {
      ok = text == "true" || text == "false";
      value = text == "true";
    } else {
      value = text;
    }
    if (!ok) {
      *error =
          "param " + Quote(name) + " must be " + TypePhrase(decl.type) + ", not " + Quote(text);
      return false;
    }
    (*values)[name] = value;
  }
  return true;
}

std::string ParamText(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";
  return value.dump();
}

bool ParseSecretsText(const std::string& text, std::map<std::string, std::string>* secrets,
                      std::string* error) {
  size_t start = 0;
  int line_no = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(start, nl - start);
    start = nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    size_t eq = line.find('=');
    std::string name = eq == std::string::npos ? "" : line.substr(0, eq);
    if (name.rfind("export ", 0) == 0) name = name.substr(7);
    if (eq == std::string::npos || !IsValidName(name)) {
      *error = "line " + std::to_string(line_no) + ": expected NAME=VALUE";
      return false;
    }
    (*secrets)[name] = line.substr(eq + 1);
  }
  return true;
}

}  // namespace tame
