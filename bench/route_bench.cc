// Edge routing of a generated 10,000-step pipeline, as the designer routes
// (and separates) it when the file opens, against listing the same pipeline's edges (what
// the designer already does for every revision). Two layouts: the columns
// of designer_bench.mjs's file, and core's layered auto-layout wrapped to
// a 1,200-unit canvas. Prints each time, its ratio to the reference and
// how many edges fell back to a plain route.
// Target: routing every edge of 10,000 steps well under the designer's 1 s
// open budget (natively, under 100 ms of CPU time).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>

#include "core/auto_layout.h"
#include "core/edge_route.h"
#include "core/graph.h"
#include "core/load.h"
#include "core/validate.h"

namespace {

constexpr double kNodeWidth = 200;  // designer-wasm/canvas.h
constexpr double kNodeHeight = 56;

// designer_bench.mjs's pipeline: `levels` x `width` shell steps, each after
// the first level needing two of the level before; every fifth reads an
// output of a third.
tame::Pipeline MakePipeline(int levels, int width) {
  tame::Pipeline p;
  p.name = "generated";
  auto id = [](int l, int w) { return "s" + std::to_string(l) + "_" + std::to_string(w); };
  for (int l = 0; l < levels; ++l) {
    for (int w = 0; w < width; ++w) {
      tame::Step s;
      s.id = id(l, w);
      s.uses = "shell";
      std::string run = "true";
      if (l > 0) {
        s.needs = {id(l - 1, w), id(l - 1, (w + 1) % width)};
        if (w % 5 == 0) run = "cat ${{ steps." + id(l - 1, (w + 2) % width) + ".outputs.out }}";
      }
      if (l + 1 < levels && w % 5 == 2) s.outputs["out"] = tame::OutputDecl{s.id + ".txt"};
      s.with = {{"run", run}};
      p.layout[s.id] = tame::Position{40 + 240.0 * l, 80 + 100.0 * w};
      p.steps.push_back(std::move(s));
    }
  }
  return p;
}

struct Fixture {
  tame::Pipeline pipeline = MakePipeline(100, 100);
  std::vector<std::pair<int, int>> edges;
  std::vector<tame::RouteBox> columns;
  std::vector<tame::RouteBox> layered;

  Fixture() {
    for (const tame::Edge& e : tame::ListEdges(pipeline)) edges.push_back({e.from, e.to});
    for (const tame::Step& s : pipeline.steps) {
      const tame::Position at = pipeline.layout[s.id];
      columns.push_back({at.x, at.y, at.x + kNodeWidth, at.y + kNodeHeight});
    }
    const tame::Graph graph = tame::BuildGraph(pipeline);
    tame::Plan plan;
    tame::MakePlan(graph, &plan);
    for (const tame::Position& at : tame::LayoutLayered(graph, plan, 1200)) {
      layered.push_back({at.x, at.y, at.x + kNodeWidth, at.y + kNodeHeight});
    }
  }
};

const Fixture& Data() {
  static const Fixture* const fixture = new Fixture();
  return *fixture;
}

std::map<std::string, size_t> unrouted;

void Route(benchmark::State& state, const std::vector<tame::RouteBox>& boxes, const char* name) {
  size_t plain = 0;
  for (auto _ : state) {
    std::vector<tame::EdgeRoute> routes = tame::RouteEdges(boxes, Data().edges);
    tame::SeparateRoutes(&routes, Data().edges, tame::EdgeRouter(boxes));
    plain = 0;
    for (const tame::EdgeRoute& r : routes) plain += r.routed ? 0 : 1;
    benchmark::DoNotOptimize(routes);
  }
  unrouted[name] = plain;
  state.counters["edges"] = static_cast<double>(Data().edges.size());
  state.counters["unrouted"] = static_cast<double>(plain);
}

void BM_ListEdges(benchmark::State& state) {
  for (auto _ : state) {
    std::vector<tame::Edge> edges = tame::ListEdges(Data().pipeline);
    benchmark::DoNotOptimize(edges);
  }
}
BENCHMARK(BM_ListEdges)->Unit(benchmark::kMillisecond)->MinTime(1.0);

void BM_RouteColumns(benchmark::State& state) { Route(state, Data().columns, "columns"); }
BENCHMARK(BM_RouteColumns)->Unit(benchmark::kMillisecond)->MinTime(1.0);

void BM_RouteLayered(benchmark::State& state) { Route(state, Data().layered, "layered"); }
BENCHMARK(BM_RouteLayered)->Unit(benchmark::kMillisecond)->MinTime(1.0);

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      // CPU time: the machines these run on are shared, and wall time
      // measures the neighbours.
      if (run.iterations > 0) ms_[run.benchmark_name()] = run.GetAdjustedCPUTime();
    }
  }
  double ms(const std::string& name) const {
    auto it = ms_.find(name);
    return it == ms_.end() ? 0 : it->second;
  }

 private:
  std::map<std::string, double> ms_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  std::printf("pipeline: 10,000 steps, %zu edges\n", Data().edges.size());
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  const double list = reporter.ms("BM_ListEdges/min_time:1.000");
  for (const char* name : {"columns", "layered"}) {
    const std::string bench =
        std::string("BM_Route") + (name[0] == 'c' ? "Columns" : "Layered") + "/min_time:1.000";
    const double ms = reporter.ms(bench);
    if (ms > 0 && list > 0) {
      std::printf("route %s: %.1f ms, %.1fx listing the edges (%.1f ms); %zu unrouted%s\n", name,
                  ms, ms / list, list, unrouted[name], ms > 100 ? "   OVER TARGET" : "");
    }
  }
  return 0;
}
