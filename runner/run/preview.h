// Looking ahead without running: what the cache would skip (for `tame plan`
// and `tame run --dry-run`), and the dry run's listing.
#ifndef TAME_RUNNER_RUN_PREVIEW_H_
#define TAME_RUNNER_RUN_PREVIEW_H_

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "core/pipeline.h"

namespace tame {

struct CacheVerdict {
  bool cacheable = false;  // the step has `cache` on
  bool skip = false;       // it would be skipped now
  std::string reason;      // why it runs, or "unchanged since an earlier run"
};

/// What the cache of `workspace` would do with each step if the pipeline
/// ran now with `params` (resolved values) and `secrets` (those known).
/// A step that needs the output of a step that runs cannot be known ahead:
/// it "runs" with that as the reason.
std::vector<CacheVerdict> PreviewCache(const Pipeline& pipeline, const std::string& workspace,
                                       const std::map<std::string, Json>& params,
                                       const std::map<std::string, std::string>& secrets);

/// PreviewCache() for `tame plan`: the workspace is the current folder,
/// params have their defaults (a param without one makes the steps that use
/// it "unknown"), secrets come from the environment.
std::vector<CacheVerdict> PreviewCacheHere(const Pipeline& pipeline);

/// The verdict as `tame plan` shows it: "skipped, unchanged since an earlier
/// run" or "runs: <why>".
std::string DescribeVerdict(const CacheVerdict& verdict);

/// Prints what `tame run --dry-run` shows: each level's steps, whether the
/// cache would skip them, and for shell steps the interpreter, the script
/// and the variables it would get (secrets as ***).
void PrintDryRun(const Pipeline& pipeline, const std::string& workspace,
                 const std::map<std::string, Json>& params,
                 const std::map<std::string, std::string>& secrets, bool use_cache,
                 std::ostream& out);

}  // namespace tame

#endif  // TAME_RUNNER_RUN_PREVIEW_H_
