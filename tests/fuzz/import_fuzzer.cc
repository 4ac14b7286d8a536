// libFuzzer harness for tame import: YAML reading, GitHub Actions and GitLab
// CI mapping. Whatever the bytes, nothing may crash or hang, and a pipeline
// that comes out must load, validate and be in canonical form.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/import.h"
#include "core/load.h"
#include "core/save.h"
#include "core/validate.h"

namespace {

void Check(bool ok, const char* what, const std::string& detail) {
  if (ok) return;
  std::fprintf(stderr, "import broken: %s\n%s\n", what, detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  tame::ImportOptions options;
  // The first byte picks the options, so that every path is reached.
  unsigned pick = size ? data[0] : 0;
  options.keep_unknown = pick & 1;
  if (pick & 2) options.approvers = {"alice", "bob"};
  if (pick & 4) {
    options.detect = false;
    options.source = pick & 8 ? tame::ImportSource::kGitLabCi : tame::ImportSource::kGitHubActions;
  }
  tame::ImportResult result = tame::ImportWorkflow(text, "fuzz.yml", options);
  tame::FormatImportReport("fuzz.yml", result);
  if (result.Failed()) return 0;
  tame::LoadResult loaded = tame::LoadAndValidate(result.text);
  Check(loaded.pipeline.has_value(), "the imported pipeline does not validate", result.text);
  Check(tame::SavePipeline(*loaded.pipeline) == result.text, "the import is not canonical",
        result.text);
  return 0;
}
