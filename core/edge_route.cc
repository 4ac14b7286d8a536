#include "core/edge_route.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <queue>

namespace tame {
namespace {

constexpr double kEpsilon = 1e-6;

// The search's first window reaches this far past the edge's ends; when no
// way around is found in it, a second one reaches kWidePad.
constexpr double kPad = 120;
constexpr double kWidePad = 480;

// Lines of the search grid are not equal: a route along the middle of a
// gap reads better than one along a node's border, and one along the
// window's edge is a last resort.
constexpr double kMiddleWeight = 1.0;
constexpr double kBorderWeight = 1.25;
constexpr double kWindowWeight = 1.5;

RouteBox Grown(const RouteBox& b, double grow) {
  return RouteBox{b.x0 - grow, b.y0 - grow, b.x1 + grow, b.y1 + grow};
}

bool StrictlyInside(Position p, const RouteBox& b) {
  return p.x > b.x0 + kEpsilon && p.x < b.x1 - kEpsilon && p.y > b.y0 + kEpsilon &&
         p.y < b.y1 - kEpsilon;
}

// Drops repeated points and points in the middle of a straight run.
std::vector<Position> Simplify(const std::vector<Position>& in) {
  std::vector<Position> out;
  for (const Position& p : in) {
    if (!out.empty() && std::fabs(out.back().x - p.x) < kEpsilon &&
        std::fabs(out.back().y - p.y) < kEpsilon) {
      continue;
    }
    if (out.size() >= 2) {
      const Position& a = out[out.size() - 2];
      const Position& b = out.back();
      const bool vertical = std::fabs(a.x - b.x) < kEpsilon && std::fabs(b.x - p.x) < kEpsilon;
      const bool horizontal = std::fabs(a.y - b.y) < kEpsilon && std::fabs(b.y - p.y) < kEpsilon;
      if (vertical || horizontal) out.pop_back();
    }
    out.push_back(p);
  }
  return out;
}

// One axis of the search grid: sorted coordinates, each with the weight a
// move along it costs per unit.
struct Lines {
  std::vector<double> at;
  std::vector<double> weight;

  void Build(std::vector<std::pair<double, double>> lines, double lo, double hi) {
    std::sort(lines.begin(), lines.end());
    for (const auto& [x, w] : lines) {
      if (x < lo - kEpsilon || x > hi + kEpsilon) continue;
      if (!at.empty() && x - at.back() < kEpsilon) {
        weight.back() = std::min(weight.back(), w);
        continue;
      }
      at.push_back(x);
      weight.push_back(w);
    }
  }

  // The index of the line at `x`, which must be one.
  size_t Find(double x) const {
    const auto it = std::lower_bound(at.begin(), at.end(), x - kEpsilon);
    return static_cast<size_t>(it - at.begin());
  }

  // Indices [first, last) of the lines strictly inside (lo, hi).
  std::pair<size_t, size_t> Inside(double lo, double hi) const {
    const size_t first =
        static_cast<size_t>(std::upper_bound(at.begin(), at.end(), lo + kEpsilon) - at.begin());
    const size_t last =
        static_cast<size_t>(std::lower_bound(at.begin(), at.end(), hi - kEpsilon) - at.begin());
    return {first, std::max(first, last)};
  }
};

// Lines along the grown borders of `faces` (each a [lo, hi] pair) and
// along the middle of every gap between consecutive faces wider than
// 2 * `grow`, plus the window's two ends.
std::vector<std::pair<double, double>> AxisLines(
    const std::vector<std::pair<double, double>>& faces, double grow, double lo, double hi) {
  std::vector<std::pair<double, double>> lines = {{lo, kWindowWeight}, {hi, kWindowWeight}};
  std::vector<double> sorted = {lo, hi};
  for (const auto& [a, b] : faces) {
    lines.push_back({a - grow, kBorderWeight});
    lines.push_back({b + grow, kBorderWeight});
    sorted.push_back(a);
    sorted.push_back(b);
  }
  std::sort(sorted.begin(), sorted.end());
  for (size_t k = 1; k < sorted.size(); ++k) {
    if (sorted[k] - sorted[k - 1] > 2 * grow) {
      lines.push_back({0.5 * (sorted[k] + sorted[k - 1]), kMiddleWeight});
    }
  }
  return lines;
}

enum Direction { kRight = 0, kLeft = 1, kDown = 2, kUp = 3 };
constexpr int kStepX[4] = {1, -1, 0, 0};
constexpr int kStepY[4] = {0, 0, 1, -1};

}  // namespace

bool SegmentCrossesBox(Position a, Position b, const RouteBox& box) {
  // Clip the segment to the closed box (Liang-Barsky); it crosses the
  // inside when a piece of positive length remains whose middle is inside.
  double t0 = 0, t1 = 1;
  const double dx = b.x - a.x, dy = b.y - a.y;
  const double p[4] = {-dx, dx, -dy, dy};
  const double q[4] = {a.x - box.x0, box.x1 - a.x, a.y - box.y0, box.y1 - a.y};
  for (int k = 0; k < 4; ++k) {
    if (std::fabs(p[k]) < 1e-12) {
      if (q[k] < 0) return false;
      continue;
    }
    const double t = q[k] / p[k];
    if (p[k] < 0) {
      t0 = std::max(t0, t);
    } else {
      t1 = std::min(t1, t);
    }
  }
  if (t0 > t1) return false;
  const double tm = 0.5 * (t0 + t1);
  const Position mid{a.x + tm * dx, a.y + tm * dy};
  if (dx == 0 && dy == 0) return StrictlyInside(a, box);
  return StrictlyInside(mid, box);
}

EdgeRouter::EdgeRouter(std::vector<RouteBox> boxes, RouterOptions options)
    : boxes_(std::move(boxes)), options_(options) {
  const size_t n = boxes_.size();
  seen_.assign(n, 0);
  if (n == 0) {
    offsets_.assign(2, 0);
    return;
  }
  double x0 = boxes_[0].x0, y0 = boxes_[0].y0, x1 = boxes_[0].x1, y1 = boxes_[0].y1;
  for (const RouteBox& b : boxes_) {
    x0 = std::min(x0, b.x0);
    y0 = std::min(y0, b.y0);
    x1 = std::max(x1, b.x1);
    y1 = std::max(y1, b.y1);
  }
  // Cells of 256 units hold a few nodes of a layered layout; a sparse or
  // stretched canvas gets larger cells, never more than about 4 per node.
  const double width = std::max(1.0, x1 - x0), height = std::max(1.0, y1 - y0);
  double cols = std::ceil(width / 256), rows = std::ceil(height / 256);
  const double limit = 4.0 * static_cast<double>(n) + 64;
  cols = std::min(cols, limit);
  rows = std::min(rows, limit);
  if (cols * rows > limit) {
    const double shrink = std::sqrt(limit / (cols * rows));
    cols = std::max(1.0, std::floor(cols * shrink));
    rows = std::max(1.0, std::floor(rows * shrink));
    while (cols * rows > limit) (cols > rows ? cols : rows) -= 1;
  }
  cols_ = static_cast<int>(cols);
  rows_ = static_cast<int>(rows);
  origin_x_ = x0;
  origin_y_ = y0;
  cell_w_ = width / cols;
  cell_h_ = height / rows;
  // Counting sort of the nodes into their cells.
  offsets_.assign(static_cast<size_t>(cols_) * rows_ + 1, 0);
  auto for_cells = [&](const RouteBox& b, auto&& fn) {
    const int c0 = CellX(b.x0), c1 = CellX(b.x1), r0 = CellY(b.y0), r1 = CellY(b.y1);
    for (int r = r0; r <= r1; ++r) {
      for (int c = c0; c <= c1; ++c) fn(static_cast<size_t>(r) * cols_ + c);
    }
  };
  for (const RouteBox& b : boxes_) for_cells(b, [&](size_t cell) { ++offsets_[cell + 1]; });
  for (size_t k = 1; k < offsets_.size(); ++k) offsets_[k] += offsets_[k - 1];
  items_.assign(offsets_.back(), 0);
  std::vector<uint32_t> fill(offsets_.begin(), offsets_.end() - 1);
  for (size_t i = 0; i < n; ++i) {
    for_cells(boxes_[i], [&](size_t cell) { items_[fill[cell]++] = static_cast<int>(i); });
  }
}

int EdgeRouter::CellX(double x) const {
  const double c = std::floor((x - origin_x_) / cell_w_);
  return static_cast<int>(std::clamp(c, 0.0, static_cast<double>(cols_ - 1)));
}

int EdgeRouter::CellY(double y) const {
  const double r = std::floor((y - origin_y_) / cell_h_);
  return static_cast<int>(std::clamp(r, 0.0, static_cast<double>(rows_ - 1)));
}

std::vector<int> EdgeRouter::Near(double x0, double y0, double x1, double y1, double grow) const {
  std::vector<int> out;
  NearInto(x0, y0, x1, y1, grow, &out);
  return out;
}

void EdgeRouter::NearInto(double x0, double y0, double x1, double y1, double grow,
                          std::vector<int>* out) const {
  out->clear();
  if (boxes_.empty()) return;
  if (++stamp_ == 0) {
    std::fill(seen_.begin(), seen_.end(), 0);
    stamp_ = 1;
  }
  const int c0 = CellX(x0 - grow), c1 = CellX(x1 + grow);
  const int r0 = CellY(y0 - grow), r1 = CellY(y1 + grow);
  for (int r = r0; r <= r1; ++r) {
    for (int c = c0; c <= c1; ++c) {
      const size_t cell = static_cast<size_t>(r) * cols_ + c;
      for (uint32_t k = offsets_[cell]; k < offsets_[cell + 1]; ++k) {
        const int i = items_[k];
        if (seen_[i] == stamp_) continue;
        seen_[i] = stamp_;
        const RouteBox& b = boxes_[i];
        if (b.x0 - grow <= x1 && b.x1 + grow >= x0 && b.y0 - grow <= y1 && b.y1 + grow >= y0) {
          out->push_back(i);
        }
      }
    }
  }
}

bool EdgeRouter::Blocked(Position a, Position b, double grow, int skip_a, int skip_b) const {
  NearInto(std::min(a.x, b.x), std::min(a.y, b.y), std::max(a.x, b.x), std::max(a.y, b.y), grow,
           &near_);
  for (int i : near_) {
    if (i == skip_a || i == skip_b) continue;
    if (SegmentCrossesBox(a, b, Grown(boxes_[i], grow))) return true;
  }
  return false;
}

// True when `path` comes closer to a node than the clearance; its first
// segment leaves node `from` and its last enters node `to`, which they may
// touch.
bool EdgeRouter::Crosses(const std::vector<Position>& path, int from, int to) const {
  for (size_t k = 0; k + 1 < path.size(); ++k) {
    const int skip_a = k == 0 ? from : -1;
    const int skip_b = k + 2 == path.size() ? to : -1;
    if (Blocked(path[k], path[k + 1], options_.clearance, skip_a, skip_b)) return true;
  }
  return false;
}

EdgeRoute EdgeRouter::Route(int from, int to) const {
  const RouteBox& f = boxes_[from];
  const RouteBox& t = boxes_[to];
  const Position s{f.x1, 0.5 * (f.y0 + f.y1)};
  const Position e{t.x0, 0.5 * (t.y0 + t.y1)};
  const double stub = options_.stub;
  // Most edges of a layered layout: straight along a row, or across the
  // gap between two columns with one vertical in its middle.
  if (std::fabs(s.y - e.y) < kEpsilon && e.x >= s.x) {
    EdgeRoute straight{{s, e}, true};
    if (!Crosses(straight.points, from, to)) return straight;
  }
  if (e.x - s.x >= 2 * stub) {
    const double middle = 0.5 * (s.x + e.x);
    EdgeRoute z{Simplify({s, {middle, s.y}, {middle, e.y}, e}), true};
    if (!Crosses(z.points, from, to)) return z;
  }
  EdgeRoute channel;
  if (Channel(from, to, s, e, &channel)) return channel;
  const Position start{s.x + stub, s.y};
  const Position goal{e.x - stub, e.y};
  for (double pad : {kPad, kWidePad}) {
    EdgeRoute found = Search(start, goal, pad);
    if (found.routed) {
      found.points.insert(found.points.begin(), s);
      found.points.push_back(e);
      found.points = Simplify(found.points);
      return found;
    }
  }
  return Plain(s, e);
}

double EdgeRouter::Room(bool vertical, double at, double lo, double hi, double direction) const {
  double room = kPad;
  const double near_lo = direction > 0 ? at : at - kPad;
  const double near_hi = direction > 0 ? at + kPad : at;
  const std::vector<int> near =
      vertical ? Near(near_lo, lo, near_hi, hi, 0) : Near(lo, near_lo, hi, near_hi, 0);
  for (int i : near) {
    const RouteBox& b = boxes_[i];
    const double b_lo = vertical ? b.y0 : b.x0, b_hi = vertical ? b.y1 : b.x1;
    const double face_lo = vertical ? b.x0 : b.y0, face_hi = vertical ? b.x1 : b.y1;
    if (b_hi <= lo || b_lo >= hi) continue;
    if (direction > 0 && face_lo >= at) room = std::min(room, face_lo - at);
    if (direction < 0 && face_hi <= at) room = std::min(room, at - face_hi);
  }
  return room;
}

// Out of the source's right side, along a horizontal channel that no node
// is in, and into the target from its left: the way from the end of one
// band to the start of the next, or past the levels between two steps.
// The channel is the free one that makes the route shortest; the two
// verticals run in the middle of the gaps beside the ends.
bool EdgeRouter::Channel(int from, int to, Position s, Position e, EdgeRoute* route) const {
  const double grow = options_.clearance, stub = options_.stub;
  const double out = s.x + stub, in = e.x - stub;
  const double x0 = std::min(out, in), x1 = std::max(out, in);
  const double y0 = std::min(s.y, e.y) - kPad, y1 = std::max(s.y, e.y) + kPad;
  // The free stretches of [y0, y1] across [x0, x1], from the nodes there.
  std::vector<std::pair<double, double>> taken;
  for (int i : Near(x0, y0, x1, y1, grow)) {
    const RouteBox& b = boxes_[i];
    if (b.x0 - grow < x1 && b.x1 + grow > x0) taken.push_back({b.y0 - grow, b.y1 + grow});
  }
  std::sort(taken.begin(), taken.end());
  std::vector<double> channels;
  double free_from = y0;
  auto add = [&](double lo, double hi) {
    if (hi - lo <= kEpsilon) return;
    // Open-ended stretches above or below everything: keep close to it.
    if (lo == y0) lo = std::max(lo, hi - 2 * stub);
    if (hi == y1) hi = std::min(hi, lo + 2 * stub);
    channels.push_back(0.5 * (lo + hi));
  };
  for (const auto& [lo, hi] : taken) {
    if (lo > free_from) add(free_from, lo);
    free_from = std::max(free_from, hi);
  }
  if (y1 > free_from) add(free_from, y1);
  auto length = [&](double y) { return std::fabs(s.y - y) + std::fabs(y - e.y); };
  std::sort(channels.begin(), channels.end(),
            [&](double a, double b) { return length(a) < length(b); });
  if (channels.size() > 3) channels.resize(3);
  for (double y : channels) {
    // The verticals in the middle of their gaps, or hugging the ends.
    const double gap_out = Room(true, s.x, std::min(s.y, y), std::max(s.y, y), +1);
    const double gap_in = Room(true, e.x, std::min(e.y, y), std::max(e.y, y), -1);
    const double mid_out = s.x + std::clamp(0.5 * gap_out, stub, 2 * stub);
    const double mid_in = e.x - std::clamp(0.5 * gap_in, stub, 2 * stub);
    for (const auto& [a, b] : {std::pair{mid_out, mid_in}, std::pair{out, in}}) {
      std::vector<Position> path = Simplify({s, {a, s.y}, {a, y}, {b, y}, {b, e.y}, e});
      if (!Crosses(path, from, to)) {
        *route = EdgeRoute{std::move(path), true};
        return true;
      }
    }
  }
  return false;
}

// The cheapest way from `start` (leaving rightwards) to `goal` (arriving
// rightwards) on a grid of lines around the nodes near them, found by A*
// over (point, direction) states so that bends can cost. Returns an
// unrouted, empty route when the grid is too large or has no way through.
EdgeRoute EdgeRouter::Search(Position start, Position goal, double pad) const {
  const double grow = options_.clearance;
  const double wx0 = std::min(start.x, goal.x) - pad, wx1 = std::max(start.x, goal.x) + pad;
  const double wy0 = std::min(start.y, goal.y) - pad, wy1 = std::max(start.y, goal.y) + pad;
  const EdgeRoute none{{}, false};
  std::vector<RouteBox> obstacles;
  std::vector<std::pair<double, double>> faces_x, faces_y;
  for (int i : Near(wx0, wy0, wx1, wy1, grow)) {
    const RouteBox grown = Grown(boxes_[i], grow);
    if (StrictlyInside(start, grown) || StrictlyInside(goal, grown)) return none;
    obstacles.push_back(grown);
    faces_x.push_back({boxes_[i].x0, boxes_[i].x1});
    faces_y.push_back({boxes_[i].y0, boxes_[i].y1});
  }
  Lines xs, ys;
  std::vector<std::pair<double, double>> lx = AxisLines(faces_x, grow, wx0, wx1);
  lx.push_back({start.x, kMiddleWeight});
  lx.push_back({goal.x, kMiddleWeight});
  std::vector<std::pair<double, double>> ly = AxisLines(faces_y, grow, wy0, wy1);
  ly.push_back({start.y, kMiddleWeight});
  ly.push_back({goal.y, kMiddleWeight});
  xs.Build(std::move(lx), wx0, wx1);
  ys.Build(std::move(ly), wy0, wy1);
  const size_t nx = xs.at.size(), ny = ys.at.size();
  if (nx * ny > options_.max_grid_points) return none;
  if (searched_ + nx * ny > options_.max_total_grid_points) return none;
  searched_ += nx * ny;

  // What the nodes block: points, and moves to the next line right or down.
  const size_t points = nx * ny;
  std::vector<unsigned char> blocked_point(points, 0), blocked_right(points, 0),
      blocked_down(points, 0);
  for (const RouteBox& o : obstacles) {
    const auto [ia, ib] = xs.Inside(o.x0, o.x1);
    const auto [ja, jb] = ys.Inside(o.y0, o.y1);
    const size_t ra = ia > 0 ? ia - 1 : 0, da = ja > 0 ? ja - 1 : 0;
    for (size_t j = ja; j < jb; ++j) {
      for (size_t i = ia; i < ib; ++i) blocked_point[j * nx + i] = 1;
      for (size_t i = ra; i < ib && i + 1 < nx; ++i) {
        if (xs.at[i] < o.x1 - kEpsilon && xs.at[i + 1] > o.x0 + kEpsilon) {
          blocked_right[j * nx + i] = 1;
        }
      }
    }
    for (size_t i = ia; i < ib; ++i) {
      for (size_t j = da; j < jb && j + 1 < ny; ++j) {
        if (ys.at[j] < o.y1 - kEpsilon && ys.at[j + 1] > o.y0 + kEpsilon) {
          blocked_down[j * nx + i] = 1;
        }
      }
    }
  }

  const size_t si = xs.Find(start.x), sj = ys.Find(start.y);
  const size_t gi = xs.Find(goal.x), gj = ys.Find(goal.y);
  const double bend = options_.bend_cost;
  constexpr double kInf = std::numeric_limits<double>::infinity();
  std::vector<double> cost(points * 4, kInf);
  std::vector<int32_t> parent(points * 4, -1);
  using Entry = std::pair<double, int32_t>;  // (cost + estimate, state)
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> open;
  auto estimate = [&](size_t i, size_t j) {
    return std::fabs(xs.at[i] - goal.x) + std::fabs(ys.at[j] - goal.y);
  };
  const int32_t first = static_cast<int32_t>((sj * nx + si) * 4 + kRight);
  cost[first] = 0;
  open.push({estimate(si, sj), first});
  double best = kInf;
  int32_t best_state = -1;
  while (!open.empty()) {
    const auto [f, state] = open.top();
    open.pop();
    if (f >= best) break;
    const size_t point = static_cast<size_t>(state) / 4;
    const int dir = state % 4;
    const size_t i = point % nx, j = point / nx;
    const double g = cost[state];
    if (f > g + estimate(i, j) + kEpsilon) continue;  // a stale entry
    if (i == gi && j == gj && dir != kLeft) {
      const double total = g + (dir == kRight ? 0 : bend);
      if (total < best) {
        best = total;
        best_state = state;
      }
      continue;
    }
    for (int next = 0; next < 4; ++next) {
      if ((dir ^ 1) == next) continue;  // no turning back
      const long ni = static_cast<long>(i) + kStepX[next];
      const long nj = static_cast<long>(j) + kStepY[next];
      if (ni < 0 || nj < 0 || ni >= static_cast<long>(nx) || nj >= static_cast<long>(ny)) continue;
      const size_t to_point = static_cast<size_t>(nj) * nx + static_cast<size_t>(ni);
      if (blocked_point[to_point]) continue;
      double length = 0;
      if (next == kRight || next == kLeft) {
        if (blocked_right[j * nx + std::min(i, static_cast<size_t>(ni))]) continue;
        length = std::fabs(xs.at[ni] - xs.at[i]) * ys.weight[j];
      } else {
        if (blocked_down[std::min(j, static_cast<size_t>(nj)) * nx + i]) continue;
        length = std::fabs(ys.at[nj] - ys.at[j]) * xs.weight[i];
      }
      const double through = g + length + (next == dir ? 0 : bend);
      const int32_t to_state = static_cast<int32_t>(to_point * 4 + next);
      if (through + kEpsilon < cost[to_state]) {
        cost[to_state] = through;
        parent[to_state] = state;
        open.push({through + estimate(ni, nj), to_state});
      }
    }
  }
  if (best_state < 0) return none;
  std::vector<Position> path;
  for (int32_t state = best_state; state >= 0; state = parent[state]) {
    const size_t point = static_cast<size_t>(state) / 4;
    path.push_back(Position{xs.at[point % nx], ys.at[point / nx]});
  }
  std::reverse(path.begin(), path.end());
  return EdgeRoute{Simplify(path), true};
}

// A route that ignores the nodes: across the middle when the target is
// to the right, else out, over half the height and back in.
EdgeRoute EdgeRouter::Plain(Position s, Position e) const {
  const double stub = options_.stub;
  if (e.x - s.x >= 2 * stub) {
    const double middle = 0.5 * (s.x + e.x);
    return EdgeRoute{Simplify({s, {middle, s.y}, {middle, e.y}, e}), false};
  }
  const double half = 0.5 * (s.y + e.y);
  return EdgeRoute{
      Simplify(
          {s, {s.x + stub, s.y}, {s.x + stub, half}, {e.x - stub, half}, {e.x - stub, e.y}, e}),
      false};
}

std::vector<EdgeRoute> RouteEdges(const std::vector<RouteBox>& boxes,
                                  const std::vector<std::pair<int, int>>& edges,
                                  RouterOptions options) {
  const EdgeRouter router(boxes, options);
  std::vector<EdgeRoute> routes;
  routes.reserve(edges.size());
  for (const auto& [from, to] : edges) routes.push_back(router.Route(from, to));
  return routes;
}

}  // namespace tame
