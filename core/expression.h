// `${{ ... }}` references inside string values. Only four forms exist:
// params.NAME, secrets.NAME, steps.ID.outputs.NAME and run.id. Nothing is
// evaluated; a reference is replaced by a value, and in a shell script by
// an environment variable that holds the value.
#ifndef TAME_CORE_EXPRESSION_H_
#define TAME_CORE_EXPRESSION_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace tame {

enum class RefKind { kParam, kSecret, kStepOutput, kRunId };

struct Reference {
  RefKind kind = RefKind::kParam;
  std::string step;  // for kStepOutput
  std::string name;  // param, secret or output name
  size_t begin = 0;  // byte range of "${{ ... }}" in the string
  size_t end = 0;

  /// "params.x", "secrets.X", "steps.a.outputs.b" or "run.id".
  std::string Text() const;
};

/// Appends every reference in `text` to `refs`, in order. Returns false with
/// `error` set for an unterminated "${{" or an expression of another form.
bool ParseReferences(const std::string& text, std::vector<Reference>* refs, std::string* error);

/// True when `text` holds nothing but one reference.
bool IsWholeReference(const std::string& text, const std::vector<Reference>& refs);

/// `text` with each of `refs` (found in it, in order) replaced by value(ref).
std::string Substitute(const std::string& text, const std::vector<Reference>& refs,
                       const std::function<std::string(const Reference&)>& value);

/// The environment variable that carries a reference's value into a shell
/// step: TAME_PARAM_x, TAME_SECRET_X, TAME_STEP_a_OUT_b, TAME_RUN_ID, with
/// characters other than [A-Za-z0-9_] turned into '_'.
std::string ReferenceEnvName(const Reference& ref);

/// True for names of params, secrets and outputs: [A-Za-z_][A-Za-z0-9_-]*.
bool IsValidName(std::string_view name);

/// True for step ids: [a-z][a-z0-9_-]{0,62}.
bool IsValidStepId(std::string_view id);

}  // namespace tame

#endif  // TAME_CORE_EXPRESSION_H_
