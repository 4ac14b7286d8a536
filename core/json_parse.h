// Strict JSON parsing for files a user wrote: limits on size and depth,
// duplicate keys refused, non-finite numbers refused, errors placed by line,
// column and JSON pointer. Never throws.
#ifndef TAME_CORE_JSON_PARSE_H_
#define TAME_CORE_JSON_PARSE_H_

#include <cstddef>
#include <string_view>

#include "core/diagnostic.h"
#include "core/pipeline.h"

namespace tame {

struct ParseLimits {
  size_t max_bytes = 16u << 20;  // 16 MiB
  size_t max_depth = 64;
};

/// Parses `text` into `out`. On failure returns false and sets `error` (the
/// first problem; parsing stops there) and leaves `out` unspecified.
bool ParseJsonStrict(std::string_view text, const ParseLimits& limits, Json* out,
                     Diagnostic* error);

/// What a value is, for messages: "a string", "an integer", "null", ...
const char* JsonTypeName(const Json& value);

}  // namespace tame

#endif  // TAME_CORE_JSON_PARSE_H_
