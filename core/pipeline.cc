#include "core/pipeline.h"

namespace tame {

bool Step::operator==(const Step& o) const {
  return id == o.id && name == o.name && uses == o.uses && needs == o.needs && with == o.with &&
         env == o.env && if_condition == o.if_condition && timeout == o.timeout &&
         retries == o.retries && cache == o.cache && outputs == o.outputs &&
         continue_on_error == o.continue_on_error && extensions == o.extensions;
}

bool Pipeline::operator==(const Pipeline& o) const {
  return version == o.version && name == o.name && description == o.description &&
         params == o.params && secrets == o.secrets && steps == o.steps && layout == o.layout &&
         extensions == o.extensions;
}

int Pipeline::FindStep(const std::string& id) const {
  for (size_t i = 0; i < steps.size(); ++i) {
    if (steps[i].id == id) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace tame
