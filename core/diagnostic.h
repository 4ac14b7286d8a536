// A problem found in a pipeline file, with the place it was found.
#ifndef TAME_CORE_DIAGNOSTIC_H_
#define TAME_CORE_DIAGNOSTIC_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tame {

struct Diagnostic {
  Diagnostic() = default;
  Diagnostic(std::string pointer_in, std::string message_in, int line_in = 0, int column_in = 0)
      : pointer(std::move(pointer_in)),
        message(std::move(message_in)),
        line(line_in),
        column(column_in) {}

  std::string pointer;  // JSON pointer into the file ("" for the whole file)
  std::string message;  // names the step when there is one: `step "x": ...`
  int line = 0;         // 1-based, for syntax errors only; 0 otherwise
  int column = 0;
  // What the problem is about, as data for editors: the step's id ("" for
  // the pipeline itself) and its field: "id", "uses", "needs", "with/NAME",
  // "timeout", ... for a step; "name", "params", "secrets", ... otherwise;
  // "" for the step or file as a whole. Inside an object or object-list
  // param it is the path to the nested field, written as messages write it:
  // "with/ingress.host", "with/analysis.metrics[1].query". Set by validation.
  std::string step;
  std::string field;

  /// Compares what a user reads: the place and the message.
  bool operator==(const Diagnostic& o) const {
    return pointer == o.pointer && message == o.message && line == o.line && column == o.column;
  }
};

using Diagnostics = std::vector<Diagnostic>;

/// "FILE: /pointer: message", or "FILE: line L, column C: message" for a
/// syntax error, or "FILE: message" when there is no place inside the file.
std::string FormatDiagnostic(const std::string& file, const Diagnostic& d);

/// The field a pointer inside one step or the pipeline names, given the
/// pointer's rest after "/steps/N" (or the whole pointer for the pipeline):
/// "with/NAME" for a param, else its first token ("timeout", "needs", ...);
/// "" for the step or pipeline as a whole.
std::string FieldOfPointer(std::string_view rest);

/// A place in a JSON document as a chain of links to its parents: cheap to
/// make on the stack while walking a document, and turned into a JSON
/// pointer only when a message needs one. A Place must not outlive its
/// parent or the key it names.
class Place {
 public:
  Place() = default;  // the document itself
  Place(const Place& parent, std::string_view key)
      : parent_(&parent), key_(key), kind_(Kind::kKey) {}
  Place(const Place& parent, size_t index) : parent_(&parent), index_(index), kind_(Kind::kIndex) {}

  /// The JSON pointer of this place: "" for the document, else "/a/0/b".
  std::string Pointer() const;

 private:
  enum class Kind { kRoot, kKey, kIndex };
  const Place* parent_ = nullptr;
  std::string_view key_;
  size_t index_ = 0;
  Kind kind_ = Kind::kRoot;
};

/// Appends "/token" to `pointer`, escaping '~' and '/' as RFC 6901 says.
std::string PointerAppend(const std::string& pointer, std::string_view token);
std::string PointerAppend(const std::string& pointer, size_t index);

}  // namespace tame

#endif  // TAME_CORE_DIAGNOSTIC_H_
