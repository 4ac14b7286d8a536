// libFuzzer harness: load -> validate -> plan -> save -> load. Whatever the
// bytes, nothing may crash, and a pipeline that loads must survive the round
// trip unchanged: load(save(p)) == p and save is a fixed point.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/graph.h"
#include "core/load.h"
#include "core/save.h"
#include "core/scheduler.h"
#include "core/validate.h"

namespace {

void Check(bool ok, const char* what, const std::string& detail) {
  if (ok) return;
  std::fprintf(stderr, "round trip broken: %s\n%s\n", what, detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  tame::LoadResult loaded = tame::LoadPipeline(text);
  if (!loaded.pipeline) return 0;
  const tame::Pipeline& p = *loaded.pipeline;
  tame::Diagnostics problems = tame::Validate(p);

  std::string saved = tame::SavePipeline(p);
  tame::LoadResult again = tame::LoadPipeline(saved);
  Check(again.pipeline.has_value(), "saved text does not load", saved);
  Check(*again.pipeline == p, "load(save(p)) != p", saved);
  Check(tame::SavePipeline(*again.pipeline) == saved, "save is not a fixed point", saved);
  Check(tame::Validate(*again.pipeline) == problems, "validation changed", saved);

  if (problems.empty()) {
    // A valid pipeline plans, and the scheduler runs it to the end.
    tame::Graph graph = tame::BuildGraph(p);
    tame::Plan plan;
    Check(tame::MakePlan(graph, &plan), "valid pipeline has no plan", saved);
    tame::Scheduler scheduler(p, graph);
    size_t finished = 0;
    for (int step; (step = scheduler.NextReady()) >= 0; ++finished) {
      scheduler.Finish(step,
                       finished % 3 == 1 ? tame::Outcome::kFailed : tame::Outcome::kSucceeded);
    }
    Check(scheduler.Done(), "scheduler did not finish", saved);
  }
  return 0;
}
