// What a loaded pipeline means, checked: ids, kinds and their params,
// references, edges, cycles, durations, conditions, retries and layout.
#ifndef TAME_CORE_VALIDATE_H_
#define TAME_CORE_VALIDATE_H_

#include <string_view>

#include "core/catalog.h"
#include "core/diagnostic.h"
#include "core/graph.h"
#include "core/load.h"
#include "core/pipeline.h"

namespace tame {

/// Every problem found, in file order; empty when the pipeline is valid.
/// The dependency graph built on the way is moved into `graph` when given.
Diagnostics Validate(const Pipeline& pipeline, Graph* graph = nullptr);

/// Loads and, when the structure is sound, validates `text`: what
/// `tame validate` reports. `result.pipeline` is set when it loaded.
LoadResult LoadAndValidate(std::string_view text, const LoadOptions& options = {});

/// The value of param `spec` in `step`: its `with` entry, else the catalog's
/// default, else null.
Json ParamValue(const Step& step, const ParamSpec& spec);

}  // namespace tame

#endif  // TAME_CORE_VALIDATE_H_
