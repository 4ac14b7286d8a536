// Who starts a run, proven: a pipeline with an approval step that excludes
// its initiator starts only with `tame run --key KEY`. tame signs the run's
// start statement with that key; the approval step checks it against its
// allowed_signers and refuses that key's sign-offs under any of its names.
#ifndef TAME_RUNNER_RUN_INITIATOR_H_
#define TAME_RUNNER_RUN_INITIATOR_H_

#include <string>
#include <vector>

#include "core/pipeline.h"

namespace tame {

/// The approval steps of `pipeline` whose exclude_initiator is on: true,
/// or a reference (whose value is only known when the step runs). Steps
/// that `not_selected` marks (a partial run leaves them out) are not among
/// them.
std::vector<int> StepsExcludingInitiator(const Pipeline& pipeline,
                                         const std::vector<bool>& not_selected = {});

/// Before `tame run` creates anything: with such steps, `key` must be
/// given, be a readable regular file, and sign for a name in each of their
/// allowed_signers files (those not given as references). Returns false
/// with the message the user sees otherwise.
bool CheckInitiatorKey(const Pipeline& pipeline, const std::string& workspace,
                       const std::string& key, std::string* error,
                       const std::vector<bool>& not_selected = {});

/// `tame resume`: a run with such steps keeps the proof its start made
/// (initiator.statement in its folder); false with the message otherwise.
bool CheckRunStartKept(const Pipeline& pipeline, const std::string& run_dir, std::string* error,
                       const std::vector<bool>& not_selected = {});

}  // namespace tame

#endif  // TAME_RUNNER_RUN_INITIATOR_H_
