// A problem found in a pipeline file, with the place it was found.
#ifndef TAME_CORE_DIAGNOSTIC_H_
#define TAME_CORE_DIAGNOSTIC_H_

#include <string>
#include <vector>

namespace tame {

struct Diagnostic {
  std::string pointer;  // JSON pointer into the file ("" for the whole file)
  std::string message;  // names the step when there is one: `step "x": ...`
  int line = 0;         // 1-based, for syntax errors only; 0 otherwise
  int column = 0;

  bool operator==(const Diagnostic& o) const {
    return pointer == o.pointer && message == o.message && line == o.line &&
           column == o.column;
  }
};

using Diagnostics = std::vector<Diagnostic>;

/// "FILE: /pointer: message", or "FILE: line L, column C: message" for a
/// syntax error, or "FILE: message" when there is no place inside the file.
std::string FormatDiagnostic(const std::string& file, const Diagnostic& d);

/// Appends "/token" to `pointer`, escaping '~' and '/' as RFC 6901 says.
std::string PointerAppend(const std::string& pointer, const std::string& token);
std::string PointerAppend(const std::string& pointer, size_t index);

}  // namespace tame

#endif  // TAME_CORE_DIAGNOSTIC_H_
