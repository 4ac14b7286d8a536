#include "core/edge_route.h"

#include <gtest/gtest.h>

#include <random>
#include <sstream>
#include <string>

#include "core/auto_layout.h"
#include "core/graph.h"
#include "core/load.h"
#include "core/test_util.h"

namespace tame {
namespace {

// The designer's node size (designer-wasm/canvas.h).
constexpr double kWidth = 200;
constexpr double kHeight = 56;

RouteBox BoxAt(double x, double y) { return RouteBox{x, y, x + kWidth, y + kHeight}; }

std::string Describe(const std::vector<Position>& points) {
  std::ostringstream out;
  for (const Position& p : points) out << " (" << p.x << "," << p.y << ")";
  return out.str();
}

// Why `route` is not a good route from box `from` to box `to` among
// `boxes`, or "" when it is: it is routed, starts at the output port and
// ends at the input port, leaves and enters horizontally, runs only
// horizontally or vertically, and passes through no node.
std::string Fault(const std::vector<RouteBox>& boxes, int from, int to, const EdgeRoute& route) {
  const std::vector<Position>& p = route.points;
  if (!route.routed) return "not routed:" + Describe(p);
  if (p.size() < 2) return "fewer than two points";
  const RouteBox& f = boxes[from];
  const RouteBox& t = boxes[to];
  if (!(p.front() == Position{f.x1, 0.5 * (f.y0 + f.y1)})) return "starts off the output port";
  if (!(p.back() == Position{t.x0, 0.5 * (t.y0 + t.y1)})) return "ends off the input port";
  if (p[1].y != p[0].y || p[1].x <= p[0].x) return "does not leave rightwards:" + Describe(p);
  const Position& a = p[p.size() - 2];
  if (a.y != p.back().y || a.x >= p.back().x) return "does not enter rightwards:" + Describe(p);
  for (size_t k = 0; k + 1 < p.size(); ++k) {
    if (p[k].x != p[k + 1].x && p[k].y != p[k + 1].y) return "a slanted segment:" + Describe(p);
    if (p[k] == p[k + 1]) return "a segment of no length:" + Describe(p);
    for (size_t b = 0; b < boxes.size(); ++b) {
      if (SegmentCrossesBox(p[k], p[k + 1], boxes[b])) {
        return "passes through node " + std::to_string(b) + ":" + Describe(p);
      }
    }
  }
  return "";
}

// Routes every edge of `pipeline_json` laid out by LayoutLayered for
// `width`, separates the routes, and expects each to be good; returns how
// many edges there are.
size_t ExpectRoutesAvoidNodes(const std::string& pipeline_json, double width) {
  const Pipeline p = MustLoad(pipeline_json);
  const Graph graph = BuildGraph(p);
  Plan plan;
  EXPECT_TRUE(MakePlan(graph, &plan));
  std::vector<RouteBox> boxes;
  for (const Position& at : LayoutLayered(graph, plan, width)) boxes.push_back(BoxAt(at.x, at.y));
  std::vector<std::pair<int, int>> edges;
  for (const Edge& edge : ListEdges(p)) edges.push_back({edge.from, edge.to});
  std::vector<EdgeRoute> routes = RouteEdges(boxes, edges);
  EXPECT_EQ(routes.size(), edges.size());
  SeparateRoutes(&routes, edges, EdgeRouter(boxes));
  for (size_t k = 0; k < routes.size(); ++k) {
    EXPECT_EQ(Fault(boxes, edges[k].first, edges[k].second, routes[k]), "")
        << "edge " << p.steps[edges[k].first].id << " -> " << p.steps[edges[k].second].id
        << " at width " << width;
  }
  return edges.size();
}

std::string Step(const std::string& id, const std::vector<std::string>& needs) {
  std::string json = R"({"id": ")" + id + R"(", "uses": "shell", "with": {"run": "true"})";
  if (!needs.empty()) {
    json += R"(, "needs": [)";
    for (size_t k = 0; k < needs.size(); ++k) json += (k ? ", \"" : "\"") + needs[k] + "\"";
    json += "]";
  }
  return json + "}";
}

std::string Steps(const std::vector<std::string>& steps) {
  std::string body;
  for (const std::string& s : steps) body += (body.empty() ? "" : ", ") + s;
  return WithSteps(body);
}

std::string Chain(int n) {
  std::vector<std::string> steps;
  for (int i = 0; i < n; ++i) {
    steps.push_back(
        Step("s" + std::to_string(i), i > 0 ? std::vector<std::string>{"s" + std::to_string(i - 1)}
                                            : std::vector<std::string>{}));
  }
  return Steps(steps);
}

// ---- Layered layouts: no route passes through a node ---------------------------

TEST(EdgeRouteTest, ChainsThatWrapIntoBands) {
  for (int n : {2, 5, 9, 20, 41}) {
    for (double width : {0.0, 500.0, 760.0, 1000.0, 1500.0}) {
      EXPECT_EQ(ExpectRoutesAvoidNodes(Chain(n), width), static_cast<size_t>(n - 1));
    }
  }
}

TEST(EdgeRouteTest, Diamonds) {
  // a fans out to b and c, which meet at d; a also reaches d directly,
  // past the middle level, and e hangs off a diamond nested in the first.
  const std::string diamond =
      Steps({Step("a", {}), Step("b", {"a"}), Step("c", {"a"}), Step("d", {"b", "c", "a"}),
             Step("e", {"d"}), Step("f", {"d"}), Step("g", {"e", "f", "b"})});
  for (double width : {0.0, 300.0, 520.0, 760.0, 1000.0}) {
    ExpectRoutesAvoidNodes(diamond, width);
  }
}

TEST(EdgeRouteTest, FanOutAndFanIn) {
  std::vector<std::string> steps = {Step("root", {})};
  std::vector<std::string> middle;
  for (int k = 0; k < 8; ++k) {
    steps.push_back(Step("m" + std::to_string(k), {"root"}));
    middle.push_back("m" + std::to_string(k));
  }
  steps.push_back(Step("sink", middle));
  steps.push_back(Step("after", {"sink", "root"}));
  for (double width : {0.0, 500.0, 760.0}) ExpectRoutesAvoidNodes(Steps(steps), width);
}

TEST(EdgeRouteTest, TheNineStepDeliveryChain) {
  // Its data edges (checkout's path and sha read by build, push and
  // announce; push's ref read by announce) skip levels, and wrapped they run
  // from one band to another.
  const std::string text = SourceFile("examples/ml-to-k8s.json");
  for (double width : {0.0, 600.0, 900.0, 933.0, 1200.0, 1700.0}) {
    EXPECT_GE(ExpectRoutesAvoidNodes(text, width), 8u);
  }
}

TEST(EdgeRouteTest, RandomDagsLaidOutInLayers) {
  std::mt19937 random(17);
  for (int round = 0; round < 30; ++round) {
    const int n = 5 + static_cast<int>(random() % 40);
    std::vector<std::string> steps;
    for (int i = 0; i < n; ++i) {
      std::vector<std::string> needs;
      for (int k = 0; k < i && needs.size() < 3; ++k) {
        if (random() % 100 < 12) needs.push_back("s" + std::to_string(i - 1 - k));
      }
      steps.push_back(Step("s" + std::to_string(i), needs));
    }
    const double width = static_cast<double>(random() % 5) * 300;
    ExpectRoutesAvoidNodes(Steps(steps), width);
  }
}

// ---- The routes themselves ---------------------------------------------------------

TEST(EdgeRouteTest, NeighboursInARowAreJoinedByAStraightLine) {
  const std::vector<RouteBox> boxes = {BoxAt(40, 80), BoxAt(280, 80)};
  const EdgeRoute route = EdgeRouter(boxes).Route(0, 1);
  EXPECT_TRUE(route.routed);
  EXPECT_EQ(Describe(route.points), " (240,108) (280,108)");
}

TEST(EdgeRouteTest, NeighbouringColumnsAreJoinedInTheMiddleOfTheirGap) {
  const std::vector<RouteBox> boxes = {BoxAt(40, 80), BoxAt(280, 180)};
  const EdgeRoute route = EdgeRouter(boxes).Route(0, 1);
  EXPECT_EQ(Describe(route.points), " (240,108) (260,108) (260,208) (280,208)");
}

TEST(EdgeRouteTest, ANodeInTheWayIsPassedAboveOrBelow) {
  // a -> c along one row, with b between them.
  const std::vector<RouteBox> boxes = {BoxAt(40, 80), BoxAt(280, 80), BoxAt(520, 80)};
  const EdgeRoute route = EdgeRouter(boxes).Route(0, 2);
  EXPECT_EQ(Fault(boxes, 0, 2, route), "");
  EXPECT_EQ(route.points.size(), 6u) << Describe(route.points);
  // It keeps its clearance: 10 units from b's border.
  EXPECT_TRUE(route.points[2].y <= 80 - 10 || route.points[2].y >= 136 + 10)
      << Describe(route.points);
}

TEST(EdgeRouteTest, AnEdgeBackToTheLeftGoesAroundBothEnds) {
  // The end of one band to the start of the next, below it.
  const std::vector<RouteBox> boxes = {BoxAt(40, 80), BoxAt(280, 80), BoxAt(520, 80),
                                       BoxAt(40, 280)};
  const EdgeRoute route = EdgeRouter(boxes).Route(2, 3);
  EXPECT_EQ(Fault(boxes, 2, 3, route), "");
  // Out to the right, down into the gap between the bands, left past the
  // band, down beside the target and into its port.
  EXPECT_EQ(route.points.size(), 6u) << Describe(route.points);
  EXPECT_GT(route.points[2].y, 136);
  EXPECT_LT(route.points[2].y, 280);
}

TEST(EdgeRouteTest, AWalledInPortGetsAPlainRouteMarkedUnrouted) {
  // b touches a's right side: a's output port opens into b.
  const std::vector<RouteBox> boxes = {BoxAt(40, 80), BoxAt(240, 60), BoxAt(600, 300)};
  const EdgeRoute route = EdgeRouter(boxes).Route(0, 2);
  EXPECT_FALSE(route.routed);
  EXPECT_EQ(Describe(route.points), " (240,108) (420,108) (420,328) (600,328)");
}

TEST(EdgeRouteTest, AWallTallerThanTheChannelsSeenIsPassedBySearching) {
  // Between a and c stands a wall reaching 200 units above and below them:
  // no channel within reach of the ends, so the grid search goes around,
  // over it (the shorter way), along its border.
  const std::vector<RouteBox> boxes = {BoxAt(40, 80), RouteBox{280, -100, 480, 320},
                                       BoxAt(520, 80)};
  const EdgeRoute route = EdgeRouter(boxes).Route(0, 2);
  EXPECT_EQ(Fault(boxes, 0, 2, route), "");
  EXPECT_EQ(Describe(route.points),
            " (240,108) (260,108) (260,-110) (500,-110) (500,108) (520,108)");
}

TEST(EdgeRouteTest, SearchesBeyondTheirLimitsDegradeToPlainRoutes) {
  const std::vector<RouteBox> boxes = {BoxAt(40, 80), RouteBox{280, -100, 480, 320},
                                       BoxAt(520, 80)};
  RouterOptions small;
  small.max_grid_points = 10;
  EXPECT_FALSE(EdgeRouter(boxes, small).Route(0, 2).routed);
  RouterOptions spent;
  spent.max_total_grid_points = 0;
  EXPECT_FALSE(EdgeRouter(boxes, spent).Route(0, 2).routed);
  // Edges that need no search are still routed.
  EXPECT_TRUE(EdgeRouter({BoxAt(40, 80), BoxAt(280, 200)}, spent).Route(0, 1).routed);
}

TEST(EdgeRouteTest, RoutesSharingAGapAreSpreadAcrossIt) {
  // Three edges from one column to the next, each a row lower: their
  // verticals share the middle of the gap until they are spread, the one
  // that turns right lowest furthest left, so that no turn crosses another.
  const std::vector<RouteBox> boxes = {BoxAt(40, 80),   BoxAt(40, 180),  BoxAt(40, 280),
                                       BoxAt(280, 380), BoxAt(280, 480), BoxAt(280, 580)};
  const std::vector<std::pair<int, int>> edges = {{0, 3}, {1, 4}, {2, 5}};
  std::vector<EdgeRoute> routes = RouteEdges(boxes, edges);
  for (const EdgeRoute& route : routes) EXPECT_EQ(route.points[1].x, 260);
  SeparateRoutes(&routes, edges, EdgeRouter(boxes));
  EXPECT_EQ(Describe(routes[0].points), " (240,108) (268,108) (268,408) (280,408)");
  EXPECT_EQ(Describe(routes[1].points), " (240,208) (260,208) (260,508) (280,508)");
  EXPECT_EQ(Describe(routes[2].points), " (240,308) (252,308) (252,608) (280,608)");
  for (size_t k = 0; k < edges.size(); ++k) {
    EXPECT_EQ(Fault(boxes, edges[k].first, edges[k].second, routes[k]), "");
  }
}

TEST(EdgeRouteTest, EdgesLeavingOneSourceShareTheirTrunk) {
  const std::vector<RouteBox> boxes = {BoxAt(40, 80), BoxAt(280, 180), BoxAt(280, 280)};
  const std::vector<std::pair<int, int>> edges = {{0, 1}, {0, 2}};
  std::vector<EdgeRoute> routes = RouteEdges(boxes, edges);
  SeparateRoutes(&routes, edges, EdgeRouter(boxes));
  EXPECT_EQ(Describe(routes[0].points), " (240,108) (260,108) (260,208) (280,208)");
  EXPECT_EQ(Describe(routes[1].points), " (240,108) (260,108) (260,308) (280,308)");
}

TEST(EdgeRouteTest, NearListsEachNodeOnce) {
  std::vector<RouteBox> boxes;
  for (int k = 0; k < 50; ++k) boxes.push_back(RouteBox{0, 100.0 * k, 2000, 100.0 * k + 56});
  const EdgeRouter router(boxes);
  EXPECT_EQ(router.Near(0, 0, 2000, 5000, 0).size(), 50u);
  EXPECT_EQ(router.Near(100, 60, 110, 90, 0).size(), 0u);
  EXPECT_EQ(router.Near(100, 60, 110, 90, 5).size(), 1u);
}

TEST(EdgeRouteTest, NodesFarApartOrOnTopOfEachOtherAreIndexedAndRouted) {
  // A canvas 10^15 units wide and a pile of nodes in one place: the index
  // stays small, and every route ends.
  std::vector<RouteBox> boxes = {BoxAt(0, 0), BoxAt(1e15, 50)};
  for (int k = 0; k < 20; ++k) boxes.push_back(BoxAt(400, 400));
  const EdgeRouter router(boxes);
  EXPECT_EQ(Fault(boxes, 0, 1, router.Route(0, 1)), "");
  EXPECT_EQ(router.Near(390, 390, 410, 410, 0).size(), 20u);
  // Two of the pile: out of one's right side, around the pile, into the
  // other's left side.
  EXPECT_EQ(Fault(boxes, 2, 3, router.Route(2, 3)), "");
}

TEST(EdgeRouteTest, TouchingABorderIsNotCrossing) {
  const RouteBox box{0, 0, 10, 10};
  EXPECT_FALSE(SegmentCrossesBox({-5, 0}, {15, 0}, box));
  EXPECT_FALSE(SegmentCrossesBox({10, -5}, {10, 15}, box));
  EXPECT_TRUE(SegmentCrossesBox({-5, 5}, {15, 5}, box));
  EXPECT_TRUE(SegmentCrossesBox({5, 5}, {5, 20}, box));
  EXPECT_TRUE(SegmentCrossesBox({-1, -1}, {11, 11}, box));
  EXPECT_FALSE(SegmentCrossesBox({-5, 5}, {0, 5}, box));
}

}  // namespace
}  // namespace tame
