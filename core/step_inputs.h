// What a step is given when it runs, with its `${{ }}` references resolved.
//
// In a shell step's script a reference never becomes shell text: it becomes
// "${NAME}", and NAME (ReferenceEnvName) carries the value in the
// environment, so the shell expands it as data. A value holding
// `"; rm -rf ~ #` or `$(touch pwned)` stays inert. Everywhere else (the
// step's `env`, its other params) references are replaced by their values.
#ifndef TAME_CORE_STEP_INPUTS_H_
#define TAME_CORE_STEP_INPUTS_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/expression.h"
#include "core/pipeline.h"

namespace tame {

/// Gives the value of a reference.
using ReferenceValue = std::function<std::string(const Reference&)>;

/// A shell step ready to start.
struct ShellCommand {
  std::string shell;                       // the interpreter as written: bash, sh, python3, ...
  std::vector<std::string> flags;          // given before the script file
  std::string script;                      // `run`, references replaced by "${NAME}"
  std::map<std::string, std::string> env;  // the step's env, then the references' variables
  std::string workdir;                     // relative to the workspace; "" is the workspace
};

/// True for interpreters that are POSIX shells (bash, sh, dash, ash, ksh,
/// mksh, zsh, by their last path component): they get "-e", and bash also
/// "--noprofile --norc -o pipefail".
bool IsPosixShell(const std::string& shell);

/// Prepares shell step `step`. Returns false with `error` set when a string
/// in it holds a malformed reference or `run` is missing.
bool PrepareShellStep(const Step& step, const ReferenceValue& value, ShellCommand* out,
                      std::string* error);

/// `value` with the references in every string replaced. A string that is
/// one whole reference to a param keeps the param's JSON type when
/// `param_json` gives one (non-null), so "replicas": "${{ params.n }}"
/// becomes a number. Returns false with `error` set on a malformed
/// reference.
bool SubstituteReferences(const Json& value, const ReferenceValue& text_value,
                          const std::function<Json(const Reference&)>& param_json, Json* out,
                          std::string* error);

/// Every reference in the step (`with` and `env`), in file order, each
/// reference text once.
std::vector<Reference> StepReferences(const Step& step);

}  // namespace tame

#endif  // TAME_CORE_STEP_INPUTS_H_
