#include "core/auto_layout.h"

#include <algorithm>
#include <utility>

namespace tame {

std::vector<Position> LayoutByLevels(const Graph& graph, const Plan& plan) {
  std::vector<Position> positions(graph.deps.size());
  std::vector<double> row(graph.deps.size(), 0.0);
  for (size_t level = 0; level < plan.levels.size(); ++level) {
    // (mean row of the deps, file index); deps all sit in earlier levels.
    std::vector<std::pair<double, int>> order;
    order.reserve(plan.levels[level].size());
    for (int step : plan.levels[level]) {
      const std::vector<int>& deps = graph.deps[step];
      double key = static_cast<double>(step);
      if (!deps.empty()) {
        double sum = 0;
        for (int dep : deps) sum += row[dep];
        key = sum / static_cast<double>(deps.size());
      }
      order.push_back({level == 0 ? 0.0 : key, step});
    }
    std::stable_sort(order.begin(), order.end());
    for (size_t r = 0; r < order.size(); ++r) {
      const int step = order[r].second;
      row[step] = static_cast<double>(r);
      positions[step] = Position{kLayoutLeft + kLayoutColumn * static_cast<double>(level),
                                 kLayoutTop + kLayoutRow * static_cast<double>(r)};
    }
  }
  return positions;
}

namespace {

// Orders each level by the mean position of the steps it links to in the
// level before (sweeping down) or after (sweeping up), from file order.
// A few sweeps settle chains, fans and diamonds; the order with the fewest
// crossings between neighbouring levels is kept.
std::vector<std::vector<int>> OrderLevels(const Graph& graph, const Plan& plan) {
  std::vector<std::vector<int>> order = plan.levels;
  std::vector<double> rank(graph.deps.size(), 0.0);
  auto set_ranks = [&](const std::vector<int>& level) {
    for (size_t r = 0; r < level.size(); ++r) rank[level[r]] = static_cast<double>(r);
  };
  for (const std::vector<int>& level : order) set_ranks(level);
  auto crossings = [&]() {
    size_t count = 0;
    for (size_t l = 1; l < order.size(); ++l) {
      std::vector<std::pair<double, double>> edges;
      for (int step : order[l]) {
        for (int dep : graph.deps[step]) edges.push_back({rank[dep], rank[step]});
      }
      for (size_t a = 0; a < edges.size(); ++a) {
        for (size_t b = a + 1; b < edges.size(); ++b) {
          const double d1 = edges[a].first - edges[b].first;
          const double d2 = edges[a].second - edges[b].second;
          if (d1 * d2 < 0) ++count;
        }
      }
    }
    return count;
  };
  auto sweep = [&](size_t l, const std::vector<std::vector<int>>& links) {
    std::vector<std::pair<double, int>> keyed;
    keyed.reserve(order[l].size());
    for (int step : order[l]) {
      double sum = 0;
      int n = 0;
      for (int other : links[step]) {
        sum += rank[other];
        ++n;
      }
      keyed.push_back({n > 0 ? sum / n : rank[step], step});
    }
    std::stable_sort(keyed.begin(), keyed.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (size_t r = 0; r < keyed.size(); ++r) order[l][r] = keyed[r].second;
    set_ranks(order[l]);
  };
  // Counting crossings is quadratic in the edges between two levels: large
  // graphs get two sweeps and keep them.
  double cost = 0;
  for (const std::vector<int>& level : order) {
    double edges = 0;
    for (int step : level) edges += static_cast<double>(graph.deps[step].size());
    cost += edges * edges;
  }
  const bool count = cost <= 4e6;
  std::vector<std::vector<int>> best = order;
  size_t best_crossings = count ? crossings() : 1;
  for (int pass = 0; pass < (count ? 4 : 2) && best_crossings > 0; ++pass) {
    for (size_t l = 1; l < order.size(); ++l) sweep(l, graph.deps);
    for (size_t l = order.size(); l-- > 1;) sweep(l - 1, graph.dependents);
    const size_t now = count ? crossings() : 0;
    if (now < best_crossings) {
      best_crossings = now;
      best = order;
    }
  }
  return best;
}

}  // namespace

std::vector<Position> LayoutLayered(const Graph& graph, const Plan& plan, double max_width) {
  std::vector<Position> positions(graph.deps.size());
  const std::vector<std::vector<int>> order = OrderLevels(graph, plan);
  size_t per_band = order.size();
  if (max_width > 0) {
    const double fit = (max_width - kLayoutLeft) / kLayoutColumn;
    per_band = static_cast<size_t>(std::max(1.0, fit));
  }
  double band_top = kLayoutTop;
  for (size_t first = 0; first < order.size(); first += per_band) {
    size_t rows = 1;
    for (size_t l = first; l < std::min(order.size(), first + per_band); ++l) {
      rows = std::max(rows, order[l].size());
      for (size_t r = 0; r < order[l].size(); ++r) {
        positions[order[l][r]] =
            Position{kLayoutLeft + kLayoutColumn * static_cast<double>(l - first),
                     band_top + kLayoutRow * static_cast<double>(r)};
      }
    }
    band_top += kLayoutRow * static_cast<double>(rows) + kLayoutRow;
  }
  return positions;
}

}  // namespace tame
