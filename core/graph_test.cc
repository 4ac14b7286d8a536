#include "core/graph.h"

#include <gtest/gtest.h>

#include "core/test_util.h"

namespace tame {
namespace {

std::vector<std::vector<std::string>> LevelIds(const Pipeline& p, const Plan& plan) {
  std::vector<std::vector<std::string>> out;
  for (const auto& level : plan.levels) {
    out.emplace_back();
    for (int i : level) out.back().push_back(p.steps[i].id);
  }
  return out;
}

TEST(GraphTest, LevelsFollowNeedsAndReferences) {
  Pipeline p = MustLoad(WithSteps(R"(
      {"id": "d", "uses": "shell", "needs": ["b", "c"], "with": {"run": "x"}},
      {"id": "a", "uses": "shell", "with": {"run": "x"}, "outputs": {"o": {}}},
      {"id": "b", "uses": "shell", "needs": ["a"], "with": {"run": "x"}},
      {"id": "c", "uses": "shell", "with": {"run": "${{ steps.a.outputs.o }}"}},
      {"id": "e", "uses": "shell", "with": {"run": "x"}})"));
  Graph g = BuildGraph(p);
  EXPECT_EQ(g.deps[0], (std::vector<int>{2, 3}));
  EXPECT_EQ(g.deps[3], (std::vector<int>{1}));
  EXPECT_EQ(g.dependents[1], (std::vector<int>{2, 3}));
  Plan plan;
  ASSERT_TRUE(MakePlan(g, &plan));
  EXPECT_EQ(LevelIds(p, plan),
            (std::vector<std::vector<std::string>>{{"a", "e"}, {"b", "c"}, {"d"}}));
  EXPECT_EQ(plan.level_of, (std::vector<int>{2, 0, 1, 1, 0}));
}

TEST(GraphTest, ReferenceInEnvAddsAnEdge) {
  Pipeline p = MustLoad(WithSteps(R"(
      {"id": "a", "uses": "git.checkout", "with": {"repo": "r"}},
      {"id": "b", "uses": "shell", "with": {"run": "x"}, "env": {"SHA": "${{ steps.a.outputs.sha }}"}})"));
  EXPECT_EQ(BuildGraph(p).deps[1], std::vector<int>{0});
}

TEST(GraphTest, NoCycleInADiamond) {
  Pipeline p = MustLoad(WithSteps(R"(
      {"id": "a", "uses": "shell", "with": {"run": "x"}},
      {"id": "b", "uses": "shell", "needs": ["a"], "with": {"run": "x"}},
      {"id": "c", "uses": "shell", "needs": ["a"], "with": {"run": "x"}},
      {"id": "d", "uses": "shell", "needs": ["b", "c"], "with": {"run": "x"}})"));
  EXPECT_TRUE(FindCycle(BuildGraph(p)).empty());
}

TEST(GraphTest, LongChainNeedsNoDeepStack) {
  // 50,000 steps in one chain, each needing the next, closed into a cycle.
  Pipeline p;
  const int n = 50000;
  for (int i = 0; i < n; ++i) {
    Step s;
    s.id = "s" + std::to_string(i);
    s.uses = "shell";
    s.needs = {"s" + std::to_string((i + 1) % n)};
    p.steps.push_back(s);
  }
  Graph g = BuildGraph(p);
  std::vector<int> cycle = FindCycle(g);
  ASSERT_EQ(cycle.size(), static_cast<size_t>(n + 1));
  EXPECT_EQ(cycle.front(), 0);
  EXPECT_EQ(cycle[1], n - 1);  // s0 needs s1, so s1 runs before... s(n-1) before s0
  Plan plan;
  EXPECT_FALSE(MakePlan(g, &plan));
  p.steps.back().needs.clear();
  g = BuildGraph(p);
  EXPECT_TRUE(FindCycle(g).empty());
  ASSERT_TRUE(MakePlan(g, &plan));
  EXPECT_EQ(plan.levels.size(), static_cast<size_t>(n));
}

TEST(GraphTest, EdgesTellNeedsFromData) {
  Pipeline p = MustLoad(WithSteps(R"(
      {"id": "a", "uses": "git.checkout", "with": {"repo": "r"}},
      {"id": "b", "uses": "shell", "needs": ["a"], "with": {"run": "${{ steps.a.outputs.sha }} ${{ steps.a.outputs.path }} ${{ steps.a.outputs.sha }}"}},
      {"id": "c", "uses": "shell", "needs": ["b"], "with": {"run": "x"}})"));
  std::vector<Edge> edges = ListEdges(p);
  ASSERT_EQ(edges.size(), 2u);
  EXPECT_EQ(edges[0].from, 0);
  EXPECT_EQ(edges[0].to, 1);
  EXPECT_TRUE(edges[0].needs);
  EXPECT_EQ(edges[0].outputs, (std::vector<std::string>{"path", "sha"}));
  EXPECT_TRUE(edges[1].needs);
  EXPECT_TRUE(edges[1].outputs.empty());
}

TEST(GraphTest, Downstream) {
  Pipeline p = MustLoad(WithSteps(R"(
      {"id": "a", "uses": "shell", "with": {"run": "x"}},
      {"id": "b", "uses": "shell", "needs": ["a"], "with": {"run": "x"}},
      {"id": "c", "uses": "shell", "with": {"run": "x"}},
      {"id": "d", "uses": "shell", "needs": ["b", "c"], "with": {"run": "x"}})"));
  EXPECT_EQ(Downstream(BuildGraph(p), {1}), (std::vector<bool>{false, true, false, true}));
}

// a -> b -> c -> d, a -> e, and f on its own.
Pipeline Chain() {
  return MustLoad(WithSteps(R"(
      {"id": "a", "uses": "shell", "with": {"run": "x"}, "outputs": {"o": {}}},
      {"id": "b", "uses": "shell", "with": {"run": "${{ steps.a.outputs.o }}"}},
      {"id": "c", "uses": "shell", "needs": ["b"], "with": {"run": "x"}},
      {"id": "d", "uses": "shell", "needs": ["c"], "with": {"run": "x"}},
      {"id": "e", "uses": "shell", "needs": ["a"], "with": {"run": "x"}},
      {"id": "f", "uses": "shell", "with": {"run": "x"}})"));
}

std::string Marked(const Pipeline& p, const std::vector<bool>& mask) {
  std::string out;
  for (size_t i = 0; i < mask.size(); ++i) {
    if (mask[i]) out += p.steps[i].id;
  }
  return out;
}

TEST(SelectStepsTest, FromRunsTheStepAndWhatFollowsAndReusesWhatItNeeds) {
  Pipeline p = Chain();
  Graph g = BuildGraph(p);
  Selection s = SelectSteps(g, {2}, {});
  EXPECT_EQ(Marked(p, s.run), "cd");
  EXPECT_EQ(Marked(p, s.reuse), "ab");
  EXPECT_TRUE(s.Excluded(4));
  EXPECT_TRUE(s.Excluded(5));
  EXPECT_FALSE(s.Excluded(0));
  s = SelectSteps(g, {0}, {});
  EXPECT_EQ(Marked(p, s.run), "abcde");
  EXPECT_EQ(Marked(p, s.reuse), "");
}

TEST(SelectStepsTest, OnlyRunsJustThoseAndReusesEverythingUpstream) {
  Pipeline p = Chain();
  Graph g = BuildGraph(p);
  Selection s = SelectSteps(g, {}, {3, 0});
  EXPECT_EQ(Marked(p, s.run), "ad");
  EXPECT_EQ(Marked(p, s.reuse), "bc") << "a runs, so it is not reused";
  s = SelectSteps(g, {}, {5});
  EXPECT_EQ(Marked(p, s.run), "f");
  EXPECT_EQ(Marked(p, s.reuse), "");
}

TEST(SelectStepsTest, NothingSelectedRunsEverything) {
  Pipeline p = Chain();
  Selection s = SelectSteps(BuildGraph(p), {}, {});
  EXPECT_EQ(Marked(p, s.run), "abcdef");
  EXPECT_EQ(Marked(p, s.reuse), "");
}

TEST(SelectStepsTest, PlanJsonAndSummaryUseTamePlansWords) {
  Pipeline p = Chain();
  Graph g = BuildGraph(p);
  Plan plan;
  ASSERT_TRUE(MakePlan(g, &plan));
  Selection s = SelectSteps(g, {2}, {});
  EXPECT_EQ(DescribeSelection(s, "--from"), "2 of 6 run (--from); 2 reused from an earlier run");
  EXPECT_STREQ(SelectionWord(s, 3), "runs");
  EXPECT_STREQ(SelectionWord(s, 1), "reused");
  EXPECT_STREQ(SelectionWord(s, 5), "not run");
  Json json = PlanJson(p, plan, &s);
  EXPECT_EQ(json["pipeline"], p.name);
  EXPECT_EQ(json["levels"].dump(), R"([["a","f"],["b","e"],["c"],["d"]])");
  EXPECT_EQ(json["steps"][4].dump(),
            R"({"id":"e","if":"success","level":2,"selection":"not run","uses":"shell"})");
  EXPECT_FALSE(PlanJson(p, plan, nullptr)["steps"][4].contains("selection"));
  std::vector<std::string> notes(6);
  notes[3] = "  (cache: runs: first run)";
  notes[4] = "  (cache: never shown: e does not run)";
  EXPECT_EQ(
      PlanText(p, plan, &s, "--from", notes),
      (std::vector<std::string>{p.name + ": 6 steps in 4 levels",
                                "2 of 6 run (--from); 2 reused from an earlier run", "level 1",
                                "  a  shell  (reused)", "  f  shell  (not run)", "level 2",
                                "  b  shell  (reused)", "  e  shell  (not run)", "level 3",
                                "  c  shell", "level 4", "  d  shell  (cache: runs: first run)"}));
  EXPECT_EQ(PlanText(p, plan, nullptr, "").size(), 11u);
}

TEST(SelectStepsTest, StepIdsMayBeListsAndTyposGetASuggestion) {
  Pipeline p = Chain();
  std::vector<int> ids;
  std::string error;
  ASSERT_TRUE(ResolveStepIds(p, {"d,a", "c", "a"}, &ids, &error)) << error;
  EXPECT_EQ(ids, (std::vector<int>{3, 0, 2}));
  EXPECT_FALSE(ResolveStepIds(p, {"a,dd"}, &ids, &error));
  EXPECT_EQ(error, "unknown step \"dd\" (did you mean \"d\"?)");
  EXPECT_FALSE(ResolveStepIds(p, {"zzzzzz"}, &ids, &error));
  EXPECT_EQ(error, "unknown step \"zzzzzz\"");
  EXPECT_FALSE(ResolveStepIds(p, {"a,"}, &ids, &error));
  EXPECT_EQ(error, "an empty step id");
}

}  // namespace
}  // namespace tame
