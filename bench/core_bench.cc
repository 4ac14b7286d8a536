// Load + validate + plan of a generated 10,000-step pipeline, against
// nlohmann's bare parse of the same bytes. Prints both and their ratio.
// Targets: ratio <= 2.0, and load + validate + plan under 100 ms.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>

#include "core/graph.h"
#include "core/load.h"
#include "core/save.h"
#include "core/validate.h"

namespace {

// 100 levels of 100 steps; each needs two steps of the level before and
// reads an output of one of them, as a real pipeline's shell steps do.
std::string MakePipeline(int levels, int width) {
  tame::Pipeline p;
  p.name = "generated";
  p.params["image"] = tame::ParamDecl{"string", tame::Json("127.0.0.1:5000/x"), ""};
  for (int l = 0; l < levels; ++l) {
    for (int w = 0; w < width; ++w) {
      tame::Step s;
      s.id = "s" + std::to_string(l) + "-" + std::to_string(w);
      s.uses = "shell";
      std::string run =
          "python3 train.py --level " + std::to_string(l) + " --image ${{ params.image }}";
      if (l > 0) {
        std::string a = "s" + std::to_string(l - 1) + "-" + std::to_string(w);
        std::string b = "s" + std::to_string(l - 1) + "-" + std::to_string((w + 1) % width);
        s.needs = {a, b};
        run += " --in ${{ steps." + a + ".outputs.model }}";
      }
      s.with = {{"run", run}, {"shell", "sh"}};
      s.outputs["model"] = tame::OutputDecl{"models/" + s.id + ".bin"};
      s.timeout = "10m";
      p.layout[s.id] = tame::Position{w * 220.0, l * 120.0};
      p.steps.push_back(std::move(s));
    }
  }
  return tame::SavePipeline(p);
}

const std::string& Text() {
  static const std::string* const text = new std::string(MakePipeline(100, 100));
  return *text;
}

void BM_NlohmannParse(benchmark::State& state) {
  for (auto _ : state) {
    tame::Json doc = tame::Json::parse(Text(), nullptr, false);
    benchmark::DoNotOptimize(doc);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(Text().size()));
}
BENCHMARK(BM_NlohmannParse)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_LoadValidatePlan(benchmark::State& state) {
  for (auto _ : state) {
    tame::LoadResult r = tame::LoadPipeline(Text());
    tame::Graph graph;
    if (!r.pipeline || !tame::Validate(*r.pipeline, &graph).empty()) {
      state.SkipWithError("generated pipeline is invalid");
      return;
    }
    tame::Plan plan;
    tame::MakePlan(graph, &plan);
    benchmark::DoNotOptimize(plan);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(Text().size()));
}
BENCHMARK(BM_LoadValidatePlan)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// Keeps each run's time per iteration so main() can print the ratio.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.iterations > 0) {
        ms_[run.benchmark_name()] = run.GetAdjustedRealTime();  // in the run's unit (ms)
      }
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
  std::printf("pipeline: 10,000 steps, %.1f MB\n", Text().size() / 1e6);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  double parse = reporter.ms("BM_NlohmannParse/min_time:2.000");
  double tame = reporter.ms("BM_LoadValidatePlan/min_time:2.000");
  if (parse > 0 && tame > 0) {
    std::printf(
        "load+validate+plan: %.1f ms; nlohmann parse: %.1f ms; ratio %.2f "
        "(target <= 2.00, and <= 100 ms)\n",
        tame, parse, tame / parse);
  }
  return 0;
}
