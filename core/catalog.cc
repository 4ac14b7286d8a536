#include "core/catalog.h"

#include "core/gate.h"

namespace tame {
namespace {

using T = ParamType;

ParamSpec P(std::string name, ParamType type, bool required, std::string default_json,
            std::string doc) {
  ParamSpec p;
  p.name = std::move(name);
  p.type = type;
  p.required = required;
  p.default_json = std::move(default_json);
  p.doc = std::move(doc);
  return p;
}

ParamSpec Enum(std::string name, std::vector<std::string> choices, std::string default_json,
               std::string doc) {
  ParamSpec p = P(std::move(name), T::kEnum, false, std::move(default_json), std::move(doc));
  p.choices = std::move(choices);
  return p;
}

ParamSpec Required(ParamSpec p) {
  p.required = true;
  return p;
}

// A param naming a place written to: validation keeps it in the workspace.
ParamSpec InWorkspace(ParamSpec p) {
  p.in_workspace = true;
  return p;
}

// A URL that ends up stored (.git/config): credentials go in a secret.
ParamSpec NoCredentials(ParamSpec p) {
  p.no_credentials = true;
  return p;
}

ParamSpec Min(ParamSpec p, std::string min) {
  p.min = std::move(min);
  return p;
}

ParamSpec Range(ParamSpec p, std::string min, std::string max) {
  p.min = std::move(min);
  p.max = std::move(max);
  return p;
}

// An object param (or, with T::kObjectList, a list of such objects).
ParamSpec Object(std::string name, ParamType type, std::string doc, std::vector<ParamSpec> fields) {
  ParamSpec p = P(std::move(name), type, false, "", std::move(doc));
  p.fields = std::move(fields);
  return p;
}

std::vector<KindSpec> MakeCatalog() {
  std::vector<KindSpec> kinds;

  kinds.push_back(KindSpec{
      "git.checkout",
      "Git checkout",
      Category::kSource,
      0xF05033,
      "Clone a repository, or fetch it when the path already holds a clone, "
      "and check out a branch, tag or commit.",
      {NoCredentials(P("repo", T::kString, true, "", "URL or path of the repository.")),
       P("ref", T::kString, false, "",
         "Branch, tag or commit to check out; the remote's default branch "
         "when empty."),
       Min(P("depth", T::kInteger, false, "0",
             "Fetch only this many commits; 0 fetches the whole history."),
           "0"),
       InWorkspace(P("path", T::kString, false, "",
                     "Folder in the workspace to check out into; the repository's name "
                     "when empty.")),
       P("token", T::kSecretRef, false, "", "Secret holding an access token for HTTPS remotes.")},
      {{"sha", "The commit that was checked out."},
       {"path", "The folder it was checked out into."}},
      false});

  kinds.push_back(KindSpec{"shell",
                           "Shell command",
                           Category::kBuildAndTest,
                           0x4E9A06,
                           "Run a command. References in `run` reach the shell as environment "
                           "variables, never as shell text. Append name=value lines to "
                           "$TAME_OUTPUT to publish outputs.",
                           {P("run", T::kText, true, "", "The script to run."),
                            P("shell", T::kString, false, "\"bash\"",
                              "The interpreter: bash, sh, or any program that takes a script "
                              "file as its last argument."),
                            InWorkspace(P("workdir", T::kString, false, "",
                                          "Folder to run in, relative to the workspace."))},
                           {},
                           true});

  kinds.push_back(KindSpec{
      "docker.build",
      "Docker build",
      Category::kBuildAndTest,
      0x2496ED,
      "Build an image with the Docker Engine API from a context folder.",
      {P("context", T::kString, false, "\".\"", "Folder sent to the engine as the build context."),
       P("dockerfile", T::kString, false, "\"Dockerfile\"",
         "Dockerfile path, relative to the context."),
       P("tags", T::kStringList, false, "",
         "Names to tag the image with, such as registry/name:tag."),
       P("build_args", T::kStringMap, false, "", "Build-time variables."),
       P("target", T::kString, false, "", "Build stage to stop at.")},
      {{"image_id", "The built image's id (sha256:...)."},
       {"image", "Its first tag, the name docker.push takes."}},
      false});

  kinds.push_back(KindSpec{
      "metrics.gate",
      "Metrics gate",
      Category::kGates,
      0xC4A000,
      "Fail when a metric misses its threshold, or drops below a baseline "
      "by more than the tolerance.",
      {P("file", T::kString, true, "", "Metrics file (JSON or CSV)."),
       Enum("format", {"auto", "json", "csv"}, "\"auto\"",
            "File format; auto goes by the file name's extension."),
       P("rules", T::kRules, true, "",
         "Checks such as { \"metric\": \"accuracy\", \"op\": \">=\", "
         "\"value\": 0.9 }; nested JSON keys by dot path."),
       P("row", T::kString, false, "",
         "CSV only: the row whose first column has this value; the last row "
         "when empty."),
       P("baseline", T::kString, false, "",
         "Metrics file of the current model to compare against."),
       Min(P("tolerance", T::kNumber, false, "0", "How far a metric may fall behind its baseline."),
           "0"),
       Enum("tolerance_kind", {"relative", "absolute"}, "\"relative\"",
            "relative: a fraction of the baseline (0.01 is 1%); absolute: "
            "in the metric's own units.")},
      {{"report", "Path of the gate's JSON report."}},
      false});

  kinds.push_back(KindSpec{
      "approval",
      "Approval",
      Category::kGates,
      0x75507B,
      "Wait until the required number of distinct approvers have signed "
      "off with their SSH keys, one of them rejects, or the timeout passes.",
      {P("approvers", T::kStringList, true, "",
         "People who may sign off, as named in allowed_signers."),
       Min(P("required", T::kInteger, false, "1", "How many distinct approvers must sign off."),
           "1"),
       P("timeout", T::kDuration, false, "\"24h\"", "How long to wait before failing."),
       P("allowed_signers", T::kString, false, "\"allowed_signers\"",
         "File mapping approvers to SSH public keys (ssh-keygen's "
         "ALLOWED SIGNERS format)."),
       P("exclude_initiator", T::kBoolean, false, "false",
         "Refuse a sign-off by the key that started the run (tame run --key KEY), under any of its "
         "names."),
       P("notify", T::kSecretRef, false, "",
         "Secret holding a webhook URL to tell when approval is pending.")},
      {{"approved_by", "Comma-separated names of those who approved."}},
      false});

  kinds.push_back(KindSpec{
      "http.check",
      "HTTP check",
      Category::kGates,
      0x06989A,
      "Smoke-test an endpoint: GET it until it answers as expected.",
      {P("url", T::kString, true, "", "The URL to GET."),
       Min(P("expect_status", T::kInteger, false, "200", "The status code that counts as success."),
           "100"),
       P("contains", T::kString, false, "", "Text the response body must contain."),
       Min(P("retries", T::kInteger, false, "5", "Further tries after the first one fails."), "0"),
       P("interval", T::kDuration, false, "\"2s\"",
         "Wait between tries; doubles each time, up to 30s."),
       P("request_timeout", T::kDuration, false, "\"10s\"", "Limit for one request.")},
      {{"status", "The last status code received."}},
      false});

  kinds.push_back(KindSpec{
      "docker.push",
      "Docker push",
      Category::kShip,
      0x0DB7ED,
      "Push an image to a registry and report its digest.",
      {P("image", T::kString, true, "",
         "Image to push, such as "
         "127.0.0.1:5000/iris:1.0."),
       P("registry", T::kString, false, "", "Registry host; taken from the image name when empty."),
       P("username", T::kString, false, "", "Registry user name."),
       P("password", T::kSecretRef, false, "",
         "Secret holding the registry password or token; "
         "~/.docker/config.json is used when empty.")},
      {{"digest", "The pushed manifest's digest (sha256:...)."},
       {"ref", "The image reference by digest, name@sha256:..."}},
      false});

  kinds.push_back(KindSpec{
      "k8s.deploy",
      "Kubernetes deploy",
      Category::kShip,
      0x326CE5,
      "Apply a Deployment and a Service, wait for the rollout, and roll "
      "back when it fails.",
      {P("image", T::kString, true, "", "Image to run, best by digest."),
       P("name", T::kString, true, "", "Name of the Deployment and Service."),
       P("namespace", T::kString, false, "\"default\"", "Namespace to deploy into."),
       Min(P("replicas", T::kInteger, false, "1", "Pods to run."), "0"),
       Min(P("port", T::kInteger, false, "8080", "Container port the Service sends traffic to."),
           "1"),
       P("manifest", T::kString, false, "",
         "A manifest file to apply instead of the generated one; its "
         "container image is set to `image`."),
       P("env", T::kStringMap, false, "", "Environment of the container."),
       P("labels", T::kStringMap, false, "", "Extra labels."),
       P("resources", T::kStringMap, false, "",
         "Container resources as requests.NAME or limits.NAME, such as "
         "{\"requests.cpu\": \"250m\", \"limits.memory\": \"512Mi\"}."),
       P("wait", T::kBoolean, false, "true", "Wait for the rollout."),
       P("rollout_timeout", T::kDuration, false, "\"5m\"",
         "How long the rollout may take before it is rolled back."),
       P("rollback", T::kBoolean, false, "true",
         "Roll back to the previous revision when the rollout fails."),
       P("check_url", T::kString, false, "",
         "A URL to GET after the rollout; when it does not answer 2xx, the "
         "rollout is rolled back."),
       P("check_contains", T::kString, false, "", "Text the check's response body must contain."),
       Min(P("check_retries", T::kInteger, false, "5",
             "Further tries of the check after the first one fails."),
           "0"),
       P("context", T::kString, false, "",
         "The kubeconfig context to use; its current-context when empty."),
       P("kubeconfig", T::kString, false, "",
         "The kubeconfig file; $KUBECONFIG, then ~/.kube/config when empty. "
         "Inside a pod, its service account is used when there is none."),
       Object(
           "ingress", T::kObject,
           "Make an Ingress to the Service, so that people outside the "
           "cluster reach it.",
           {P("host", T::kString, true, "", "The host name people use, such as iris.example.org."),
            P("path", T::kString, false, "\"/\"", "The path prefix to route."),
            P("class", T::kString, false, "",
              "The ingress class, such as nginx; the cluster's default when empty."),
            P("tls_secret", T::kString, false, "",
              "A TLS Secret in the namespace; the url is https when set.")}),
       Object("autoscale", T::kObject,
              "Make a HorizontalPodAutoscaler on CPU utilisation; replicas "
              "then only seeds a new Deployment. Needs resources requests.cpu.",
              {Min(P("min", T::kInteger, false, "1", "Fewest pods."), "1"),
               Min(P("max", T::kInteger, true, "", "Most pods."), "1"),
               Range(P("cpu", T::kInteger, false, "80",
                       "Target CPU utilisation, percent of the request."),
                     "1", "100")}),
       Enum("strategy", {"rolling", "canary", "blue-green"}, "\"rolling\"",
            "How the new version takes over: rolling (the Deployment's own "
            "update), canary (a share of pods at each step, judged by the "
            "analysis) or blue-green (a full new version, switched to when "
            "its analysis passes)."),
       Object(
           "canary_steps", T::kObjectList,
           "For the canary strategy: the share of pods the new version gets at "
           "each step, and the least time it stays there.",
           {Range(P("weight", T::kInteger, true, "", "Percent of the pods, 1 to 100."), "1", "100"),
            P("pause", T::kDuration, false, "\"0s\"",
              "The least time at this weight; the analysis may hold it longer.")}),
       P("scale_down_delay", T::kDuration, false, "\"30s\"",
         "For blue-green: how long the old version is kept after the switch."),
       Object("analysis", T::kObject,
              "Live metrics that judge the new version while it serves; a failed "
              "analysis aborts the release and leaves the stable version serving.",
              {P("prometheus", T::kString, false, "",
                 "The Prometheus HTTP API to ask for queries, such as "
                 "http://prometheus.monitoring:9090."),
               P("token", T::kSecretRef, false, "", "A bearer token for Prometheus."),
               P("interval", T::kDuration, false, "\"30s\"", "Time between measurements."),
               Range(P("count", T::kInteger, false, "5", "How many measurements to take."), "1",
                     "10000"),
               Min(P("failure_limit", T::kInteger, false, "0",
                     "Failed (or, at the end, inconclusive) measurements of a metric "
                     "allowed before the release is aborted."),
                   "0"),
               Required(Object("metrics", T::kObjectList,
                               "What to measure: a Prometheus query, or a number in a JSON "
                               "document at url.",
                               {P("name", T::kString, true, "", "The metric's name in reports."),
                                P("query", T::kText, false, "",
                                  "A PromQL instant query answering a scalar or one series."),
                                P("url", T::kString, false, "", "A JSON document over HTTP."),
                                P("json_path", T::kString, false, "",
                                  "The dot path of the number in that document."),
                                Required(Enum("op", RuleOps(), "", "How the value compares.")),
                                P("value", T::kNumber, true, "", "The threshold.")}))})},
      {{"revision", "The Deployment's revision after the rollout."},
       {"url",
        "Where people reach the service: https://HOST/PATH with ingress and "
        "tls_secret, http://HOST/PATH with ingress, else "
        "http://NAME.NAMESPACE.svc:PORT inside the cluster."}},
      false});

  kinds.push_back(KindSpec{
      "git.tag",
      "Git tag",
      Category::kShip,
      0xF05033,
      "Create an annotated tag at the checked-out commit, and push it when "
      "asked.",
      {InWorkspace(P("path", T::kString, false, "\".\"", "The repository's folder.")),
       P("tag", T::kString, true, "", "Tag name, such as v1.2.0."),
       P("message", T::kString, false, "", "Tag message; the tag when empty."),
       P("push", T::kBoolean, false, "false", "Push the tag."),
       P("remote", T::kString, false, "\"origin\"", "Remote to push to."),
       P("token", T::kSecretRef, false, "", "Secret holding an access token for HTTPS remotes.")},
      {{"tag", "The tag that was created."}},
      false});

  kinds.push_back(
      KindSpec{"notify",
               "Notify",
               Category::kNotify,
               0xCE5C00,
               "POST a JSON message to a webhook. A failed notification is a "
               "warning, not a failure.",
               {P("webhook", T::kSecretRef, true, "", "Secret holding the webhook URL."),
                P("message", T::kText, true, "", "The message text.")},
               {{"delivered",
                 "\"true\" when the webhook took the message, \"false\" when it was "
                 "not delivered (a warning, not a failure)."}},
               false});

  return kinds;
}

}  // namespace

const char* ParamTypeName(ParamType type) {
  switch (type) {
    case ParamType::kString:
      return "string";
    case ParamType::kText:
      return "text";
    case ParamType::kInteger:
      return "integer";
    case ParamType::kNumber:
      return "number";
    case ParamType::kBoolean:
      return "boolean";
    case ParamType::kDuration:
      return "duration";
    case ParamType::kEnum:
      return "enum";
    case ParamType::kStringList:
      return "list of strings";
    case ParamType::kStringMap:
      return "map of strings";
    case ParamType::kSecretRef:
      return "secret reference";
    case ParamType::kRules:
      return "rules";
    case ParamType::kObject:
      return "object";
    case ParamType::kObjectList:
      return "list of objects";
  }
  return "unknown";
}

const char* CategoryName(Category category) {
  switch (category) {
    case Category::kSource:
      return "Source";
    case Category::kBuildAndTest:
      return "Build and test";
    case Category::kGates:
      return "Gates";
    case Category::kShip:
      return "Ship";
    case Category::kNotify:
      return "Notify";
  }
  return "Other";
}

const std::vector<KindSpec>& Catalog() {
  static const std::vector<KindSpec>* const kinds = new std::vector<KindSpec>(MakeCatalog());
  return *kinds;
}

const KindSpec* FindKind(const std::string& uses) {
  for (const KindSpec& kind : Catalog()) {
    if (kind.uses == uses) return &kind;
  }
  return nullptr;
}

const ParamSpec* FindParam(const KindSpec& kind, const std::string& name) {
  for (const ParamSpec& param : kind.params) {
    if (param.name == name) return &param;
  }
  return nullptr;
}

const ParamSpec* FindField(const ParamSpec& spec, const std::string& name) {
  for (const ParamSpec& field : spec.fields) {
    if (field.name == name) return &field;
  }
  return nullptr;
}

std::string KindDetailsKey(const std::string& uses) {
  if (uses == "metrics.gate") return "gate";
  if (uses == "approval") return "approvals";
  if (uses == "k8s.deploy") return "analysis";  // a release's measurements
  return "";
}

bool KindWaitsForPeople(const std::string& uses) { return uses == "approval"; }

}  // namespace tame
