// Edge routing for the designer's canvas: each edge becomes an orthogonal
// polyline from its source's output port (the right middle of the node) to
// its target's input port (the left middle) that goes around every node.
//
// Routes are computed once per change of the graph or of node positions and
// kept by the caller; nothing here runs per frame. Nodes are indexed in a
// uniform grid, so checking a route costs what lies near it, not the whole
// graph. Most edges of a layered layout take a straight or three-segment
// route through the gap between two columns, and most others (from one
// band of a wrapped layout to the next, or past a level) five segments
// along one free horizontal channel; the rest search a sparse
// grid of lines along the nodes' borders and the middles of the gaps
// between them (an orthogonal visibility graph, as libavoid and ELK build),
// with a penalty per bend. An edge whose search would be too large, or has
// no way around (its port is walled in), gets a plain route marked as not
// routed: it may cross nodes, and the canvas still draws it. Afterwards
// SeparateRoutes() spreads routes that run along one line apart.
#ifndef TAME_CORE_EDGE_ROUTE_H_
#define TAME_CORE_EDGE_ROUTE_H_

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/pipeline.h"

namespace tame {

/// A node's rectangle on the canvas: x0 < x1, y0 < y1, in canvas units.
struct RouteBox {
  double x0 = 0;
  double y0 = 0;
  double x1 = 0;
  double y1 = 0;
};

struct RouterOptions {
  /// How far a route keeps from a node's border.
  double clearance = 10;
  /// Length of the first segment out of the output port and of the last
  /// one into the input port, both horizontal.
  double stub = 16;
  /// Cost of a bend, in canvas units of length.
  double bend_cost = 30;
  /// The largest search grid (lines across times lines along) one edge may
  /// build; a larger one gives the edge a plain, unrouted route.
  size_t max_grid_points = 60000;
  /// The most grid points all searches of one router may build together;
  /// past it, edges that need a search get plain routes, so that routing a
  /// huge graph stays bounded.
  size_t max_total_grid_points = 4000000;
};

/// One edge's route.
struct EdgeRoute {
  /// The polyline: the output port first, the input port last, every
  /// segment horizontal or vertical, no two in a row along one line.
  std::vector<Position> points;
  /// False when the route is a plain fallback that may cross nodes.
  bool routed = true;
};

class EdgeRouter {
 public:
  /// Indexes `boxes`, one per node; an edge names its nodes by index.
  explicit EdgeRouter(std::vector<RouteBox> boxes, RouterOptions options = {});

  /// The route from node `from`'s output port to node `to`'s input port.
  /// Never fails: an edge that cannot be routed gets a plain route with
  /// `routed` false. `from` and `to` must be valid indices.
  EdgeRoute Route(int from, int to) const;

  /// The nodes whose rectangles, grown by `grow`, overlap [x0,x1]x[y0,y1]
  /// (closed); each once, in no particular order.
  std::vector<int> Near(double x0, double y0, double x1, double y1, double grow) const;

  /// True when the axis-parallel segment a-b passes through the inside of a
  /// node other than `skip_a` and `skip_b` grown by `grow` (touching the
  /// border is not passing through).
  bool Blocked(Position a, Position b, double grow, int skip_a = -1, int skip_b = -1) const;

  /// How far a line at `at` (vertical when `vertical`, spanning [lo, hi]
  /// along itself) may move in `direction` (+1 right or down, -1 left or
  /// up) before it meets a node's border; at most 120 units.
  double Room(bool vertical, double at, double lo, double hi, double direction) const;

  const std::vector<RouteBox>& boxes() const { return boxes_; }

 private:
  bool Crosses(const std::vector<Position>& path, int from, int to) const;
  bool Channel(int from, int to, Position s, Position e, EdgeRoute* route) const;
  EdgeRoute Search(Position start, Position goal, double pad) const;
  EdgeRoute Plain(Position s, Position t) const;
  void NearInto(double x0, double y0, double x1, double y1, double grow,
                std::vector<int>* out) const;
  int CellX(double x) const;
  int CellY(double y) const;

  std::vector<RouteBox> boxes_;
  RouterOptions options_;
  // The uniform grid: cell (c, r) holds items_[offsets_[r*cols_+c] ..
  // offsets_[r*cols_+c+1]), the nodes whose rectangles touch it.
  double origin_x_ = 0;
  double origin_y_ = 0;
  double cell_w_ = 256;
  double cell_h_ = 256;
  int cols_ = 1;
  int rows_ = 1;
  std::vector<uint32_t> offsets_;
  std::vector<int> items_;
  // Marks for Near(), so that a node in several cells is listed once.
  mutable std::vector<uint32_t> seen_;
  mutable uint32_t stamp_ = 0;
  mutable std::vector<int> near_;  // Blocked()'s, kept to spare allocations
  mutable size_t searched_ = 0;    // grid points all searches built
};

/// Routes every (from, to) pair of `edges` among `boxes`, in order.
std::vector<EdgeRoute> RouteEdges(const std::vector<RouteBox>& boxes,
                                  const std::vector<std::pair<int, int>>& edges,
                                  RouterOptions options = {});

/// Moves apart the segments of `routes` that run along one line over a
/// common stretch, so that each can be followed: they are spread `spacing`
/// apart (less where the gap is narrow) across the gap they share, in the
/// order that crosses the fewest of their neighbours' turns. Segments that
/// leave one source from one point, or reach one target at one point, stay
/// together (a bus). First and last segments, at the ports, never move; a
/// route that a move would take through a node keeps its line. `edges`
/// gives each route's (from, to), `router` the nodes the routes were made
/// among.
void SeparateRoutes(std::vector<EdgeRoute>* routes, const std::vector<std::pair<int, int>>& edges,
                    const EdgeRouter& router, double spacing = 8);

/// True when the axis-parallel segment a-b passes through the inside of
/// `box` (touching its border is not).
bool SegmentCrossesBox(Position a, Position b, const RouteBox& box);

}  // namespace tame

#endif  // TAME_CORE_EDGE_ROUTE_H_
