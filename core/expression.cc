#include "core/expression.h"

namespace tame {
namespace {

bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool IsNameChar(char c) {
  return IsNameStart(c) || (c >= '0' && c <= '9') || c == '-';
}

std::vector<std::string> SplitDots(const std::string& s) {
  std::vector<std::string> parts(1);
  for (char c : s) {
    if (c == '.') {
      parts.emplace_back();
    } else {
      parts.back() += c;
    }
  }
  return parts;
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

bool ParseExpression(const std::string& expr, Reference* ref) {
  std::vector<std::string> parts = SplitDots(expr);
  if (parts.size() == 2 && parts[0] == "params" && IsValidName(parts[1])) {
    ref->kind = RefKind::kParam;
    ref->name = parts[1];
    return true;
  }
  if (parts.size() == 2 && parts[0] == "secrets" && IsValidName(parts[1])) {
    ref->kind = RefKind::kSecret;
    ref->name = parts[1];
    return true;
  }
  if (parts.size() == 4 && parts[0] == "steps" && IsValidStepId(parts[1]) &&
      parts[2] == "outputs" && IsValidName(parts[3])) {
    ref->kind = RefKind::kStepOutput;
    ref->step = parts[1];
    ref->name = parts[3];
    return true;
  }
  if (parts.size() == 2 && parts[0] == "run" && parts[1] == "id") {
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
    case RefKind::kParam: return "params." + name;
    case RefKind::kSecret: return "secrets." + name;
    case RefKind::kStepOutput: return "steps." + step + ".outputs." + name;
    case RefKind::kRunId: return "run.id";
  }
  return "";
}

bool ParseReferences(const std::string& text, std::vector<Reference>* refs,
                     std::string* error) {
  size_t pos = 0;
  while ((pos = text.find("${{", pos)) != std::string::npos) {
    size_t close = text.find("}}", pos + 3);
    if (close == std::string::npos) {
      *error = "unterminated \"${{\": a reference ends with \"}}\"";
      return false;
    }
    std::string expr = Trim(text.substr(pos + 3, close - pos - 3));
    Reference ref;
    if (!ParseExpression(expr, &ref)) {
      *error = "\"${{ " + expr +
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

bool IsWholeReference(const std::string& text,
                      const std::vector<Reference>& refs) {
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
    case RefKind::kParam: return "TAME_PARAM_" + Sanitize(ref.name);
    case RefKind::kSecret: return "TAME_SECRET_" + Sanitize(ref.name);
    case RefKind::kStepOutput:
      return "TAME_STEP_" + Sanitize(ref.step) + "_OUT_" + Sanitize(ref.name);
    case RefKind::kRunId: return "TAME_RUN_ID";
  }
  return "";
}

bool IsValidName(const std::string& name) {
  if (name.empty() || name.size() > 128 || !IsNameStart(name[0])) return false;
  for (char c : name) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

bool IsValidStepId(const std::string& id) {
  if (id.empty() || id.size() > 63 || id[0] < 'a' || id[0] > 'z') return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace tame
