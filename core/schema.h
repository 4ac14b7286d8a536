// The JSON Schema (2020-12) of the pipeline file, generated from the
// catalog. schemas/pipeline.schema.json is this function's output, and a
// test fails when the two differ.
#ifndef TAME_CORE_SCHEMA_H_
#define TAME_CORE_SCHEMA_H_

#include <string>

namespace tame {

/// The schema's text: 2-space JSON with sorted keys and a trailing newline.
std::string PipelineSchema();

}  // namespace tame

#endif  // TAME_CORE_SCHEMA_H_
