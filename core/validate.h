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

/// True when `path` leaves the folder it is relative to: it is absolute or
/// has a ".." part. Params that name a place in the workspace
/// (ParamSpec::in_workspace) and output paths may not.
bool PathLeavesFolder(std::string_view path);

/// True when URL `url` carries credentials that would be stored with it: a
/// user name or password in an http(s) URL ("https://user:pass@host/r",
/// "https://TOKEN@host/r"), or a password in any other ("ssh://u:p@h/r").
/// A user name alone is fine elsewhere ("ssh://git@host/r").
bool UrlHasCredentials(std::string_view url);

/// `url` with the credentials UrlHasCredentials() finds replaced by "***",
/// for messages.
std::string UrlWithoutCredentials(std::string_view url);

/// The value of param `spec` in `step`: its `with` entry, else the catalog's
/// default, else null.
Json ParamValue(const Step& step, const ParamSpec& spec);

}  // namespace tame

#endif  // TAME_CORE_VALIDATE_H_
