// SeparateRoutes(): routes that share a line are spread across their gap.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/edge_route.h"

namespace tame {
namespace {

constexpr double kSame = 1e-6;
// More pieces than this on one stretch of line cannot be spread legibly
// in a gap between nodes; they stay on it (and ordering them would cost
// the cube of their number).
constexpr size_t kMostPieces = 40;

// A segment of a route that may move: not the first nor the last. `at` is
// its line (x of a vertical, y of a horizontal), [lo, hi] its stretch
// along it; its two ends turn towards `side_lo` and `side_hi` (-1 towards
// smaller `at`, +1 towards larger) at `lo` and `hi`.
struct Piece {
  size_t route = 0;
  size_t segment = 0;
  double at = 0;
  double lo = 0;
  double hi = 0;
  int side_lo = 0;
  int side_hi = 0;
};

int Side(double from, double to) { return to > from + kSame ? 1 : to < from - kSame ? -1 : 0; }

// How many turns cross when piece `a` lies before piece `b` (at smaller
// `at`): a's ends that turn forward inside b's stretch, and b's ends that
// turn back inside a's.
int Crossings(const Piece& a, const Piece& b) {
  auto inside = [](double v, const Piece& p) { return v > p.lo + kSame && v < p.hi - kSame; };
  return (a.side_lo > 0 && inside(a.lo, b)) + (a.side_hi > 0 && inside(a.hi, b)) +
         (b.side_lo < 0 && inside(b.lo, a)) + (b.side_hi < 0 && inside(b.hi, a));
}

int Find(std::vector<size_t>& parent, size_t i) {
  while (parent[i] != i) i = parent[i] = parent[parent[i]];
  return static_cast<int>(i);
}

// Spreads one cluster of pieces that overlap on one line; writes each
// piece's offset to `offsets` by (route, segment).
void SpreadCluster(const std::vector<Piece>& cluster, bool vertical,
                   const std::vector<EdgeRoute>& routes,
                   const std::vector<std::pair<int, int>>& edges, const EdgeRouter& router,
                   double spacing, double clearance, std::vector<std::vector<double>>* offsets) {
  // Bundles: pieces that leave one source from one point, or reach one
  // target at one point, share a track.
  const size_t n = cluster.size();
  if (n > kMostPieces) return;
  std::vector<size_t> parent(n);
  std::iota(parent.begin(), parent.end(), 0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i + 1; j < n; ++j) {
      const Piece& a = cluster[i];
      const Piece& b = cluster[j];
      const std::vector<Position>& pa = routes[a.route].points;
      const std::vector<Position>& pb = routes[b.route].points;
      const bool same_start = pa[a.segment] == pb[b.segment];
      const bool same_end = pa[a.segment + 1] == pb[b.segment + 1];
      if ((same_start && edges[a.route].first == edges[b.route].first) ||
          (same_end && edges[a.route].second == edges[b.route].second)) {
        parent[Find(parent, i)] = static_cast<size_t>(Find(parent, j));
      }
    }
  }
  std::vector<std::vector<size_t>> tracks;
  std::vector<int> track_of(n, -1);
  for (size_t i = 0; i < n; ++i) {
    const int root = Find(parent, i);
    if (track_of[root] < 0) {
      track_of[root] = static_cast<int>(tracks.size());
      tracks.emplace_back();
    }
    tracks[track_of[root]].push_back(i);
  }
  const size_t m = tracks.size();
  if (m < 2) return;
  // The room the line has on either side, keeping the clearance.
  double lo = cluster[0].lo, hi = cluster[0].hi;
  for (const Piece& p : cluster) {
    lo = std::min(lo, p.lo);
    hi = std::max(hi, p.hi);
  }
  const double at = cluster[0].at;
  const double room =
      std::min(router.Room(vertical, at, lo, hi, -1), router.Room(vertical, at, lo, hi, +1)) -
      clearance;
  const double step = std::min(spacing, 2 * room / static_cast<double>(m - 1));
  if (step < 2) return;
  // Order the tracks: first by where their turns lead, then by swapping
  // neighbours while that crosses fewer turns.
  auto cost = [&](size_t ta, size_t tb) {
    int c = 0;
    for (size_t a : tracks[ta]) {
      for (size_t b : tracks[tb]) c += Crossings(cluster[a], cluster[b]);
    }
    return c;
  };
  std::vector<size_t> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const Piece& pa = cluster[tracks[a][0]];
    const Piece& pb = cluster[tracks[b][0]];
    return pa.side_lo + pa.side_hi < pb.side_lo + pb.side_hi;
  });
  for (size_t pass = 0; pass < m; ++pass) {
    bool swapped = false;
    for (size_t k = 0; k + 1 < m; ++k) {
      if (cost(order[k + 1], order[k]) < cost(order[k], order[k + 1])) {
        std::swap(order[k], order[k + 1]);
        swapped = true;
      }
    }
    if (!swapped) break;
  }
  for (size_t k = 0; k < m; ++k) {
    const double offset = (static_cast<double>(k) - 0.5 * static_cast<double>(m - 1)) * step;
    for (size_t i : tracks[order[k]]) {
      (*offsets)[cluster[i].route][cluster[i].segment] = offset;
    }
  }
}

}  // namespace

void SeparateRoutes(std::vector<EdgeRoute>* routes, const std::vector<std::pair<int, int>>& edges,
                    const EdgeRouter& router, double spacing) {
  const double clearance = 0.5 * RouterOptions().clearance;
  std::vector<std::vector<double>> offsets(routes->size());
  for (size_t r = 0; r < routes->size(); ++r) {
    offsets[r].assign((*routes)[r].points.size(), 0.0);
  }
  for (bool vertical : {true, false}) {
    std::vector<Piece> pieces;
    for (size_t r = 0; r < routes->size(); ++r) {
      const std::vector<Position>& p = (*routes)[r].points;
      if (!(*routes)[r].routed) continue;
      for (size_t k = 1; k + 2 < p.size(); ++k) {
        const bool is_vertical = std::fabs(p[k].x - p[k + 1].x) < kSame;
        if (is_vertical != vertical) continue;
        Piece piece;
        piece.route = r;
        piece.segment = k;
        piece.at = vertical ? p[k].x : p[k].y;
        const double a = vertical ? p[k].y : p[k].x, b = vertical ? p[k + 1].y : p[k + 1].x;
        const int side_a = vertical ? Side(piece.at, p[k - 1].x) : Side(piece.at, p[k - 1].y);
        const int side_b = vertical ? Side(piece.at, p[k + 2].x) : Side(piece.at, p[k + 2].y);
        piece.lo = std::min(a, b);
        piece.hi = std::max(a, b);
        piece.side_lo = a <= b ? side_a : side_b;
        piece.side_hi = a <= b ? side_b : side_a;
        pieces.push_back(piece);
      }
    }
    std::sort(pieces.begin(), pieces.end(), [](const Piece& a, const Piece& b) {
      return a.at < b.at - kSame || (std::fabs(a.at - b.at) <= kSame && a.lo < b.lo);
    });
    // Clusters: pieces on one line whose stretches overlap, in a chain.
    for (size_t first = 0; first < pieces.size();) {
      size_t last = first + 1;
      double reach = pieces[first].hi;
      while (last < pieces.size() && std::fabs(pieces[last].at - pieces[first].at) <= kSame &&
             pieces[last].lo < reach - kSame) {
        reach = std::max(reach, pieces[last].hi);
        ++last;
      }
      if (last - first > 1) {
        const std::vector<Piece> cluster(pieces.begin() + first, pieces.begin() + last);
        SpreadCluster(cluster, vertical, *routes, edges, router, spacing, clearance, &offsets);
      }
      first = last;
    }
  }
  // Move the pieces: a vertical's two points sideways, a horizontal's up
  // or down; keep the old route where the new one would cross a node.
  for (size_t r = 0; r < routes->size(); ++r) {
    std::vector<Position> moved = (*routes)[r].points;
    bool any = false;
    for (size_t k = 1; k + 2 < moved.size(); ++k) {
      const double d = offsets[r][k];
      if (d == 0) continue;
      any = true;
      const Position& a = (*routes)[r].points[k];
      const Position& b = (*routes)[r].points[k + 1];
      if (std::fabs(a.x - b.x) < kSame) {
        moved[k].x += d;
        moved[k + 1].x += d;
      } else {
        moved[k].y += d;
        moved[k + 1].y += d;
      }
    }
    if (!any) continue;
    bool clear = true;
    for (size_t k = 0; clear && k + 1 < moved.size(); ++k) {
      const int skip_a = k == 0 ? edges[r].first : -1;
      const int skip_b = k + 2 == moved.size() ? edges[r].second : -1;
      clear = !router.Blocked(moved[k], moved[k + 1], clearance, skip_a, skip_b);
    }
    if (clear) (*routes)[r].points = std::move(moved);
  }
}

}  // namespace tame
