// Where the designer puts steps that have no place yet, and what its
// auto-layout does: one column per plan level, left to right.
#ifndef TAME_CORE_AUTO_LAYOUT_H_
#define TAME_CORE_AUTO_LAYOUT_H_

#include <vector>

#include "core/graph.h"
#include "core/pipeline.h"

namespace tame {

/// Distances of the level layout, in canvas pixels; the examples use them.
inline constexpr double kLayoutLeft = 40;
inline constexpr double kLayoutTop = 80;
inline constexpr double kLayoutColumn = 240;
inline constexpr double kLayoutRow = 100;
/// The canvas width the starter templates are laid out for with
/// LayoutLayered(): three levels a band, which a small window shows whole
/// with ids legible.
inline constexpr double kTemplateLayoutWidth = kLayoutLeft + 3 * kLayoutColumn;

/// A position for every step, by index: level L of `plan` is the column at
/// x = kLayoutLeft + L * kLayoutColumn. Within a column the steps are sorted
/// by the mean row of the steps they wait for, which keeps edges from
/// crossing in chains and fans, then by file order; rows are kLayoutRow apart.
std::vector<Position> LayoutByLevels(const Graph& graph, const Plan& plan);

/// A layered (Sugiyama-style) layout for reading on a screen `max_width`
/// canvas pixels wide: the plan's levels are the layers, ordered within
/// by barycentre sweeps down and up the levels to reduce edge crossings;
/// levels that do not fit side by side wrap into bands below each other,
/// one band gap apart. With `max_width` <= 0 nothing wraps.
std::vector<Position> LayoutLayered(const Graph& graph, const Plan& plan, double max_width);

}  // namespace tame

#endif  // TAME_CORE_AUTO_LAYOUT_H_
