// The canonical form of a pipeline file: what `tame fmt` and the designer's
// export write. 2-space indent; keys in a fixed order (the file format's own
// order for known keys, the catalog's order for a kind's params, then the
// rest sorted); steps in file order; a trailing newline. Arrays of scalars
// and small objects of scalars stay on one line when it fits in 80 columns.
// Integers are written as written; other numbers in the shortest form that
// reads back to the same value. The same pipeline gives the same bytes
// natively and in the browser.
#ifndef TAME_CORE_SAVE_H_
#define TAME_CORE_SAVE_H_

#include <string>

#include "core/pipeline.h"

namespace tame {

/// The canonical text of `pipeline`.
std::string SavePipeline(const Pipeline& pipeline);

/// `pipeline` as JSON on one line, without spaces or a trailing newline:
/// the canonical form's members in the same order, not laid out. It reads
/// back to what SavePipeline() writes; for files that embed the pipeline
/// (report.json), where laying it out costs more than the rest.
std::string PipelineJsonLine(const Pipeline& pipeline);

/// `value` in the same layout rules, at the given indent (for tools and tests).
std::string FormatJsonValue(const Json& value, int indent = 0);

}  // namespace tame

#endif  // TAME_CORE_SAVE_H_
