// The values a run starts from: params given on the command line, typed by
// the pipeline's declarations, and the NAME=VALUE lines of a secrets file.
#ifndef TAME_CORE_PARAMS_H_
#define TAME_CORE_PARAMS_H_

#include <map>
#include <string>
#include <vector>

#include "core/pipeline.h"

namespace tame {

/// Gives every declared param of `pipeline` a value: the last of
/// `assignments` ("NAME=VALUE", as --param takes them) that names it, read
/// as the declared type (string, number, integer, boolean), else its
/// default. Returns false with `error` set for an assignment without '=', a
/// param the pipeline does not declare, a value not of the declared type,
/// or a param that has no default and was not given.
bool ResolveParams(const Pipeline& pipeline, const std::vector<std::string>& assignments,
                   std::map<std::string, Json>* values, std::string* error);

/// The text a param's value stands for where it is substituted: a string
/// as it is, a number as JSON writes it, true or false.
std::string ParamText(const Json& value);

/// Reads a secrets file: one NAME=VALUE per line, the value taken as it is
/// up to the end of the line (a trailing "\r" dropped); blank lines and
/// lines starting with '#' are ignored. Returns false with `error` naming
/// the line for any other line. Errors never quote the line: it may hold a
/// secret.
bool ParseSecretsText(const std::string& text, std::map<std::string, std::string>* secrets,
                      std::string* error);

}  // namespace tame

#endif  // TAME_CORE_PARAMS_H_
