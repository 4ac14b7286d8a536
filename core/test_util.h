// Helpers shared by core's tests.
#ifndef TAME_CORE_TEST_UTIL_H_
#define TAME_CORE_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/diagnostic.h"
#include "core/load.h"
#include "core/validate.h"

namespace tame {

/// The diagnostics of loading and validating `text`, formatted as the CLI
/// prints them for a file named "p.json".
inline std::vector<std::string> Problems(const std::string& text) {
  std::vector<std::string> out;
  for (const Diagnostic& d : LoadAndValidate(text).errors) {
    out.push_back(FormatDiagnostic("p.json", d));
  }
  return out;
}

/// A valid pipeline text with the given steps array body.
inline std::string WithSteps(const std::string& steps_json) {
  return R"({"version": 1, "name": "t", "steps": [)" + steps_json + "]}";
}

/// Loads a pipeline that must be valid.
inline Pipeline MustLoad(const std::string& text) {
  LoadResult r = LoadAndValidate(text);
  if (!r.errors.empty() || !r.pipeline) {
    std::string all;
    for (const Diagnostic& d : r.errors) all += FormatDiagnostic("p.json", d) + "\n";
    ADD_FAILURE() << "pipeline did not load:\n" << all;
    return Pipeline();
  }
  return *r.pipeline;
}

/// The contents of a file below the source tree.
inline std::string SourceFile(const std::string& relative) {
  std::ifstream in(std::string(TAME_SOURCE_DIR) + "/" + relative, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace tame

#endif  // TAME_CORE_TEST_UTIL_H_
