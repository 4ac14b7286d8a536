// The pipeline canvas: steps as nodes, dependencies as edges, and the mouse
// and keyboard gestures that turn into requests to core.
//
// The canvas draws what the Document holds and asks it for every change; its
// own state is the view (scroll and zoom) and the gesture in progress. Only
// what is on screen is drawn: each frame walks the step positions once to
// find the visible nodes, and edges whose routes lie off the view are
// skipped. Edges are routed around the nodes (core/edge_route.h) when the
// edges or node positions change, never per frame; while nodes are dragged
// their edges are plain curves until the drop. Zoomed far out, nodes become
// plain coloured blocks and edges thin polylines, so 10,000 steps stay
// within a frame.
#ifndef TAME_DESIGNER_WASM_CANVAS_H_
#define TAME_DESIGNER_WASM_CANVAS_H_

#include <optional>
#include <utility>
#include <vector>

#include "core/catalog.h"
#include "core/edge_route.h"
#include "designer-wasm/editor.h"
#include "designer-wasm/run_view.h"
#include "imgui.h"

namespace tame::designer {

/// A node's size on the canvas, in canvas units (screen pixels at zoom 1).
inline constexpr float kNodeWidth = 200.0f;
inline constexpr float kNodeHeight = 56.0f;
inline constexpr float kMinZoom = 0.02f;
inline constexpr float kMaxZoom = 2.5f;
/// Below this zoom nodes have no text, ports or edge curves.
inline constexpr float kDetailZoom = 0.45f;
/// Below this zoom a node shows its id only, not its kind's name.
inline constexpr float kTwoLineZoom = 0.75f;

/// The payload type of a palette entry being dragged: the kind's index in
/// Catalog().
inline constexpr const char* kKindPayload = "TAME_KIND";

/// A node's place on the screen.
struct NodeBox {
  ImVec2 min;
  ImVec2 max;
  ImVec2 in_port;   // left middle: what it needs comes in here
  ImVec2 out_port;  // right middle: what needs it leaves from here
};

/// An edge as the canvas drew it last, on the screen: its route (or, while
/// one of its ends is dragged, the curve standing in for it), whether the
/// router found a way around every node, whether it is faded, and its
/// label's box (zero when the label is hidden).
struct EdgeOnScreen {
  int from = 0;
  int to = 0;
  std::vector<ImVec2> points;
  bool routed = true;
  bool faded = false;
  ImVec2 label_min{0, 0};
  ImVec2 label_max{0, 0};
};

/// True when `filter` (any case) is part of the kind's title, name,
/// category or doc; an empty filter matches every kind.
bool KindMatches(const KindSpec& kind, const char* filter);

class Canvas {
 public:
  /// Draws the canvas over the current window's content region and handles
  /// its input. Call once per frame inside the window.
  void Draw(Editor& editor);

  /// Shows `run`'s statuses on the nodes while it is open.
  void set_run(const RunView* run) { run_ = run; }

  /// Scroll input from the page, in pixels; `zoom` for ctrl+wheel and pinch.
  void AddWheel(float dx, float dy, bool zoom);

  /// Where node `index` is on the screen, by the current view.
  NodeBox Box(const Editor& editor, int index) const;
  /// The canvas point at the centre of the view.
  Position ViewCenter() const;
  float zoom() const { return zoom_; }
  /// Whether the minimap shows (View > Minimap; remembered across visits).
  bool show_minimap = true;
  /// Moves the view by `delta` screen pixels.
  void ScrollBy(ImVec2 delta);
  /// Zooms by `factor` about the view's centre.
  void ZoomBy(float factor);
  /// Every edge as it is routed now, in the order of the document's edges(),
  /// with the labels of the last frame; routes them first if they are old.
  std::vector<EdgeOnScreen> EdgesOnScreen(const Editor& editor);
  /// Milliseconds the last routing took (over the frames it was spread
  /// across), and how many edges it routed.
  double route_ms() const { return route_ms_; }
  size_t routed_edges() const { return route_count_; }
  /// Edges the router could not take around every node.
  size_t unrouted() const { return unrouted_; }

 private:
  enum class Mode { kIdle, kPan, kBoxSelect, kMove, kConnect, kMinimap };

  ImVec2 ToScreen(Position p) const;
  Position ToCanvas(ImVec2 screen) const;
  void ZoomAt(ImVec2 screen, float zoom);
  void Fit(ImVec2 lo, ImVec2 hi, float min_zoom, float max_zoom, bool top_left);
  void HandleViewRequests(Editor& editor);
  void FindVisible(const Editor& editor);
  void HitTest(const Editor& editor);
  void HandleMouse(Editor& editor);
  void FinishGesture(Editor& editor);
  void HandleKeys(Editor& editor);
  void AcceptPaletteDrop(Editor& editor);
  void OpenAddStepMenu(Position at, NodeId connect, bool connect_input);
  void DrawContextMenus(Editor& editor);
  void DrawAddStepMenu(Editor& editor);

  // canvas_draw.cc
  void DrawGrid(ImDrawList* draw) const;
  // canvas_edges.cc
  void UpdateRoutes(const Editor& editor, double budget_ms);
  void StartRouting(const Editor& editor);
  void ContinueRouting(double budget_ms);
  bool EdgeFaded(const Editor& editor, const Edge& edge) const;
  void EdgePoints(const Editor& editor, size_t k, bool detail, std::vector<ImVec2>* points,
                  std::vector<ImVec2>* corners, bool* routed) const;
  std::optional<EdgeRef> EdgeAt(const Editor& editor, ImVec2 mouse);
  void DrawEdges(const Editor& editor, ImDrawList* draw);
  bool PlaceLabel(const Editor& editor, size_t k, const std::vector<ImVec2>& points, ImVec2 size,
                  bool force, ImVec2* at);
  void DrawNodes(const Editor& editor, ImDrawList* draw) const;
  void DrawNode(const Editor& editor, ImDrawList* draw, int index, ImVec2 shift,
                int problems) const;
  void DrawRunState(ImDrawList* draw, const NodeBox& box, const StepRun* record,
                    bool selected) const;
  void DrawGestures(const Editor& editor, ImDrawList* draw);
  void DrawMinimap(const Editor& editor, ImDrawList* draw);
  void DrawEmptyHint(Editor& editor);
  void UpdateBounds(const Editor& editor);
  Position MinimapToCanvas(ImVec2 screen) const;
  bool InMinimap(ImVec2 screen) const;

  const RunView* run_ = nullptr;

  // The view: screen = origin_ + scroll_ + canvas * zoom_.
  ImVec2 origin_{0, 0};
  ImVec2 size_{0, 0};
  ImVec2 scroll_{40, 40};
  float zoom_ = 1.0f;
  bool has_view_ = false;  // false until the first frame placed the view

  // Input gathered between frames.
  ImVec2 wheel_{0, 0};
  float wheel_zoom_ = 0;

  // This frame's picture of the document.
  std::vector<int> visible_;  // step indices of the nodes on screen
  int hover_node_ = -1;
  bool hover_in_port_ = false;
  bool hover_out_port_ = false;
  std::optional<EdgeRef> hover_edge_;
  bool hovered_ = false;  // the mouse is over the canvas and nothing covers it
  bool scratch_ = false;  // the user chose "start from scratch" on the empty canvas

  // The gesture in progress.
  Mode mode_ = Mode::kIdle;
  bool dragged_ = false;  // the mouse moved past the drag threshold
  ImVec2 press_{0, 0};    // where the button went down, on the screen
  int press_button_ = 0;
  NodeId press_node_;
  bool press_was_selected_ = false;
  ImVec2 move_delta_{0, 0};  // canvas units the selection is dragged by
  NodeId connect_node_;
  bool connect_from_input_ = false;
  bool box_adds_ = false;
  std::vector<NodeId> box_base_;  // the selection a box adds to

  // Context menus and the quick-add menu.
  NodeId menu_node_;
  Position menu_at_;
  NodeId add_connects_from_;  // a connection dropped on empty canvas
  bool add_connects_input_ = false;
  char add_filter_[64] = "";

  // Edge routes in canvas units, by edge, for the edges and positions they
  // were routed for; the labels placed in the last frame.
  uint64_t routes_revision_ = UINT64_MAX;
  std::vector<Position> routed_positions_;
  std::vector<std::pair<int, int>> routed_pairs_;
  std::vector<EdgeRoute> raw_routes_;  // as routed
  std::vector<EdgeRoute> routes_;      // as drawn: separated where they share a line
  std::vector<RouteBox> route_bounds_;
  std::optional<EdgeRouter> router_;  // while routes are being made
  size_t pending_ = 0;                // raw_routes_ from here on are not made yet
  double route_ms_ = 0;
  size_t route_count_ = 0;
  size_t unrouted_ = 0;
  std::vector<std::pair<ImVec2, ImVec2>> label_boxes_;  // by edge; empty box: hidden

  // Bounds of all nodes and the minimap's picture, per document revision.
  uint64_t bounds_revision_ = UINT64_MAX;
  ImVec2 bounds_min_{0, 0};
  ImVec2 bounds_max_{0, 0};
  std::vector<ImU32> node_colors_;            // by step, for small pipelines
  std::vector<unsigned char> minimap_cells_;  // occupied cells, for large ones
  // Where the minimap was drawn this frame; scale 0 when it was not.
  ImVec2 minimap_min_{0, 0};
  ImVec2 minimap_max_{0, 0};
  ImVec2 minimap_origin_{0, 0};  // the screen point of bounds_min_
  float minimap_scale_ = 0;
};

}  // namespace tame::designer

#endif  // TAME_DESIGNER_WASM_CANVAS_H_
