// The designer's model: a pipeline being edited, and the history of its edits.
//
// Contents:
//   NodeId        a step's identity while it is edited
//   EditResult    what a request answers
//   PipelineInfo  the pipeline's own fields (name, params, secrets, ...)
//   Document      the pipeline, views derived from it, requests, undo and redo
//
// The designer keeps no graph state of its own (imnodes: "the user controls
// all the state"). Every change is a request to a Document: core checks it,
// and either applies it as one entry of the edit history or refuses it with
// a message that names the step, such as
//   connecting a to b would make a dependency cycle: a -> b -> a
// Nothing here throws, reads files or touches a clock, so every request is
// tested natively and under wasm alike.
#ifndef TAME_CORE_DOCUMENT_H_
#define TAME_CORE_DOCUMENT_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/diagnostic.h"
#include "core/graph.h"
#include "core/load.h"
#include "core/pipeline.h"

namespace tame {

/// A step's identity inside one Document. It stays the same when the step is
/// renamed, moved or edited, and through undo and redo; it is never given to
/// another step. Zero means "no step".
class NodeId {
 public:
  constexpr NodeId() = default;
  constexpr explicit NodeId(uint32_t value) : value_(value) {}
  constexpr uint32_t value() const { return value_; }
  constexpr explicit operator bool() const { return value_ != 0; }
  constexpr bool operator==(NodeId o) const { return value_ == o.value_; }
  constexpr bool operator!=(NodeId o) const { return value_ != o.value_; }
  constexpr bool operator<(NodeId o) const { return value_ < o.value_; }

 private:
  uint32_t value_ = 0;
};

struct NodeIdHash {
  size_t operator()(NodeId id) const { return std::hash<uint32_t>()(id.value()); }
};

/// What a request answered: applied, or refused with `error`, a message for
/// the user. A request that changes nothing succeeds without a history entry.
struct EditResult {
  std::string error;
  std::vector<NodeId> added;  // the steps it created, in file order

  bool ok() const { return error.empty(); }
  static EditResult Refused(std::string message) { return {std::move(message), {}}; }
};

/// The pipeline's fields other than its steps and layout.
struct PipelineInfo {
  std::string name;
  std::string description;
  std::map<std::string, ParamDecl> params;
  std::map<std::string, SecretDecl> secrets;
};

/// The pipeline a new document starts with: version 1, no steps.
inline constexpr const char* kUntitledName = "untitled";

struct Edit;  // one entry of the history; document.cc

class Document {
 public:
  /// An empty pipeline named kUntitledName, with an empty history.
  Document();
  ~Document();
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;

  // ---- Reading --------------------------------------------------------

  const Pipeline& pipeline() const { return pipeline_; }
  size_t size() const { return pipeline_.steps.size(); }
  /// The node of the step at `index` (< size()).
  NodeId node(size_t index) const { return nodes_[index]; }
  /// The index of `node`'s step, or -1 when it has none (deleted, or undone).
  int IndexOf(NodeId node) const;
  /// The node of the first step with `id`, or NodeId() when there is none.
  NodeId Find(const std::string& id) const;
  /// Bumps after every change, undo and redo: a key for caches of views.
  uint64_t revision() const { return revision_; }
  /// The pipeline in canonical form: the bytes `tame fmt` writes.
  std::string Save() const;

  // Views computed once per revision.

  /// Where each step sits on the canvas, by index: its layout entry, else
  /// the origin.
  const std::vector<Position>& positions() const;
  /// Validate()'s diagnostics: what `tame validate` reports.
  const Diagnostics& problems() const;
  /// The edges to draw, as ListEdges() gives them.
  const std::vector<Edge>& edges() const;
  /// The dependency graph: BuildGraph()'s, derived from edges().
  const Graph& graph() const;
  /// The execution levels, or nullptr when there is a dependency cycle.
  const Plan* plan() const;

  // ---- Requests -------------------------------------------------------
  // Each checks its request and applies it as one history entry, or
  // refuses it and changes nothing.

  /// What Open() did.
  struct OpenResult {
    bool opened = false;
    /// Why it did not open (syntax, structure), or, when it did, Validate()'s
    /// problems: what `tame validate` prints either way.
    Diagnostics errors;
  };
  /// Replaces the pipeline with the one in `text` (undoable). When the text
  /// does not load, the document stays as it was. Steps without a layout
  /// position are placed by AutoLayout()'s rules.
  OpenResult Open(std::string_view text);
  /// Replaces the pipeline with an empty one named `name` (undoable).
  EditResult New(const std::string& name = kUntitledName);

  /// Adds a step of kind `uses` at `at`. An empty `id` picks a free one from
  /// the kind's name ("checkout", "checkout-2", ...). Refuses unknown kinds,
  /// invalid ids and ids in use.
  EditResult AddStep(const std::string& uses, const std::string& id, Position at);
  /// Makes `to` need `from`, unless that is an edge to itself, an edge that
  /// exists, or one that closes a dependency cycle.
  EditResult Connect(NodeId from, NodeId to);
  /// Why Connect(from, to) would be refused, or "" when it would be applied.
  std::string CheckConnect(NodeId from, NodeId to) const;
  /// Removes `from` from `to`'s needs. Refused when `to` depends on `from`
  /// only through `${{ steps.FROM.outputs... }}` references in its params.
  EditResult Disconnect(NodeId from, NodeId to);
  /// Deletes the steps and their positions, and drops them from the needs
  /// of others. References to their outputs stay, for validation to report.
  EditResult DeleteSteps(const std::vector<NodeId>& nodes);
  /// Sets layout positions. Refuses positions that are not finite.
  EditResult MoveSteps(const std::vector<std::pair<NodeId, Position>>& moves);
  /// Sets param `name` of the step's `with` to `value`, or removes it when
  /// `value` is null. Refuses names the step's kind does not have, and a
  /// reference that would close a dependency cycle. Values of the wrong type
  /// are kept: validation reports them beside the field.
  EditResult SetParam(NodeId node, const std::string& name, const Json& value);
  /// Replaces everything about a step but its id (see RenameStep), with the
  /// same checks as SetParam for dependency cycles.
  EditResult UpdateStep(NodeId node, Step step);
  /// Renames a step and rewrites the needs, references and layout that name
  /// it. Refuses invalid ids and ids in use.
  EditResult RenameStep(NodeId node, const std::string& new_id);
  /// Sets the pipeline's name, description, params and secrets.
  EditResult SetInfo(PipelineInfo info);
  /// Places every step by its plan level: one column per level, left to
  /// right; with `max_width` > 0, in layers that wrap into bands to fit that
  /// width, crossings reduced (LayoutLayered). Refused while there is a
  /// dependency cycle.
  EditResult AutoLayout(double max_width = 0);

  /// The steps as a pipeline document, for the clipboard: the steps in file
  /// order with their positions, and the params and secrets they refer to.
  std::string Copy(const std::vector<NodeId>& nodes) const;
  /// Adds the steps of a pipeline document such as Copy() makes. Ids in use
  /// get a suffix, and needs and references among the pasted steps follow
  /// them; missing params and secrets are declared. The steps land with
  /// their top-left at `at`, or 40 pixels right of and below where they were.
  EditResult Paste(std::string_view text, std::optional<Position> at = std::nullopt);
  /// Paste(Copy(nodes)) as one request.
  EditResult Duplicate(const std::vector<NodeId>& nodes);

  // ---- History --------------------------------------------------------

  bool CanUndo() const;
  bool CanRedo() const;
  /// What Undo() or Redo() would undo or redo ("connect a to b"), or "".
  std::string UndoLabel() const;
  std::string RedoLabel() const;
  /// Reverts the last edit; false when there is none.
  bool Undo();
  /// Applies the last undone edit again; false when there is none.
  bool Redo();
  /// Remembers the current state as saved; Modified() is false until the
  /// next change, undo or redo that leaves it.
  void MarkSaved();
  bool Modified() const;
  /// Forgets every edit, keeping the pipeline: where a reloaded page starts.
  void ForgetHistory();

  /// How many edits the history keeps; older ones are forgotten.
  static constexpr size_t kHistoryLimit = 200;

 private:
  friend struct Edit;
  struct Caches;

  // Applies `edit` (whose ops are already built) and records it.
  void Record(Edit edit);
  void Changed(bool structure);
  void RebuildIndex() const;
  std::string CheckNewDeps(size_t index, const Step& step) const;
  std::string CheckNewId(const std::string& id) const;
  EditResult Move(const std::vector<std::pair<NodeId, Position>>& moves, const std::string& label);
  EditResult PasteAs(std::string_view text, std::optional<Position> at, const std::string& label);
  std::string UniqueId(const std::string& base, const std::vector<std::string>& taken) const;
  NodeId NewNode() { return NodeId(++last_node_); }

  Pipeline pipeline_;
  std::vector<NodeId> nodes_;  // by step index
  uint32_t last_node_ = 0;
  uint64_t revision_ = 0;
  uint64_t next_edit_serial_ = 1;
  uint64_t current_serial_ = 0;  // the serial of the state shown
  uint64_t saved_serial_ = 0;
  std::vector<Edit> undo_;
  std::vector<Edit> redo_;

  // Views, rebuilt lazily when the revision they were made for is old.
  mutable uint64_t index_revision_ = UINT64_MAX;
  mutable std::unordered_map<std::string, int> index_by_id_;
  mutable std::unordered_map<NodeId, int, NodeIdHash> index_by_node_;
  mutable std::unique_ptr<Caches> caches_;
};

/// The step index a diagnostic's JSON pointer is about ("/steps/3/..." or
/// "/layout/ID"), or -1 when it is about the pipeline as a whole.
int StepOfPointer(const Document& document, const std::string& pointer);

/// The id AddStep picks for a kind when given none: the last part of its
/// name ("git.checkout" -> "checkout").
std::string DefaultStepId(const std::string& uses);

}  // namespace tame

#endif  // TAME_CORE_DOCUMENT_H_
