// The starter templates: pipelines from examples/, compiled into the designer.
#ifndef TAME_DESIGNER_WASM_TEMPLATES_H_
#define TAME_DESIGNER_WASM_TEMPLATES_H_

#include <vector>

namespace tame::designer {

struct Template {
  const char* file;  // "ml-to-k8s.json"
  const char* text;  // the pipeline file
};

/// Every template, in menu order. The reference lives forever.
const std::vector<Template>& Templates();

}  // namespace tame::designer

#endif  // TAME_DESIGNER_WASM_TEMPLATES_H_
