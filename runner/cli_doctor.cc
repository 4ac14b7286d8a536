// tame doctor FILE: can this host reach what the pipeline's steps will
// reach, through the credentials and proxies a run would use? Each check is
// one line, `ok` or `FAIL`, with a failure's class in fixed words. Nothing
// is changed anywhere: git ls-remote, GETs, a SelfSubjectAccessReview (which
// only asks), and for webhooks a connection that sends nothing.
//
// Structure: CmdDoctor loads the file, params and secrets, then for each
// step substitutes its params and runs the checks of its kind (CheckStep);
// each check appends a Finding, and the findings are printed at the end.
#include <curl/curl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "core/diagnostic.h"
#include "core/params.h"
#include "core/step_inputs.h"
#include "core/validate.h"
#include "runner/cli.h"
#include "runner/files.h"
#include "runner/steps/k8s_client.h"
#include "runner/steps/kubeconfig.h"

namespace tame {
namespace {

struct Finding {
  std::string step;
  std::string kind;
  std::string target;
  bool ok = false;
  bool skipped = false;
  std::string problem;
};

std::string Quoted(const std::string& text) { return "\"" + text + "\""; }

// The class of a transfer that got no HTTP answer, in the fixed words.
std::string TransportClass(int code, const std::string& detail) {
  if (detail.find("CONNECT tunnel failed") != std::string::npos ||
      detail.find("proxy") != std::string::npos || detail.find("Proxy") != std::string::npos ||
      code == CURLE_COULDNT_RESOLVE_PROXY || code == 97 /* CURLE_PROXY */) {
    return "proxy refused";
  }
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
      return "name not found";
    case CURLE_COULDNT_CONNECT:
      return "connection refused";
    case CURLE_OPERATION_TIMEDOUT:
      return "timed out (a firewall may drop it)";
    case CURLE_PEER_FAILED_VERIFICATION:
      if (detail.find("subject name") != std::string::npos ||
          detail.find("does not match") != std::string::npos) {
        return "certificate is for another name";
      }
      return "certificate not trusted";
    case CURLE_SSL_CACERT_BADFILE:
      return "certificate not trusted";
    default:
      return detail.empty() ? curl_easy_strerror(static_cast<CURLcode>(code)) : detail;
  }
}

std::string StatusClass(long status) {
  if (status == 401) return "unauthorized (401)";
  if (status == 403) return "forbidden (403)";
  return "answered " + std::to_string(status);
}

// One GET (or, with `connect_only`, a connection and TLS handshake that
// sends nothing) through libcurl's own reading of the proxy environment.
struct Probe {
  long status = 0;
  int code = CURLE_OK;
  std::string detail;
};

Probe Get(const std::string& url, bool connect_only, const std::string& unix_socket = "") {
  Probe probe;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    probe.code = CURLE_FAILED_INIT;
    probe.detail = curl_easy_strerror(CURLE_FAILED_INIT);
    return probe;
  }
  char detail[CURL_ERROR_SIZE] = "";
  std::string body;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 15000L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "tame doctor");
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, detail);
  curl_easy_setopt(
      curl, CURLOPT_WRITEFUNCTION, +[](char* data, size_t size, size_t count, void* user) {
        auto* text = static_cast<std::string*>(user);
        if (text->size() < 65536) text->append(data, size * count);
        return size * count;
      });
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  if (connect_only) curl_easy_setopt(curl, CURLOPT_CONNECT_ONLY, 1L);
  if (!unix_socket.empty()) curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, unix_socket.c_str());
  CURLcode code = curl_easy_perform(curl);
  if (code == CURLE_OK) {
    if (!connect_only) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &probe.status);
  } else {
    probe.code = code;
    probe.detail = detail;
  }
  curl_easy_cleanup(curl);
  return probe;
}

// scheme://host:port of a URL, without user, path or query (a webhook's
// path may be its secret).
std::string Origin(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return "";
  std::string rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  const size_t at = rest.rfind('@');
  if (at != std::string::npos) rest = rest.substr(at + 1);
  return url.substr(0, scheme + 3) + rest;
}

// A URL without the user and password it may carry.
std::string WithoutUser(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const size_t end = url.find_first_of("/?#", scheme + 3);
  const size_t at = url.rfind('@', end == std::string::npos ? url.size() : end);
  if (at == std::string::npos || at < scheme) return url;
  return url.substr(0, scheme + 3) + url.substr(at + 1);
}

class Doctor {
 public:
  std::vector<Finding> findings;

  void Add(const std::string& step, const std::string& kind, const std::string& target,
           const std::string& problem) {
    findings.push_back(Finding{step, kind, target, problem.empty(), false, problem});
  }

  void Git(const std::string& step, const std::string& repo) {
    std::string output;
    const int status = RunGit({"git", "ls-remote", "--quiet", repo, "HEAD"}, &output);
    Add(step, "git", "ls-remote " + WithoutUser(repo), status == 0 ? "" : GitClass(output));
  }

  void DockerEngine(const std::string& step) {
    const char* host_env = std::getenv("DOCKER_HOST");
    std::string host = host_env != nullptr && *host_env ? host_env : "unix:///var/run/docker.sock";
    Probe ping;
    if (host.rfind("unix://", 0) == 0) {
      ping = Get("http://localhost/_ping", false, host.substr(7));
      if (ping.code == CURLE_OK && ping.status == 200) {
        ping = Get("http://localhost/version", false, host.substr(7));
      }
    } else {
      std::string url = "http://" + host.substr(host.find("://") + 3);
      ping = Get(url + "/_ping", false);
      if (ping.code == CURLE_OK && ping.status == 200) ping = Get(url + "/version", false);
    }
    std::string problem;
    if (ping.code != CURLE_OK) {
      problem = host.rfind("unix://", 0) == 0 && ping.code == CURLE_COULDNT_CONNECT
                    ? "connection refused"
                    : TransportClass(ping.code, ping.detail);
    } else if (ping.status != 200) {
      problem = StatusClass(ping.status);
    }
    Add(step, "docker engine", host + " (ping, version)", problem);
  }

  void Registry(const std::string& step, const std::string& image) {
    std::string host = image.substr(0, image.find('/'));
    if (image.find('/') == std::string::npos ||
        (host.find('.') == std::string::npos && host.find(':') == std::string::npos &&
         host != "localhost")) {
      host = "registry-1.docker.io";
    }
    const bool local = host.rfind("127.", 0) == 0 || host.rfind("localhost", 0) == 0;
    std::string url = "https://" + host + "/v2/";
    Probe probe = Get(url, false);
    if (probe.code != CURLE_OK && local) {
      // The engine talks plain HTTP to registries on this host.
      url = "http://" + host + "/v2/";
      probe = Get(url, false);
    }
    std::string problem;
    if (probe.code != CURLE_OK) {
      problem = TransportClass(probe.code, probe.detail);
    } else if (probe.status != 200 && probe.status != 401) {
      problem = StatusClass(probe.status);  // a 401 challenge means it is there
    }
    Add(step, "registry", url, problem);
  }

  void Kubernetes(const std::string& step, const std::string& kubeconfig,
                  const std::string& context, const std::string& ns) {
    KubeConfig config;
    std::string error;
    if (!LoadKubeConfig(kubeconfig, context, &config, &error)) {
      Add(step, "kubernetes", "kubeconfig", error);
      return;
    }
    const std::string where =
        config.context.empty() ? " (in-cluster)" : " (context " + Quoted(config.context) + ")";
    K8sClient client(config);
    K8sResponse version = client.Send("GET", "/version", "", "", 15000);
    if (!Kubernetes(step, client, version, config.server + "/version" + where)) return;
    K8sResponse space = client.Send("GET", "/api/v1/namespaces/" + ns, "", "", 15000);
    if (!Kubernetes(step, client, space, "namespace " + Quoted(ns) + where)) return;
    Json review{{"apiVersion", "authorization.k8s.io/v1"},
                {"kind", "SelfSubjectAccessReview"},
                {"spec",
                 {{"resourceAttributes",
                   {{"namespace", ns},
                    {"verb", "patch"},
                    {"group", "apps"},
                    {"resource", "deployments"}}}}}};
    K8sResponse access =
        client.Send("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                    "application/json", review.dump(), 15000);
    const std::string target = "may patch deployments in " + Quoted(ns) + where;
    if (access.ok() && access.json.is_object() && access.json.contains("status") &&
        access.json["status"].is_object() && !access.json["status"].value("allowed", false)) {
      Add(step, "kubernetes", target, "forbidden (403)");
      return;
    }
    Kubernetes(step, client, access, target);
  }

  void Webhook(const std::string& step, const std::string& url) {
    Probe probe = Get(url, true);
    Add(step, "webhook", "connect " + Origin(url),
        probe.code == CURLE_OK ? "" : TransportClass(probe.code, probe.detail));
  }

 private:
  bool Kubernetes(const std::string& step, const K8sClient& client, const K8sResponse& response,
                  const std::string& target) {
    std::string problem;
    if (!response.credential_error.empty()) {
      problem = response.credential_error;
    } else if (response.status == 0) {
      problem = TransportClass(response.transport, response.transport_detail);
    } else if (!response.ok()) {
      problem = response.status == 404 ? "not found (404)" : StatusClass(response.status);
    }
    (void)client;
    Add(step, "kubernetes", target, problem);
    return problem.empty();
  }

  static std::string GitClass(const std::string& output) {
    auto has = [&](const char* text) { return output.find(text) != std::string::npos; };
    if (has("Could not resolve proxy") || has("CONNECT tunnel failed") ||
        has("Received HTTP code 403 from proxy"))
      return "proxy refused";
    if (has("Could not resolve host") || has("Name or service not known")) return "name not found";
    if (has("Connection refused") || has("Couldn't connect")) return "connection refused";
    if (has("timed out")) return "timed out (a firewall may drop it)";
    if (has("no alternative certificate subject name")) return "certificate is for another name";
    if (has("SSL certificate problem") || has("server certificate verification failed")) {
      return "certificate not trusted";
    }
    if (has("401") || has("Authentication failed") || has("could not read Username")) {
      return "unauthorized (401)";
    }
    if (has("403")) return "forbidden (403)";
    std::string line = output.substr(0, output.find('\n'));
    return line.empty() ? "git ls-remote failed" : line;
  }

  static int RunGit(const std::vector<std::string>& argv, std::string* output) {
    int fds[2];
    if (pipe(fds) != 0) return -1;
    pid_t pid = fork();
    if (pid == 0) {
      dup2(fds[1], 1);
      dup2(fds[1], 2);
      close(fds[0]);
      close(fds[1]);
      setenv("GIT_TERMINAL_PROMPT", "0", 1);
      setenv("GIT_ASKPASS", "/bin/false", 1);
      std::vector<char*> args;
      for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execvp("git", args.data());
      _exit(127);
    }
    close(fds[1]);
    char buffer[4096];
    ssize_t n;
    while ((n = read(fds[0], buffer, sizeof buffer)) > 0) {
      if (output->size() < 65536) output->append(buffer, n);
    }
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
};

std::string Text(const Json& with, const char* key, const std::string& fallback = "") {
  auto it = with.find(key);
  return it != with.end() && it->is_string() ? it->get<std::string>() : fallback;
}

// The references in `with` that only a run knows (step outputs, run.id).
std::string RunTimeReference(const Step& step) {
  for (const Reference& ref : StepReferences(step)) {
    if (ref.kind == RefKind::kStepOutput || ref.kind == RefKind::kRunId) {
      return "${{ " + ref.Text() + " }}";
    }
  }
  return "";
}

void CheckStep(Doctor& doctor, const Step& step, const Json& with, const std::string& later) {
  const std::string& id = step.id;
  auto skip = [&](const std::string& kind, const std::string& what) {
    doctor.findings.push_back(
        Finding{id, kind, what, true, true, "known only at run time (" + later + ")"});
  };
  if (step.uses == "git.checkout") {
    if (!later.empty() && Text(with, "repo").find("${{") != std::string::npos) {
      return skip("git", "repo");
    }
    doctor.Git(id, Text(with, "repo"));
  } else if (step.uses == "docker.build") {
    doctor.DockerEngine(id);
  } else if (step.uses == "docker.push") {
    doctor.DockerEngine(id);
    const std::string image = Text(with, "image");
    if (image.find("${{") != std::string::npos) return skip("registry", "image");
    doctor.Registry(id, Text(with, "registry").empty() ? image : Text(with, "registry") + "/");
  } else if (step.uses == "k8s.deploy") {
    doctor.Kubernetes(id, Text(with, "kubeconfig"), Text(with, "context"),
                      Text(with, "namespace", "default"));
  } else if (step.uses == "notify" || (step.uses == "approval" && with.contains("notify"))) {
    const std::string url = Text(with, step.uses == "notify" ? "webhook" : "notify");
    if (url.find("${{") != std::string::npos || url.empty()) return skip("webhook", "url");
    doctor.Webhook(id, url);
  }
}

}  // namespace

int CmdDoctor(const Args& args) {
  const std::string path = args.positional[0];
  LoadOptions options;
  std::string text, error;
  if (!ReadFile(path, options.limits.max_bytes, &text, &error)) {
    std::cerr << path << ": " << error << "\n";
    return kExitInvalid;
  }
  LoadResult loaded = LoadAndValidate(text, options);
  if (!loaded.errors.empty()) {
    for (const Diagnostic& d : loaded.errors) std::cerr << FormatDiagnostic(path, d) << "\n";
    return kExitInvalid;
  }
  const Pipeline& pipeline = *loaded.pipeline;
  std::map<std::string, Json> params;
  auto it = args.values.find("--param");
  std::vector<std::string> assignments =
      it == args.values.end() ? std::vector<std::string>() : it->second;
  if (!ResolveParams(pipeline, assignments, &params, &error)) {
    std::cerr << "tame: " << error << "\n";
    return kExitInvalid;
  }
  std::map<std::string, std::string> secrets;
  const std::string secrets_file = args.Value("--secrets-file");
  if (!secrets_file.empty()) {
    std::string secrets_text;
    if (!ReadFile(secrets_file, 1 << 20, &secrets_text, &error) ||
        !ParseSecretsText(secrets_text, &secrets, &error)) {
      std::cerr << "tame: " << secrets_file << ": " << error << "\n";
      return kExitInvalid;
    }
  }
  for (const auto& [name, decl] : pipeline.secrets) {
    const std::string var = decl.env.empty() ? name : decl.env;
    const char* value = decl.from == "env" ? std::getenv(var.c_str()) : nullptr;
    if (secrets.count(name) == 0 && value != nullptr) secrets[name] = value;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  Doctor doctor;
  for (const Step& step : pipeline.steps) {
    auto value = [&](const Reference& ref) -> std::string {
      if (ref.kind == RefKind::kParam) {
        auto p = params.find(ref.name);
        return p == params.end() ? "" : ParamText(p->second);
      }
      if (ref.kind == RefKind::kSecret) {
        auto s = secrets.find(ref.name);
        return s == secrets.end() ? "${{ secrets." + ref.name + " }}" : s->second;
      }
      return "${{ " + ref.Text() + " }}";
    };
    auto param_json = [&](const Reference& ref) -> Json {
      auto p = params.find(ref.name);
      return ref.kind == RefKind::kParam && p != params.end() ? p->second : Json();
    };
    Json with;
    if (!SubstituteReferences(step.with, value, param_json, &with, &error)) continue;
    CheckStep(doctor, step, with, RunTimeReference(step));
  }
  bool all_ok = true;
  if (args.Has("--json")) {
    Json out = Json::array();
    for (const Finding& f : doctor.findings) {
      all_ok = all_ok && f.ok;
      out.push_back({{"step", f.step},
                     {"kind", f.kind},
                     {"target", f.target},
                     {"ok", f.skipped ? Json() : Json(f.ok)},
                     {"problem", f.problem.empty() ? Json() : Json(f.problem)}});
    }
    std::cout << out.dump(2) << "\n";
  } else {
    for (const Finding& f : doctor.findings) {
      all_ok = all_ok && f.ok;
      std::cout << (f.skipped ? "skip"
                    : f.ok    ? "ok  "
                              : "FAIL")
                << " " << f.step << ": " << f.kind << " " << f.target
                << (f.problem.empty() ? "" : ": " + f.problem) << "\n";
    }
  }
  return all_ok ? kExitOk : kExitFailed;
}

}  // namespace tame
