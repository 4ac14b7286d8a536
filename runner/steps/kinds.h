// The step kinds that run as `tame __step KIND`, one function each, in the
// files named after them.
#ifndef TAME_RUNNER_STEPS_KINDS_H_
#define TAME_RUNNER_STEPS_KINDS_H_

#include "runner/steps/step.h"

namespace tame {

int RunApproval(const StepContext& context);     // approval.cc
int RunDockerBuild(const StepContext& context);  // docker_build.cc
int RunDockerPush(const StepContext& context);   // docker_push.cc
int RunGitCheckout(const StepContext& context);  // git_checkout.cc
int RunGitTag(const StepContext& context);       // git_tag.cc
int RunHttpCheck(const StepContext& context);    // http_check.cc
int RunK8sDeploy(const StepContext& context);    // k8s_deploy.cc
int RunMetricsGate(const StepContext& context);  // metrics_gate.cc
int RunNotify(const StepContext& context);       // notify.cc

}  // namespace tame

#endif  // TAME_RUNNER_STEPS_KINDS_H_
