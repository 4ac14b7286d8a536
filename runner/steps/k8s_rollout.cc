#include "runner/steps/k8s_rollout.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "core/masker.h"

namespace tame {
namespace {

constexpr char kRevisionAnnotation[] = "deployment.kubernetes.io/revision";
constexpr int64_t kFirstPollMs = 100;
constexpr int64_t kMaxPollMs = 1000;
constexpr int64_t kMaxRequestMs = 30000;

using Clock = std::chrono::steady_clock;

int64_t IntAt(const Json& object, const char* section, const char* field, int64_t fallback) {
  if (!object.is_object() || !object.contains(section) || !object[section].is_object()) {
    return fallback;
  }
  const Json& s = object[section];
  auto it = s.find(field);
  return it != s.end() && it->is_number_integer() ? it->get<int64_t>() : fallback;
}

std::string Quoted(const std::string& text) { return "\"" + text + "\""; }

}  // namespace

std::string DeploymentPath(const std::string& ns, const std::string& name) {
  std::string path = "/apis/apps/v1/namespaces/" + PercentEncode(ns) + "/deployments";
  return name.empty() ? path : path + "/" + PercentEncode(name);
}

std::string ServicePath(const std::string& ns, const std::string& name) {
  return "/api/v1/namespaces/" + PercentEncode(ns) + "/services/" + PercentEncode(name);
}

std::string RevisionOf(const Json& object) {
  if (!object.is_object() || !object.contains("metadata")) return "";
  const Json& metadata = object["metadata"];
  if (!metadata.is_object() || !metadata.contains("annotations")) return "";
  const Json& annotations = metadata["annotations"];
  if (!annotations.is_object()) return "";
  auto it = annotations.find(kRevisionAnnotation);
  return it != annotations.end() && it->is_string() ? it->get<std::string>() : "";
}

bool GenerationObserved(const Json& deployment) {
  return IntAt(deployment, "metadata", "generation", 0) <=
         IntAt(deployment, "status", "observedGeneration", 0);
}

RolloutVerdict JudgeRollout(const Json& deployment) {
  RolloutVerdict verdict;
  const std::string name =
      deployment.contains("metadata") ? deployment["metadata"].value("name", "") : "";
  if (!GenerationObserved(deployment)) {
    verdict.line = "Waiting for deployment spec update to be observed...";
    return verdict;
  }
  const Json& status = deployment.contains("status") ? deployment["status"] : Json();
  if (status.is_object() && status.contains("conditions") && status["conditions"].is_array()) {
    for (const Json& condition : status["conditions"]) {
      if (condition.is_object() && condition.value("type", "") == "Progressing" &&
          condition.value("reason", "") == "ProgressDeadlineExceeded") {
        verdict.failed = true;
        verdict.line = "deployment " + Quoted(name) + " exceeded its progress deadline";
        return verdict;
      }
    }
  }
  const int64_t wanted = IntAt(deployment, "spec", "replicas", 1);
  const int64_t replicas = IntAt(deployment, "status", "replicas", 0);
  const int64_t updated = IntAt(deployment, "status", "updatedReplicas", 0);
  const int64_t available = IntAt(deployment, "status", "availableReplicas", 0);
  const std::string waiting = "Waiting for deployment " + Quoted(name) + " rollout to finish: ";
  if (updated < wanted) {
    verdict.line = waiting + std::to_string(updated) + " out of " + std::to_string(wanted) +
                   " new replicas have been updated...";
  } else if (replicas > updated) {
    verdict.line =
        waiting + std::to_string(replicas - updated) + " old replicas are pending termination...";
  } else if (available < updated) {
    verdict.line = waiting + std::to_string(available) + " of " + std::to_string(updated) +
                   " updated replicas are available...";
  } else {
    verdict.done = true;
    verdict.line = "deployment " + Quoted(name) + " successfully rolled out";
  }
  return verdict;
}

// The loop polls rather than watches: one GET a second at most, which any
// API server bears, and nothing to resume when a watch breaks.
WaitResult WaitForRollout(K8sClient& client, const std::string& ns, const std::string& name,
                          int64_t timeout_ms, std::ostream& log) {
  WaitResult result;
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  const std::string path = DeploymentPath(ns, name);
  int64_t delay = kFirstPollMs;
  std::string last_line, last_problem;
  for (;;) {
    int64_t remaining =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (remaining <= 0) {
      result.outcome = WaitOutcome::kTimedOut;
      result.message = last_line.empty() ? "the API did not tell how the rollout went"
                                         : "it was at: " + last_line;
      return result;
    }
    const int64_t request_ms = std::max<int64_t>(1000, std::min(remaining, kMaxRequestMs));
    K8sResponse response = client.Send("GET", path, "", "", request_ms);
    if (!response.ok()) {
      std::string problem = client.Explain(response, "read Deployment " + Quoted(name));
      if (!K8sClient::Transient(response)) {
        result.outcome = WaitOutcome::kApiError;
        result.message = problem;
        return result;
      }
      if (problem != last_problem) log << "warning: " << problem << "; asking again\n";
      last_problem = problem;
    } else {
      last_problem.clear();
      result.deployment = response.json;
      RolloutVerdict verdict = JudgeRollout(response.json);
      if (verdict.line != last_line) log << verdict.line << "\n";
      last_line = verdict.line;
      if (verdict.done || verdict.failed) {
        result.outcome = verdict.done ? WaitOutcome::kRolledOut : WaitOutcome::kFailed;
        result.message = verdict.line;
        return result;
      }
    }
    remaining =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::max<int64_t>(0, std::min(delay, remaining))));
    delay = std::min(delay * 2, kMaxPollMs);
  }
}

bool RevisionTemplate(K8sClient& client, const Json& deployment, const std::string& revision,
                      Json* pod_template, std::string* error) {
  const Json& metadata = deployment["metadata"];
  const std::string ns = metadata.value("namespace", "");
  const std::string uid = metadata.value("uid", "");
  std::string selector;
  const Json& spec = deployment["spec"];
  if (spec.is_object() && spec.contains("selector") && spec["selector"].is_object() &&
      spec["selector"].contains("matchLabels") && spec["selector"]["matchLabels"].is_object()) {
    for (const auto& [key, value] : spec["selector"]["matchLabels"].items()) {
      if (!value.is_string()) continue;
      selector += (selector.empty() ? "" : ",") + key + "=" + value.get<std::string>();
    }
  }
  std::string path = "/apis/apps/v1/namespaces/" + PercentEncode(ns) + "/replicasets";
  if (!selector.empty()) path += "?labelSelector=" + PercentEncode(selector);
  K8sResponse response = client.Send("GET", path);
  if (!response.ok() || !response.json.contains("items") || !response.json["items"].is_array()) {
    *error = response.ok() ? "the API's list of ReplicaSets has no items"
                           : client.Explain(response, "list ReplicaSets");
    return false;
  }
  for (const Json& rs : response.json["items"]) {
    if (RevisionOf(rs) != revision || !rs.contains("metadata")) continue;
    bool owned = false;
    const Json& rs_metadata = rs["metadata"];
    if (rs_metadata.contains("ownerReferences") && rs_metadata["ownerReferences"].is_array()) {
      for (const Json& owner : rs_metadata["ownerReferences"]) {
        owned = owned || (owner.is_object() && owner.value("uid", "") == uid);
      }
    }
    if (!owned || !rs.contains("spec") || !rs["spec"].contains("template")) continue;
    *pod_template = rs["spec"]["template"];
    if (pod_template->contains("metadata") && (*pod_template)["metadata"].is_object()) {
      Json& template_metadata = (*pod_template)["metadata"];
      template_metadata.erase("creationTimestamp");
      if (template_metadata.contains("labels") && template_metadata["labels"].is_object()) {
        template_metadata["labels"].erase("pod-template-hash");
      }
    }
    return true;
  }
  *error = "no ReplicaSet of deployment " + Quoted(metadata.value("name", "")) +
           " carries revision " + revision +
           " any more (spec.revisionHistoryLimit may have "
           "removed it)";
  return false;
}

}  // namespace tame
