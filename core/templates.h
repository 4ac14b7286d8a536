// The starter templates: pipelines from examples/, compiled into core so that
// `tame init` writes the same bytes the designer's File menu opens.
#ifndef TAME_CORE_TEMPLATES_H_
#define TAME_CORE_TEMPLATES_H_

#include <string>
#include <vector>

namespace tame {

struct Template {
  const char* file;  // "ml-to-k8s.json"
  const char* text;  // the pipeline file, byte for byte
};

/// Every template, in menu order (the first is the default). The reference
/// lives forever.
const std::vector<Template>& Templates();

/// The template named `name`, its file name without ".json"; nullptr when
/// there is none.
const Template* FindTemplate(const std::string& name);

/// A template's name: its file name without ".json".
std::string TemplateName(const Template& t);

/// The "description" of a template's pipeline, or "" when it has none.
std::string TemplateDescription(const Template& t);

}  // namespace tame

#endif  // TAME_CORE_TEMPLATES_H_
