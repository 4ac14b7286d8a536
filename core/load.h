// Reading a pipeline file into the model.
//
// Loading checks the file's structure: that it is JSON within the limits, and
// that every key is known and holds the right type of value. What the values
// mean (ids, kinds, params, references, cycles) is Validate()'s work, so that
// a file with such problems still opens in the designer to be fixed.
#ifndef TAME_CORE_LOAD_H_
#define TAME_CORE_LOAD_H_

#include <optional>
#include <string_view>

#include "core/diagnostic.h"
#include "core/json_parse.h"
#include "core/pipeline.h"

namespace tame {

struct LoadOptions {
  ParseLimits limits;
  size_t max_steps = 50000;
};

struct LoadResult {
  std::optional<Pipeline> pipeline;  // set exactly when `errors` is empty
  Diagnostics errors;                // every structural problem found
};

/// Parses and decodes a pipeline file. Never throws.
LoadResult LoadPipeline(std::string_view text, const LoadOptions& options = {});

/// Decodes an already parsed document (consumed).
LoadResult DecodePipeline(Json&& doc, const LoadOptions& options = {});

/// The candidate closest to `word` when it is a likely typo of it, else "".
std::string SuggestSpelling(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace tame

#endif  // TAME_CORE_LOAD_H_
