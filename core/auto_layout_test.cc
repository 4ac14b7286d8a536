#include "core/auto_layout.h"

#include <gtest/gtest.h>

#include <string>

#include "core/test_util.h"

namespace tame {
namespace {

// The layout of `steps_json` as LayoutLayered places it for `width`.
std::vector<Position> Layered(const std::string& steps_json, double width) {
  const Pipeline p = MustLoad(WithSteps(steps_json));
  const Graph graph = BuildGraph(p);
  Plan plan;
  EXPECT_TRUE(MakePlan(graph, &plan));
  return LayoutLayered(graph, plan, width);
}

std::string Chain(int n) {
  std::string steps;
  for (int i = 0; i < n; ++i) {
    steps += std::string(i > 0 ? ", " : "") + R"({"id": "s)" + std::to_string(i) +
             R"(", "uses": "shell", "with": {"run": "true"})" +
             (i > 0 ? R"(, "needs": ["s)" + std::to_string(i - 1) + R"("]})" : "}");
  }
  return steps;
}

TEST(AutoLayoutTest, ALongChainWrapsIntoBands) {
  // (1000 - 40) / 240: four levels a band; a band of one row is two rows high.
  const std::vector<Position> at = Layered(Chain(9), 1000);
  ASSERT_EQ(at.size(), 9u);
  EXPECT_EQ(at[0], (Position{40, 80}));
  EXPECT_EQ(at[3], (Position{760, 80}));
  EXPECT_EQ(at[4], (Position{40, 280}));
  EXPECT_EQ(at[7], (Position{760, 280}));
  EXPECT_EQ(at[8], (Position{40, 480}));
}

TEST(AutoLayoutTest, WithoutAWidthItIsOneRowOfLevels) {
  const std::vector<Position> at = Layered(Chain(9), 0);
  EXPECT_EQ(at[8], (Position{40 + 8 * 240, 80}));
}

TEST(AutoLayoutTest, OrdersLevelsSoThatEdgesDoNotCross) {
  // Level 1 in file order is d (after c), b (after a): crossed until sorted.
  const std::vector<Position> at = Layered(R"(
    {"id": "a", "uses": "shell", "with": {"run": "true"}},
    {"id": "c", "uses": "shell", "with": {"run": "true"}},
    {"id": "d", "uses": "shell", "needs": ["c"], "with": {"run": "true"}},
    {"id": "b", "uses": "shell", "needs": ["a"], "with": {"run": "true"}},
    {"id": "e", "uses": "shell", "needs": ["b"], "with": {"run": "true"}},
    {"id": "f", "uses": "shell", "needs": ["d"], "with": {"run": "true"}})",
                                           0);
  EXPECT_LT(at[3].y, at[2].y);  // b above d, as a above c
  EXPECT_LT(at[4].y, at[5].y);  // e above f
}

}  // namespace
}  // namespace tame
