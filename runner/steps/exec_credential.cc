#include "runner/steps/exec_credential.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "core/pipeline.h"

extern char** environ;

namespace tame {
namespace {

constexpr size_t kMaxPluginOutput = 1u << 20;
constexpr int kPluginTimeoutMs = 120000;

bool IsExecutable(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

// The program to run: a path with a slash as written (relative ones against
// the kubeconfig's folder, as client-go does), else the first match on PATH.
std::string Resolve(const ExecPlugin& plugin) {
  const std::string& command = plugin.command;
  if (command.find('/') != std::string::npos) {
    std::string path = command[0] == '/' ? command : plugin.kubeconfig_dir + "/" + command;
    return IsExecutable(path) ? path : "";
  }
  const char* path_env = std::getenv("PATH");
  std::string dirs = path_env != nullptr ? path_env : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    if (dir.empty()) dir = ".";
    if (IsExecutable(dir + "/" + command)) return dir + "/" + command;
    start = end + 1;
  }
  return "";
}

std::string ExecInfo(const ExecPlugin& plugin) {
  Json spec{{"interactive", false}};
  if (plugin.provide_cluster_info) {
    spec["cluster"] = Json::parse(plugin.cluster_json, nullptr, /*allow_exceptions=*/false);
  }
  Json info{{"apiVersion", plugin.api_version}, {"kind", "ExecCredential"}, {"spec", spec}};
  return info.dump();
}

// Runs `path` with the plugin's args and env; stdin is /dev/null. Fills
// `out` and `err`; returns the exit status, or -1 with `error` set.
int Spawn(const std::string& path, const ExecPlugin& plugin, std::string* out, std::string* err,
          std::string* error) {
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    *error = std::string("cannot make a pipe: ") + std::strerror(errno);
    return -1;
  }
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    *error = std::string("cannot make a pipe: ") + std::strerror(errno);
    close(out_pipe[0]);
    close(out_pipe[1]);
    return -1;
  }
  std::vector<std::string> env_text;
  for (char** e = environ; *e != nullptr; ++e) env_text.push_back(*e);
  for (const auto& [name, value] : plugin.env) env_text.push_back(name + "=" + value);
  env_text.push_back("KUBERNETES_EXEC_INFO=" + ExecInfo(plugin));
  std::vector<char*> envp;
  for (std::string& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_text{plugin.command};
  argv_text.insert(argv_text.end(), plugin.args.begin(), plugin.args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);

  pid_t pid = fork();
  if (pid < 0) {
    *error = std::string("cannot start a process: ") + std::strerror(errno);
    return -1;
  }
  if (pid == 0) {
    int null = open("/dev/null", O_RDONLY);
    dup2(null, 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    execve(path.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {out, err};
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kPluginTimeoutMs);
  int open_fds = 2;
  bool timed_out = false;
  while (open_fds > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    if (poll(fds, 2, static_cast<int>(left)) < 0 && errno != EINTR) break;
    for (int k = 0; k < 2; ++k) {
      if (fds[k].fd < 0 || fds[k].revents == 0) continue;
      char buffer[4096];
      ssize_t n = read(fds[k].fd, buffer, sizeof buffer);
      if (n > 0) {
        if (sinks[k]->size() < kMaxPluginOutput) sinks[k]->append(buffer, n);
      } else if (n == 0 || errno != EINTR) {
        close(fds[k].fd);
        fds[k].fd = -1;
        --open_fds;
      }
    }
  }
  for (const pollfd& f : fds) {
    if (f.fd >= 0) close(f.fd);
  }
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    *error = "did not finish within " + std::to_string(kPluginTimeoutMs / 1000) + "s";
    return -1;
  }
  if (WIFSIGNALED(status)) {
    *error = "was killed by signal " + std::to_string(WTERMSIG(status));
    return -1;
  }
  return WEXITSTATUS(status);
}

std::string Mask(std::string text, const ExecCredential& credential) {
  for (const std::string* secret :
       {&credential.token, &credential.client_key_pem, &credential.client_cert_pem}) {
    if (secret->empty()) continue;
    for (size_t at = text.find(*secret); at != std::string::npos; at = text.find(*secret, at + 3)) {
      text.replace(at, secret->size(), "***");
    }
  }
  return text;
}

}  // namespace

std::time_t ParseRfc3339(const std::string& text) {
  std::tm tm{};
  const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == nullptr) return -1;
  if (*rest == '.') {
    ++rest;
    while (*rest >= '0' && *rest <= '9') ++rest;
  }
  long offset = 0;
  if (*rest == 'Z' || *rest == 'z') {
    ++rest;
  } else if (*rest == '+' || *rest == '-') {
    int hours = 0, minutes = 0;
    if (std::sscanf(rest + 1, "%2d:%2d", &hours, &minutes) != 2) return -1;
    offset = (hours * 60L + minutes) * 60L * (*rest == '+' ? 1 : -1);
    rest += 6;
  } else {
    return -1;
  }
  if (*rest != '\0') return -1;
  return timegm(&tm) - offset;
}

bool ParseExecCredential(const std::string& text, const std::string& api_version,
                         ExecCredential* credential, std::string* error) {
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) {
    *error = "printed no ExecCredential JSON on its stdout";
    return false;
  }
  const std::string version = json.value("apiVersion", "");
  if (version != api_version) {
    *error = "printed an ExecCredential of apiVersion \"" + version +
             "\", but the kubeconfig asks for \"" + api_version + "\"";
    return false;
  }
  if (json.value("kind", "") != "ExecCredential") {
    *error = "printed a \"" + json.value("kind", "") + "\", not an ExecCredential";
    return false;
  }
  auto status = json.find("status");
  if (status == json.end() || !status->is_object()) {
    *error = "printed an ExecCredential without a status";
    return false;
  }
  auto text_of = [&](const char* key) {
    auto it = status->find(key);
    return it != status->end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  credential->token = text_of("token");
  credential->client_cert_pem = text_of("clientCertificateData");
  credential->client_key_pem = text_of("clientKeyData");
  if (credential->client_cert_pem.empty() != credential->client_key_pem.empty()) {
    *error = std::string("printed ") + (credential->client_cert_pem.empty()
                                            ? "clientKeyData without clientCertificateData"
                                            : "clientCertificateData without clientKeyData");
    return false;
  }
  if (credential->token.empty() && credential->client_cert_pem.empty()) {
    *error = "printed neither a token nor clientCertificateData and clientKeyData";
    return false;
  }
  const std::string expiry = text_of("expirationTimestamp");
  credential->expires = 0;
  if (!expiry.empty()) {
    credential->expires = ParseRfc3339(expiry);
    if (credential->expires < 0) {
      *error = "printed expirationTimestamp \"" + expiry + "\", which is not an RFC 3339 time";
      return false;
    }
  }
  return true;
}

bool RunExecPlugin(const ExecPlugin& plugin, ExecCredential* credential, std::string* error,
                   std::ostream& log) {
  const std::string name =
      "exec plugin \"" + plugin.command + "\" of kubeconfig user \"" + plugin.user + "\"";
  const std::string path = Resolve(plugin);
  if (path.empty()) {
    *error = name + ": " + plugin.command + " was not found" +
             (plugin.command.find('/') == std::string::npos ? " on PATH" : "") +
             (plugin.install_hint.empty() ? "" : "; " + plugin.install_hint);
    while (!error->empty() && (error->back() == '\n' || error->back() == ' ')) error->pop_back();
    return false;
  }
  std::string out, err, why;
  const int status = Spawn(path, plugin, &out, &err, &why);
  std::string parse_error;
  const bool parsed =
      status == 0 && ParseExecCredential(out, plugin.api_version, credential, &parse_error);
  std::istringstream lines(Mask(err, parsed ? *credential : ExecCredential{}));
  for (std::string line; std::getline(lines, line);) log << plugin.command << ": " << line << "\n";
  if (status < 0) {
    *error = name + " " + why;
    return false;
  }
  if (status != 0) {
    *error = name + " failed with exit status " + std::to_string(status);
    return false;
  }
  if (!parsed) {
    *error = name + " " + parse_error;
    *credential = ExecCredential{};
    return false;
  }
  return true;
}

}  // namespace tame
