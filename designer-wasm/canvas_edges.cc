// The canvas's edges: routes kept for the edges and node positions they were
// made for, drawn as polylines with rounded corners; labels placed where no
// node, port or other label is; and the hit test that finds the edge under
// the mouse.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>

#include "designer-wasm/canvas.h"
#include "designer-wasm/theme.h"

namespace tame::designer {
namespace {

// Corners of a route are rounded by this much, in canvas units, or less
// where a segment is short.
constexpr float kCornerRadius = 10.0f;
// A drop that moved more nodes than this routes every edge again; fewer,
// and only the edges at them or near where they were or are.
constexpr size_t kIncrementalLimit = 64;
// Zoomed out past kDetailZoom with more edges than this, edges are straight
// lines from port to port: at that size a route's turns cannot be told
// apart, and the lines cost a third of the vertices.
constexpr size_t kStraightLimit = 2000;
// Milliseconds of a frame that routing all edges may take; the rest waits
// for the next frame.
constexpr double kFrameBudgetMs = 6;
// Labels keep this far from a node's sides, where its ports are.
constexpr float kPortReach = 7.0f;

RouteBox NodeRect(Position p) { return RouteBox{p.x, p.y, p.x + kNodeWidth, p.y + kNodeHeight}; }

RouteBox Bounds(const EdgeRoute& route) {
  RouteBox b{route.points[0].x, route.points[0].y, route.points[0].x, route.points[0].y};
  for (const Position& p : route.points) {
    b.x0 = std::min(b.x0, p.x);
    b.y0 = std::min(b.y0, p.y);
    b.x1 = std::max(b.x1, p.x);
    b.y1 = std::max(b.y1, p.y);
  }
  return b;
}

bool Overlap(const RouteBox& a, const RouteBox& b, double grow) {
  return a.x0 - grow < b.x1 && a.x1 + grow > b.x0 && a.y0 - grow < b.y1 && a.y1 + grow > b.y0;
}

ImVec2 Bezier(ImVec2 a, ImVec2 c1, ImVec2 c2, ImVec2 b, float t) {
  const float u = 1 - t;
  return ImVec2(u * u * u * a.x + 3 * u * u * t * c1.x + 3 * u * t * t * c2.x + t * t * t * b.x,
                u * u * u * a.y + 3 * u * u * t * c1.y + 3 * u * t * t * c2.y + t * t * t * b.y);
}

float Length(ImVec2 a, ImVec2 b) { return std::hypot(b.x - a.x, b.y - a.y); }

// `points` with each inner corner replaced by a short quadratic curve of
// `radius` (less where a segment is shorter than twice that).
void RoundCorners(const std::vector<ImVec2>& points, float radius, std::vector<ImVec2>* out) {
  out->clear();
  out->push_back(points[0]);
  for (size_t k = 1; k + 1 < points.size(); ++k) {
    const ImVec2 a = points[k - 1], p = points[k], b = points[k + 1];
    const float in = Length(a, p), away = Length(p, b);
    const float r = std::min({radius, 0.5f * in, 0.5f * away});
    if (r < 0.5f) {
      out->push_back(p);
      continue;
    }
    const ImVec2 p0(p.x + (a.x - p.x) * r / in, p.y + (a.y - p.y) * r / in);
    const ImVec2 p1(p.x + (b.x - p.x) * r / away, p.y + (b.y - p.y) * r / away);
    for (int s = 0; s <= 4; ++s) {
      const float t = s / 4.0f, u = 1 - t;
      out->push_back(ImVec2(u * u * p0.x + 2 * u * t * p.x + t * t * p1.x,
                            u * u * p0.y + 2 * u * t * p.y + t * t * p1.y));
    }
  }
  out->push_back(points.back());
}

void DashedPolyline(ImDrawList* draw, const std::vector<ImVec2>& points, ImU32 color,
                    float thickness, float dash) {
  bool on = true;
  float left = dash;  // of the current dash or gap
  for (size_t k = 0; k + 1 < points.size(); ++k) {
    ImVec2 a = points[k];
    const ImVec2 b = points[k + 1];
    float length = Length(a, b);
    while (length > 0) {
      const float step = std::min(left, length);
      const ImVec2 c(a.x + (b.x - a.x) * step / length, a.y + (b.y - a.y) * step / length);
      if (on) draw->AddLine(a, c, color, thickness);
      a = c;
      length -= step;
      left -= step;
      if (left <= 0) {
        on = !on;
        left = dash;
      }
    }
  }
}

float SquaredDistance(ImVec2 p, ImVec2 a, ImVec2 b) {
  const float dx = b.x - a.x, dy = b.y - a.y;
  const float span = dx * dx + dy * dy;
  float t = span > 0 ? ((p.x - a.x) * dx + (p.y - a.y) * dy) / span : 0;
  t = std::clamp(t, 0.0f, 1.0f);
  const float x = a.x + t * dx - p.x, y = a.y + t * dy - p.y;
  return x * x + y * y;
}

}  // namespace

// Routes the edges again when the edges or node positions changed since
// they were routed (any other edit keeps them). A drop of a few nodes
// re-routes only the edges at them and those whose routes came near where
// they were or are now, at once; anything else routes every edge, up to
// `budget_ms` a frame (an opened file shows at once; its edges are curves
// until their routes are made). Then the routes that share a line are
// spread apart (SeparateRoutes), all of them again.
void Canvas::UpdateRoutes(const Editor& editor, double budget_ms) {
  const Document& doc = editor.doc();
  if (routes_revision_ != doc.revision()) {
    routes_revision_ = doc.revision();
    StartRouting(editor);
  }
  if (router_) ContinueRouting(budget_ms);
}

void Canvas::StartRouting(const Editor& editor) {
  const Document& doc = editor.doc();
  const std::vector<Position>& positions = doc.positions();
  std::vector<std::pair<int, int>> pairs;
  pairs.reserve(doc.edges().size());
  for (const Edge& edge : doc.edges()) pairs.push_back({edge.from, edge.to});
  const bool same_edges = !router_ && pairs == routed_pairs_ && raw_routes_.size() == pairs.size();
  if (same_edges && positions == routed_positions_) return;
  std::vector<int> moved;
  if (same_edges && positions.size() == routed_positions_.size()) {
    for (size_t i = 0; i < positions.size(); ++i) {
      if (!(positions[i] == routed_positions_[i])) moved.push_back(static_cast<int>(i));
    }
  }
  const auto start = std::chrono::steady_clock::now();
  std::vector<RouteBox> boxes;
  boxes.reserve(positions.size());
  for (const Position& p : positions) boxes.push_back(NodeRect(p));
  const RouterOptions options;
  router_.emplace(std::move(boxes), options);
  route_count_ = 0;
  route_ms_ = 0;
  if (same_edges && moved.size() <= kIncrementalLimit) {
    std::vector<bool> is_moved(positions.size(), false);
    std::vector<RouteBox> places;
    for (int i : moved) {
      is_moved[i] = true;
      places.push_back(NodeRect(routed_positions_[i]));
      places.push_back(NodeRect(positions[i]));
    }
    const double reach = options.clearance + options.stub;
    for (size_t k = 0; k < pairs.size(); ++k) {
      bool again = is_moved[pairs[k].first] || is_moved[pairs[k].second];
      for (size_t p = 0; !again && p < places.size(); ++p) {
        again = Overlap(route_bounds_[k], places[p], reach);
      }
      if (!again) continue;
      raw_routes_[k] = router_->Route(pairs[k].first, pairs[k].second);
      ++route_count_;
    }
    pending_ = pairs.size();
  } else {
    raw_routes_.assign(pairs.size(), EdgeRoute{{}, false});
    routes_.clear();  // every edge is a curve until routed
    route_bounds_.clear();
    pending_ = 0;
  }
  routed_positions_ = positions;
  routed_pairs_ = std::move(pairs);
  route_ms_ +=
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

void Canvas::ContinueRouting(double budget_ms) {
  const auto start = std::chrono::steady_clock::now();
  auto spent = [&]() {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
  };
  while (pending_ < raw_routes_.size()) {
    raw_routes_[pending_] =
        router_->Route(routed_pairs_[pending_].first, routed_pairs_[pending_].second);
    ++pending_;
    ++route_count_;
    if (pending_ % 256 == 0 && spent() > budget_ms) break;
  }
  if (pending_ < raw_routes_.size()) {
    route_ms_ += spent();
    return;
  }
  routes_ = raw_routes_;
  SeparateRoutes(&routes_, routed_pairs_, *router_);
  router_.reset();
  route_bounds_.clear();
  for (const EdgeRoute& route : routes_) route_bounds_.push_back(Bounds(route));
  unrouted_ = static_cast<size_t>(
      std::count_if(routes_.begin(), routes_.end(), [](const EdgeRoute& r) { return !r.routed; }));
  route_ms_ += spent();
}

// An edge is faded with a step it touches that the previewed plan leaves
// out, as that step's node is.
bool Canvas::EdgeFaded(const Editor& editor, const Edge& edge) const {
  const std::optional<Selection>& marks = editor.plan_marks;
  if (!marks || marks->run.empty()) return false;
  const auto left_out = [&](int step) {
    return static_cast<size_t>(step) < marks->run.size() && !marks->run[step];
  };
  return left_out(edge.from) || left_out(edge.to);
}

// Edge `k` on the screen: its route with rounded corners (its corners
// as they are when not `detail`), or, while one of its ends is dragged, a
// curve from port to port that stands in for the route until the drop.
void Canvas::EdgePoints(const Editor& editor, size_t k, bool detail, std::vector<ImVec2>* points,
                        std::vector<ImVec2>* corners, bool* routed) const {
  const Document& doc = editor.doc();
  const Edge& edge = doc.edges()[k];
  const bool moving = mode_ == Mode::kMove && dragged_;
  const bool from_moves = moving && editor.IsSelected(doc.node(edge.from));
  const bool to_moves = moving && editor.IsSelected(doc.node(edge.to));
  points->clear();
  if (!from_moves && !to_moves && k < routes_.size()) {
    *routed = routes_[k].routed;
    corners->clear();
    for (const Position& p : routes_[k].points) corners->push_back(ToScreen(p));
    if (detail) {
      RoundCorners(*corners, kCornerRadius * zoom_, points);
    } else {
      *points = *corners;
    }
    return;
  }
  *routed = false;
  const std::vector<Position>& positions = doc.positions();
  const ImVec2 shift(move_delta_.x * zoom_, move_delta_.y * zoom_);
  ImVec2 a = ToScreen(positions[edge.from]);
  ImVec2 b = ToScreen(positions[edge.to]);
  a = ImVec2(a.x + kNodeWidth * zoom_ + (from_moves ? shift.x : 0),
             a.y + 0.5f * kNodeHeight * zoom_ + (from_moves ? shift.y : 0));
  b = ImVec2(b.x + (to_moves ? shift.x : 0),
             b.y + 0.5f * kNodeHeight * zoom_ + (to_moves ? shift.y : 0));
  if (!detail) {
    *points = {a, b};
  } else {
    const float bend = std::max(40.0f * zoom_, 0.5f * std::fabs(b.x - a.x));
    const ImVec2 c1(a.x + bend, a.y), c2(b.x - bend, b.y);
    for (int s = 0; s <= 20; ++s) points->push_back(Bezier(a, c1, c2, b, s / 20.0f));
  }
  *corners = *points;
}

std::optional<EdgeRef> Canvas::EdgeAt(const Editor& editor, ImVec2 mouse) {
  UpdateRoutes(editor, kFrameBudgetMs);
  const Document& doc = editor.doc();
  constexpr float kReach = 6.0f;
  const Position at = ToCanvas(mouse);
  const double reach = kReach / zoom_;
  std::vector<ImVec2> points, corners;
  for (size_t k = 0; k < routes_.size() && k < doc.edges().size(); ++k) {
    const RouteBox& b = route_bounds_[k];
    if (at.x < b.x0 - reach || at.x > b.x1 + reach || at.y < b.y0 - reach || at.y > b.y1 + reach) {
      continue;
    }
    bool routed = true;
    EdgePoints(editor, k, true, &points, &corners, &routed);
    for (size_t s = 0; s + 1 < points.size(); ++s) {
      if (SquaredDistance(mouse, points[s], points[s + 1]) <= kReach * kReach) {
        const Edge& edge = doc.edges()[k];
        return EdgeRef{doc.node(edge.from), doc.node(edge.to)};
      }
    }
  }
  return std::nullopt;
}

// Where edge `k`'s label of `size` goes: centred on one of its segments,
// the longest horizontal ones first, then vertical ones, the first place
// that overlaps no other label, no node on the screen and no port. Returns
// false when every place is taken; with `force` it then takes the first.
bool Canvas::PlaceLabel(const Editor& editor, size_t k, const std::vector<ImVec2>& points,
                        ImVec2 size, bool force, ImVec2* at) {
  const std::vector<Position>& positions = editor.doc().positions();
  std::vector<std::pair<float, size_t>> order;  // (-preference, segment)
  for (size_t s = 0; s + 1 < points.size(); ++s) {
    const float length = Length(points[s], points[s + 1]);
    const bool horizontal = std::fabs(points[s].y - points[s + 1].y) < 0.5f;
    order.push_back({-(length + (horizontal ? 1e6f : 0)), s});
  }
  std::sort(order.begin(), order.end());
  const float port = kPortReach * zoom_;
  auto free = [&](ImVec2 min, ImVec2 max) {
    for (const auto& [a, b] : label_boxes_) {
      if (a.x == b.x) continue;
      if (min.x < b.x && max.x > a.x && min.y < b.y && max.y > a.y) return false;
    }
    for (int i : visible_) {
      const ImVec2 n = ToScreen(positions[i]);
      const ImVec2 m(n.x + kNodeWidth * zoom_ + port, n.y + kNodeHeight * zoom_);
      if (min.x < m.x && max.x > n.x - port && min.y < m.y && max.y > n.y) return false;
    }
    return true;
  };
  auto box_on = [&](size_t segment) {
    const ImVec2 a = points[segment], b = points[segment + 1];
    return ImVec2(std::floor(0.5f * (a.x + b.x - size.x)), std::floor(0.5f * (a.y + b.y - size.y)));
  };
  for (const auto& [preference, segment] : order) {
    const ImVec2 min = box_on(segment);
    if (free(min, ImVec2(min.x + size.x, min.y + size.y))) {
      *at = min;
      label_boxes_[k] = {min, ImVec2(min.x + size.x, min.y + size.y)};
      return true;
    }
  }
  if (!force || order.empty()) return false;
  *at = box_on(order[0].second);
  label_boxes_[k] = {*at, ImVec2(at->x + size.x, at->y + size.y)};
  return true;
}

// Needs are solid grey; data references (`${{ steps.X.outputs.Y }}`) are
// dashed amber with the outputs' names. Edges touching a step the
// previewed plan leaves out are faded with it. Zoomed out, routes are thin
// polylines without labels, or straight lines when there are many.
void Canvas::DrawEdges(const Editor& editor, ImDrawList* draw) {
  UpdateRoutes(editor, kFrameBudgetMs);
  const Document& doc = editor.doc();
  const std::vector<Edge>& edges = doc.edges();
  const bool detail = zoom_ >= kDetailZoom;
  const Position view_lo = ToCanvas(origin_);
  const Position view_hi = ToCanvas(ImVec2(origin_.x + size_.x, origin_.y + size_.y));
  const double margin = 16.0 / zoom_;
  const bool moving = mode_ == Mode::kMove && dragged_;
  const bool straight = !detail && edges.size() > kStraightLimit;
  const float thickness = std::clamp(2.0f * zoom_, 1.0f, 3.0f);
  label_boxes_.assign(edges.size(), {ImVec2(0, 0), ImVec2(0, 0)});
  std::vector<ImVec2> points, corners;
  for (size_t k = 0; k < edges.size(); ++k) {
    const Edge& edge = edges[k];
    const bool stands_in =
        k >= routes_.size() || (moving && (editor.IsSelected(doc.node(edge.from)) ||
                                           editor.IsSelected(doc.node(edge.to))));
    if (stands_in && !moving) {
      // A curve between two nodes stays within half their distance of them.
      const Position& p = doc.positions()[edge.from];
      const Position& q = doc.positions()[edge.to];
      const double bend = 40 + 0.5 * std::fabs(q.x - p.x);
      if (std::max(p.x, q.x) + kNodeWidth + bend < view_lo.x - margin ||
          std::min(p.x, q.x) - bend > view_hi.x + margin ||
          std::max(p.y, q.y) + kNodeHeight < view_lo.y - margin ||
          std::min(p.y, q.y) > view_hi.y + margin) {
        continue;
      }
    } else if (!stands_in) {
      const RouteBox& b = route_bounds_[k];
      if (b.x1 < view_lo.x - margin || b.x0 > view_hi.x + margin || b.y1 < view_lo.y - margin ||
          b.y0 > view_hi.y + margin) {
        continue;
      }
    }
    bool routed = true;
    EdgePoints(editor, k, detail, &points, &corners, &routed);
    const bool data = !edge.outputs.empty();
    ImU32 color = data ? color::kDataEdge : color::kNeedsEdge;
    const EdgeRef ref{doc.node(edge.from), doc.node(edge.to)};
    const bool selected = editor.selected_edge && *editor.selected_edge == ref;
    const bool hovered = hover_edge_ && *hover_edge_ == ref;
    if (selected) {
      color = color::kAccent;
    } else if (hovered) {
      color = color::kText;
    } else if (EdgeFaded(editor, edge)) {
      color = WithAlpha(color, 70);
    }
    if (straight) {
      draw->AddLine(points.front(), points.back(), WithAlpha(color, 150), 1.0f);
      continue;
    }
    if (!detail) {
      draw->AddPolyline(points.data(), static_cast<int>(points.size()), WithAlpha(color, 150), 0,
                        1.0f);
      continue;
    }
    const float width = selected ? thickness + 1.0f : thickness;
    if (data) {
      DashedPolyline(draw, points, color, width, 5.0f * std::max(zoom_, 0.5f));
    } else {
      draw->AddPolyline(points.data(), static_cast<int>(points.size()), color, 0, width);
    }
    const float arrow = 7.0f * zoom_;
    const ImVec2 b = points.back();
    const ImVec2 tip(b.x - 5.0f * zoom_, b.y);
    draw->AddTriangleFilled(tip, ImVec2(tip.x - arrow, tip.y - 0.6f * arrow),
                            ImVec2(tip.x - arrow, tip.y + 0.6f * arrow), color);
    if (!data || zoom_ < 0.7f) continue;
    std::string label;
    for (const std::string& output : edge.outputs) label += (label.empty() ? "" : ", ") + output;
    const float font_size = ImGui::GetFontSize() * std::max(zoom_, 1.0f);
    const ImVec2 text = ImGui::GetFont()->CalcTextSizeA(font_size, FLT_MAX, 0, label.c_str());
    const ImVec2 pad(4 * zoom_, 2 * zoom_);
    const ImVec2 box(text.x + 2 * pad.x, text.y + 2 * pad.y);
    ImVec2 at;
    if (!PlaceLabel(editor, k, corners, box, selected || hovered, &at)) {
      continue;
    }
    draw->AddRectFilled(at, ImVec2(at.x + box.x, at.y + box.y), color::kCanvas, 4 * zoom_);
    draw->AddText(ImGui::GetFont(), font_size, ImVec2(at.x + pad.x, at.y + pad.y), color,
                  label.c_str());
  }
}

std::vector<EdgeOnScreen> Canvas::EdgesOnScreen(const Editor& editor) {
  UpdateRoutes(editor, std::numeric_limits<double>::infinity());
  const Document& doc = editor.doc();
  std::vector<EdgeOnScreen> out;
  for (size_t k = 0; k < doc.edges().size(); ++k) {
    EdgeOnScreen edge;
    edge.from = doc.edges()[k].from;
    edge.to = doc.edges()[k].to;
    std::vector<ImVec2> rounded;
    EdgePoints(editor, k, false, &rounded, &edge.points, &edge.routed);
    edge.faded = EdgeFaded(editor, doc.edges()[k]);
    if (k < label_boxes_.size()) {
      edge.label_min = label_boxes_[k].first;
      edge.label_max = label_boxes_[k].second;
    }
    out.push_back(std::move(edge));
  }
  return out;
}

}  // namespace tame::designer
