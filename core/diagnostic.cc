#include "core/diagnostic.h"

namespace tame {

std::string FormatDiagnostic(const std::string& file, const Diagnostic& d) {
  std::string out = file + ": ";
  if (d.line > 0) {
    out += "line " + std::to_string(d.line) + ", column " + std::to_string(d.column) + ": ";
  }
  if (!d.pointer.empty()) out += d.pointer + ": ";
  return out + d.message;
}

std::string PointerAppend(const std::string& pointer, std::string_view token) {
  std::string out = pointer;
  out.reserve(pointer.size() + token.size() + 1);
  out += '/';
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Place::Pointer() const {
  std::vector<const Place*> chain;
  for (const Place* p = this; p->kind_ != Kind::kRoot; p = p->parent_) chain.push_back(p);
  std::string pointer;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const Place* p = *it;
    pointer = p->kind_ == Kind::kKey ? PointerAppend(pointer, p->key_)
                                     : PointerAppend(pointer, p->index_);
  }
  return pointer;
}

std::string PointerAppend(const std::string& pointer, size_t index) {
  return pointer + "/" + std::to_string(index);
}

std::string FieldOfPointer(std::string_view rest) {
  if (rest.empty() || rest[0] != '/') return "";
  auto token = [&](size_t at) {
    const size_t end = rest.find('/', at);
    return std::string(rest.substr(at, end == std::string_view::npos ? rest.npos : end - at));
  };
  const std::string first = token(1);
  if (first == "with" && rest.size() > 6) return "with/" + token(6);
  return first;
}

}  // namespace tame
