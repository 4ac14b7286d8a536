#include "core/templates.h"

#include <nlohmann/json.hpp>

namespace tame {

std::string TemplateName(const Template& t) {
  std::string name = t.file;
  const std::string suffix = ".json";
  if (name.size() > suffix.size() &&
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
    name.resize(name.size() - suffix.size());
  }
  return name;
}

const Template* FindTemplate(const std::string& name) {
  for (const Template& t : Templates()) {
    if (TemplateName(t) == name) return &t;
  }
  return nullptr;
}

std::string TemplateDescription(const Template& t) {
  nlohmann::json doc = nlohmann::json::parse(t.text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return "";
  auto it = doc.find("description");
  return it != doc.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace tame
