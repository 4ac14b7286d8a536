// The step kinds that run as `tame __step KIND`, one function each, in the
// files named after them.
#ifndef TAME_RUNNER_STEPS_KINDS_H_
#define TAME_RUNNER_STEPS_KINDS_H_

#include "runner/steps/step.h"

namespace tame {

int RunApproval(const StepContext& context);     // approval.cc
int RunMetricsGate(const StepContext& context);  // metrics_gate.cc
int RunNotify(const StepContext& context);       // notify.cc

}  // namespace tame

#endif  // TAME_RUNNER_STEPS_KINDS_H_
