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

}  // namespace tame
