// The entries of a Document's edit history, for document.cc and its tests.
//
// An edit is a list of ops, and every op is its own inverse: toggling it
// once applies it, toggling it again reverts it, because it swaps what the
// document holds with what the op holds. Undo toggles an edit's ops in
// reverse order, redo in order again. So the history keeps one copy of what
// changed and never a snapshot of the whole pipeline (except when a file is
// opened, which replaces everything).
#ifndef TAME_CORE_DOCUMENT_EDIT_H_
#define TAME_CORE_DOCUMENT_EDIT_H_

#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "core/document.h"
#include "core/pipeline.h"

namespace tame {

/// A step with what belongs to it outside `steps`.
struct DocumentStep {
  Step step;
  NodeId node;
  std::optional<Position> position;  // its layout entry
};

/// Swaps steps at indices `at` with `steps`.
struct SwapSteps {
  std::vector<int> at;
  std::vector<Step> steps;
};

/// Swaps the layout entries of `ids` with `positions` (nullopt: no entry).
struct SwapLayout {
  std::vector<std::string> ids;
  std::vector<std::optional<Position>> positions;
};

/// Swaps the pipeline's own fields with `info`.
struct SwapInfo {
  PipelineInfo info;
};

/// Swaps the whole pipeline and its nodes.
struct SwapAll {
  Pipeline pipeline;
  std::vector<NodeId> nodes;
};

/// Moves steps into the document (inserting `records` so that they end up
/// at the ascending indices `at`) or out of it (erasing the steps at `at`
/// into `records`), whichever `in_document` says is not the case yet.
struct Splice {
  std::vector<int> at;
  std::vector<DocumentStep> records;
  bool in_document = false;
};

using EditOp = std::variant<SwapSteps, SwapLayout, SwapInfo, SwapAll, Splice>;

struct Edit {
  std::string label;  // "connect a to b", for the Edit menu
  std::vector<EditOp> ops;
  uint64_t serial_before = 0;  // the document state before and after it
  uint64_t serial_after = 0;
  bool structure = false;  // steps were added, removed or swapped wholesale
};

/// An edit of one op.
Edit MakeEdit(std::string label, EditOp op);

/// Applies or reverts `op` on the pipeline and its nodes. Returns true when
/// the set of steps changed (steps added or removed, not just edited).
bool ToggleOp(EditOp& op, Pipeline* pipeline, std::vector<NodeId>* nodes);

/// Rewrites `step`'s needs and `${{ steps.OLD.outputs.* }}` references in
/// its params and env from each OLD in `renames` to the new id it maps to.
/// Returns true when anything changed.
bool RenameReferences(Step* step, const std::unordered_map<std::string, std::string>& renames);

/// Calls fn(text) for every string in `value` and replaces it with what fn
/// returns.
void MapStrings(Json* value, const std::function<std::string(const std::string&)>& fn);

/// Gives every step of `pipeline` that has no layout entry a position: the
/// level layout's, below the steps that have one.
void PlaceUnplacedSteps(Pipeline* pipeline);

}  // namespace tame

#endif  // TAME_CORE_DOCUMENT_EDIT_H_
