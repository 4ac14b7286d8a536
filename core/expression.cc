#include "core/expression.h"

#include <string_view>

namespace tame {
namespace {

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }

bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9') || c == '-'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits off the text before the first '.', or all of it.
std::string_view NextPart(std::string_view* rest) {
  size_t dot = rest->find('.');
  std::string_view part = rest->substr(0, dot);
  rest->remove_prefix(dot == std::string_view::npos ? rest->size() : dot + 1);
  return part;
}

bool ParseExpression(std::string_view expr, Reference* ref) {
  std::string_view rest = expr;
  std::string_view head = NextPart(&rest);
  if (head == "params" || head == "secrets") {
    std::string_view name = NextPart(&rest);
    if (!rest.empty() || expr.back() == '.' || !IsValidName(name)) return false;
    ref->kind = head == "params" ? RefKind::kParam : RefKind::kSecret;
    ref->name = std::string(name);
    return true;
  }
  if (head == "steps") {
    std::string_view step = NextPart(&rest);
    std::string_view outputs = NextPart(&rest);
    std::string_view name = NextPart(&rest);
    if (!rest.empty() || expr.back() == '.' || outputs != "outputs" || !IsValidStepId(step) ||
        !IsValidName(name)) {
      return false;
    }
    ref->kind = RefKind::kStepOutput;
    ref->step = std::string(step);
    ref->name = std::string(name);
    return true;
  }
  if (expr == "run.id") {
    ref->kind = RefKind::kRunId;
    return true;
  }
  return false;
}

std::string Sanitize(const std::string& s) {
  std::string out = s;
  for (char& c : out) {
    if (!IsNameStart(c) && !(c >= '0' && c <= '9')) c = '_';
  }
  return out;
}

}  // namespace

std::string Reference::Text() const {
  switch (kind) {
    case RefKind::kParam:
      return "params." + name;
    case RefKind::kSecret:
      return "secrets." + name;
    case RefKind::kStepOutput:
      return "steps." + step + ".outputs." + name;
    case RefKind::kRunId:
      return "run.id";
  }
  return "";
}

bool ParseReferences(const std::string& text, std::vector<Reference>* refs, std::string* error) {
  size_t pos = 0;
  while ((pos = text.find("${{", pos)) != std::string::npos) {
    size_t close = text.find("}}", pos + 3);
    if (close == std::string::npos) {
      *error = "unterminated \"${{\": a reference ends with \"}}\"";
      return false;
    }
    std::string_view expr = Trim(std::string_view(text).substr(pos + 3, close - pos - 3));
    Reference ref;
    if (expr.empty() || !ParseExpression(expr, &ref)) {
      *error = "\"${{ " + std::string(expr) +
               " }}\" is not a reference; use params.NAME, secrets.NAME, "
               "steps.ID.outputs.NAME or run.id";
      return false;
    }
    ref.begin = pos;
    ref.end = close + 2;
    refs->push_back(std::move(ref));
    pos = close + 2;
  }
  return true;
}

bool IsWholeReference(const std::string& text, const std::vector<Reference>& refs) {
  return refs.size() == 1 && refs[0].begin == 0 && refs[0].end == text.size();
}

std::string Substitute(const std::string& text, const std::vector<Reference>& refs,
                       const std::function<std::string(const Reference&)>& value) {
  std::string out;
  size_t last = 0;
  for (const Reference& ref : refs) {
    out.append(text, last, ref.begin - last);
    out += value(ref);
    last = ref.end;
  }
  out.append(text, last, std::string::npos);
  return out;
}

std::string ReferenceEnvName(const Reference& ref) {
  switch (ref.kind) {
    case RefKind::kParam:
      return "TAME_PARAM_" + Sanitize(ref.name);
    case RefKind::kSecret:
      return "TAME_SECRET_" + Sanitize(ref.name);
    case RefKind::kStepOutput:
      return "TAME_STEP_" + Sanitize(ref.step) + "_OUT_" + Sanitize(ref.name);
    case RefKind::kRunId:
      return "TAME_RUN_ID";
  }
  return "";
}

bool IsValidName(std::string_view name) {
  if (name.empty() || name.size() > 128 || !IsNameStart(name[0])) return false;
  for (char c : name) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

bool IsValidStepId(std::string_view id) {
  if (id.empty() || id.size() > 63 || id[0] < 'a' || id[0] > 'z') return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace tame
