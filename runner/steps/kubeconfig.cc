#include "runner/steps/kubeconfig.h"

#include <sys/stat.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <map>

#include "core/pipeline.h"
#include "runner/files.h"

namespace tame {
namespace {

constexpr size_t kMaxKubeConfigBytes = 16u << 20;
constexpr char kServiceAccountDir[] = "/var/run/secrets/kubernetes.io/serviceaccount";

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

bool FileExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string Dirname(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// `text` decoded from standard base64 (whitespace ignored); false when it
// is not base64.
bool DecodeBase64(const std::string& text, std::string* out) {
  out->clear();
  unsigned buffer = 0;
  int bits = 0;
  size_t padding = 0;
  for (char c : text) {
    int value;
    if (c >= 'A' && c <= 'Z') {
      value = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      value = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      value = c - '0' + 52;
    } else if (c == '+') {
      value = 62;
    } else if (c == '/') {
      value = 63;
    } else if (c == '=') {
      ++padding;
      continue;
    } else if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      continue;
    } else {
      return false;
    }
    if (padding > 0) return false;  // data after '='
    buffer = (buffer << 6) | static_cast<unsigned>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  return padding <= 2;
}

// One named entry of a kubeconfig list (a cluster, context or user), with
// the file it came from, since relative paths in it resolve against that
// file's folder.
struct Entry {
  YAML::Node body;
  std::string file;
};

struct Merged {
  std::string current_context;
  std::map<std::string, Entry> clusters, contexts, users;
};

std::string Text(const YAML::Node& node, const char* key) {
  if (!node.IsMap()) return "";
  YAML::Node value = node[key];
  return value && value.IsScalar() ? value.Scalar() : "";
}

// Adds the entries of one list (`clusters`, `contexts`, `users`) of a file;
// the first file to name an entry wins, as in kubectl.
bool AddEntries(const YAML::Node& root, const char* list, const char* body_key,
                const std::string& file, std::map<std::string, Entry>* into, std::string* error) {
  YAML::Node items = root[list];
  if (!items || items.IsNull()) return true;
  if (!items.IsSequence()) {
    *error = "kubeconfig " + file + ": \"" + list + "\" must be a list";
    return false;
  }
  for (const YAML::Node& item : items) {
    std::string name = Text(item, "name");
    if (name.empty()) {
      *error = "kubeconfig " + file + ": an entry of \"" + list + "\" has no name";
      return false;
    }
    if (into->count(name) == 0) into->emplace(name, Entry{item[body_key], file});
  }
  return true;
}

bool ReadKubeConfigFile(const std::string& file, Merged* merged, std::string* error) {
  std::string text;
  if (!ReadFile(file, kMaxKubeConfigBytes, &text, error)) {
    *error = "kubeconfig " + file + ": " + *error;
    return false;
  }
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::DeepRecursion& e) {  // its message says only "bad file"
    *error =
        "kubeconfig " + file + ": line " + std::to_string(e.mark.line + 1) + ": nested too deeply";
    return false;
  } catch (const YAML::Exception& e) {
    *error = "kubeconfig " + file + ": line " + std::to_string(e.mark.line + 1) + ": " + e.msg;
    return false;
  }
  if (root.IsNull()) return true;  // an empty file adds nothing
  if (!root.IsMap()) {
    *error = "kubeconfig " + file +
             ": not a kubeconfig (expected a mapping with clusters, "
             "contexts and users)";
    return false;
  }
  if (merged->current_context.empty()) merged->current_context = Text(root, "current-context");
  return AddEntries(root, "clusters", "cluster", file, &merged->clusters, error) &&
         AddEntries(root, "contexts", "context", file, &merged->contexts, error) &&
         AddEntries(root, "users", "user", file, &merged->users, error);
}

// Reads PEM (or token) material given either inline as base64 (`data_key`)
// or as a file (`file_key`, relative to the kubeconfig's folder).
bool ReadMaterial(const Entry& entry, const std::string& what, const char* data_key,
                  const char* file_key, std::string* out, std::string* error) {
  std::string data = Text(entry.body, data_key);
  if (!data.empty()) {
    if (!DecodeBase64(data, out)) {
      *error = "kubeconfig " + entry.file + ": " + what + ": \"" + data_key + "\" is not base64";
      return false;
    }
    return true;
  }
  std::string path = Text(entry.body, file_key);
  if (path.empty()) return true;
  if (path[0] != '/') path = Dirname(entry.file) + "/" + path;
  if (!ReadFile(path, kMaxKubeConfigBytes, out, error)) {
    *error =
        "kubeconfig " + entry.file + ": " + what + ": " + file_key + " " + path + ": " + *error;
    return false;
  }
  return true;
}

bool LoadInCluster(KubeConfig* config, std::string* error) {
  std::string dir = Env("TAME_K8S_SERVICE_ACCOUNT_DIR");
  if (dir.empty()) dir = kServiceAccountDir;
  std::string host = Env("KUBERNETES_SERVICE_HOST");
  std::string port = Env("KUBERNETES_SERVICE_PORT");
  if (port.empty()) port = "443";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";  // IPv6
  config->server = "https://" + host + ":" + port;
  config->source = "in-cluster service account";
  std::string token;
  if (!ReadFile(dir + "/token", kMaxKubeConfigBytes, &token, error)) {
    *error = "in-cluster configuration: " + dir + "/token: " + *error;
    return false;
  }
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  config->token = token;
  if (!ReadFile(dir + "/ca.crt", kMaxKubeConfigBytes, &config->ca_pem, error)) {
    *error = "in-cluster configuration: " + dir + "/ca.crt: " + *error;
    return false;
  }
  std::string ns;
  if (ReadFile(dir + "/namespace", 4096, &ns, error)) {
    while (!ns.empty() && (ns.back() == '\n' || ns.back() == ' ')) ns.pop_back();
    config->namespace_ = ns;
  }
  config->credential = "the service account token (" + dir + "/token)";
  return true;
}

// The providers kubectl removed, and the exec plugins that replaced them.
std::string AuthProviderError(const Entry& user, const std::string& user_what) {
  const std::string name = Text(user.body["auth-provider"], "name");
  std::string replacement;
  if (name == "gcp") {
    replacement =
        "gke-gcloud-auth-plugin (`gcloud components install gke-gcloud-auth-plugin`, then "
        "`gcloud container clusters get-credentials` writes the exec entry)";
  } else if (name == "azure") {
    replacement =
        "kubelogin (`az aks install-cli`, then `az aks get-credentials` and "
        "`kubelogin convert-kubeconfig -l azurecli` write the exec entry)";
  } else if (name == "oidc") {
    replacement = "an OIDC exec plugin such as kubelogin (`kubectl oidc-login`)";
  } else {
    replacement = "the exec plugin its provider ships";
  }
  return "kubeconfig " + user.file + ": " + user_what + " uses auth-provider \"" + name +
         "\", which kubectl no longer supports and tame does not run; replace it with its exec "
         "plugin: " +
         replacement;
}

// Reads a user's `exec` section, and the cluster details a plugin that asks
// for them (provideClusterInfo) gets in KUBERNETES_EXEC_INFO.
bool ReadExec(const Entry& user, const Entry& cluster, const KubeConfig& config,
              const std::string& user_what, ExecPlugin* exec, std::string* error) {
  const YAML::Node node = user.body["exec"];
  const std::string where = "kubeconfig " + user.file + ": " + user_what + ": exec: ";
  if (!node.IsMap()) {
    *error = where + "must be a mapping with command and apiVersion";
    return false;
  }
  exec->command = Text(node, "command");
  exec->api_version = Text(node, "apiVersion");
  exec->install_hint = Text(node, "installHint");
  exec->provide_cluster_info = Text(node, "provideClusterInfo") == "true";
  exec->kubeconfig_dir = Dirname(user.file);
  if (exec->command.empty()) {
    *error = where + "has no command";
    return false;
  }
  if (exec->api_version != "client.authentication.k8s.io/v1" &&
      exec->api_version != "client.authentication.k8s.io/v1beta1") {
    *error = where + "apiVersion \"" + exec->api_version +
             "\" is not client.authentication.k8s.io/v1 or v1beta1";
    return false;
  }
  if (Text(node, "interactiveMode") == "Always") {
    *error = where +
             "interactiveMode is Always, but tame never prompts: the plugin must get its "
             "credential without a terminal (set interactiveMode: IfAvailable or Never, and log "
             "in before the run)";
    return false;
  }
  const YAML::Node args = node["args"];
  if (args && args.IsSequence()) {
    for (const YAML::Node& arg : args) exec->args.push_back(arg.IsScalar() ? arg.Scalar() : "");
  }
  const YAML::Node env = node["env"];
  if (env && env.IsSequence()) {
    for (const YAML::Node& item : env) {
      const std::string name = Text(item, "name");
      if (name.empty()) {
        *error = where + "an env entry has no name";
        return false;
      }
      exec->env.emplace_back(name, Text(item, "value"));
    }
  } else if (env && !env.IsNull()) {
    *error = where + "env must be a list of name and value";
    return false;
  }
  Json info{{"server", config.server}, {"insecure-skip-tls-verify", config.insecure}};
  const std::string ca = Text(cluster.body, "certificate-authority-data");
  if (!ca.empty()) {
    info["certificate-authority-data"] = ca;
  } else if (!config.ca_pem.empty()) {
    std::string encoded;
    static const char kDigits[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const std::string& in = config.ca_pem;
    for (size_t k = 0; k < in.size(); k += 3) {
      unsigned v = static_cast<unsigned char>(in[k]) << 16;
      if (k + 1 < in.size()) v |= static_cast<unsigned char>(in[k + 1]) << 8;
      if (k + 2 < in.size()) v |= static_cast<unsigned char>(in[k + 2]);
      encoded += kDigits[(v >> 18) & 63];
      encoded += kDigits[(v >> 12) & 63];
      encoded += k + 1 < in.size() ? kDigits[(v >> 6) & 63] : '=';
      encoded += k + 2 < in.size() ? kDigits[v & 63] : '=';
    }
    info["certificate-authority-data"] = encoded;
  }
  if (!config.tls_server_name.empty()) info["tls-server-name"] = config.tls_server_name;
  if (!config.proxy_url.empty()) info["proxy-url"] = config.proxy_url;
  // The cluster's extension named client.authentication.k8s.io/exec is the
  // plugin's own configuration.
  const YAML::Node extensions = cluster.body["extensions"];
  if (extensions && extensions.IsSequence()) {
    for (const YAML::Node& ext : extensions) {
      if (Text(ext, "name") != "client.authentication.k8s.io/exec") continue;
      YAML::Emitter out;
      out << YAML::DoubleQuoted << YAML::Flow << ext["extension"];
      Json parsed = Json::parse(std::string(out.c_str()), nullptr, false);
      if (!parsed.is_discarded()) info["config"] = parsed;
    }
  }
  exec->cluster_json = info.dump();
  return true;
}

}  // namespace

bool LoadKubeConfigFiles(const std::vector<std::string>& files, const std::string& context,
                         KubeConfig* config, std::string* error) {
  Merged merged;
  for (const std::string& file : files) {
    if (!ReadKubeConfigFile(file, &merged, error)) return false;
  }
  std::string list;
  for (const std::string& file : files) list += (list.empty() ? "" : ":") + file;
  config->source = "kubeconfig " + list;
  config->context = context.empty() ? merged.current_context : context;
  if (config->context.empty()) {
    *error = "kubeconfig " + list +
             " has no current-context; set one with "
             "`kubectl config use-context NAME`";
    return false;
  }
  auto ctx = merged.contexts.find(config->context);
  if (ctx == merged.contexts.end()) {
    *error = "kubeconfig " + list + ": context \"" + config->context + "\" is not defined";
    return false;
  }
  config->cluster = Text(ctx->second.body, "cluster");
  config->user = Text(ctx->second.body, "user");
  config->namespace_ = Text(ctx->second.body, "namespace");
  auto cluster = merged.clusters.find(config->cluster);
  if (cluster == merged.clusters.end()) {
    *error = "kubeconfig " + list + ": context \"" + config->context + "\" names cluster \"" +
             config->cluster + "\", which is not defined";
    return false;
  }
  const Entry& c = cluster->second;
  config->server = Text(c.body, "server");
  while (!config->server.empty() && config->server.back() == '/') config->server.pop_back();
  if (config->server.empty()) {
    *error = "kubeconfig " + c.file + ": cluster \"" + config->cluster + "\" has no server";
    return false;
  }
  config->insecure = Text(c.body, "insecure-skip-tls-verify") == "true";
  config->tls_server_name = Text(c.body, "tls-server-name");
  config->proxy_url = Text(c.body, "proxy-url");
  if (!config->proxy_url.empty() && config->proxy_url.rfind("http://", 0) != 0 &&
      config->proxy_url.rfind("https://", 0) != 0 && config->proxy_url.rfind("socks5://", 0) != 0) {
    *error = "kubeconfig " + c.file + ": cluster \"" + config->cluster + "\": proxy-url \"" +
             config->proxy_url + "\" is not an http, https or socks5 URL";
    return false;
  }
  const std::string cluster_what = "cluster \"" + config->cluster + "\"";
  if (!ReadMaterial(c, cluster_what, "certificate-authority-data", "certificate-authority",
                    &config->ca_pem, error)) {
    return false;
  }

  if (config->user.empty()) {
    config->credential = "no credentials (context \"" + config->context + "\" names no user)";
    return true;
  }
  auto user = merged.users.find(config->user);
  if (user == merged.users.end()) {
    *error = "kubeconfig " + list + ": context \"" + config->context + "\" names user \"" +
             config->user + "\", which is not defined";
    return false;
  }
  const Entry& u = user->second;
  const std::string user_what = "user \"" + config->user + "\"";
  if (u.body.IsMap() && u.body["auth-provider"]) {
    *error = AuthProviderError(u, user_what);
    return false;
  }
  if (u.body.IsMap() && u.body["exec"]) {
    if (!ReadExec(u, c, *config, user_what, &config->exec, error)) return false;
    config->exec.user = config->user;
    config->has_exec = true;
    config->credential = "the credential from exec plugin \"" + config->exec.command +
                         "\" of kubeconfig " + user_what;
    return true;
  }
  if (!Text(u.body, "username").empty() || !Text(u.body, "password").empty()) {
    *error = "kubeconfig " + u.file + ": " + user_what +
             " has a username and password; "
             "Kubernetes API servers no longer accept them, give it a token or a client "
             "certificate";
    return false;
  }
  config->token = Text(u.body, "token");
  if (config->token.empty() &&
      !ReadMaterial(u, user_what, "", "tokenFile", &config->token, error)) {
    return false;
  }
  while (!config->token.empty() && (config->token.back() == '\n' || config->token.back() == '\r')) {
    config->token.pop_back();
  }
  if (!ReadMaterial(u, user_what, "client-certificate-data", "client-certificate",
                    &config->client_cert_pem, error) ||
      !ReadMaterial(u, user_what, "client-key-data", "client-key", &config->client_key_pem,
                    error)) {
    return false;
  }
  if (config->client_cert_pem.empty() != config->client_key_pem.empty()) {
    *error = "kubeconfig " + u.file + ": " + user_what + " has a client " +
             (config->client_cert_pem.empty() ? "key without its certificate"
                                              : "certificate without its key");
    return false;
  }
  if (!config->token.empty()) {
    config->credential = "the token from kubeconfig " + user_what;
  } else if (!config->client_cert_pem.empty()) {
    config->credential = "the client certificate from kubeconfig " + user_what;
  } else {
    config->credential = "no credentials (kubeconfig " + user_what +
                         " has neither a token nor a client certificate)";
  }
  return true;
}

bool LoadKubeConfig(KubeConfig* config, std::string* error) {
  return LoadKubeConfig("", "", config, error);
}

bool LoadKubeConfig(const std::string& file, const std::string& context, KubeConfig* config,
                    std::string* error) {
  if (!file.empty()) {
    if (!FileExists(file)) {
      *error = "kubeconfig " + file + " does not exist";
      return false;
    }
    return LoadKubeConfigFiles({file}, context, config, error);
  }
  std::vector<std::string> files;
  std::string listed = Env("KUBECONFIG");
  if (!listed.empty()) {
    size_t start = 0;
    while (start <= listed.size()) {
      size_t end = listed.find(':', start);
      if (end == std::string::npos) end = listed.size();
      std::string file = listed.substr(start, end - start);
      if (!file.empty() && FileExists(file)) files.push_back(file);
      start = end + 1;
    }
    if (files.empty()) {
      *error = "KUBECONFIG is set to \"" + listed + "\", but no file it names exists";
      return false;
    }
  } else {
    std::string home = Env("HOME");
    const std::string file = home + "/.kube/config";
    if (!home.empty() && FileExists(file)) files.push_back(file);
  }
  if (!files.empty()) return LoadKubeConfigFiles(files, context, config, error);
  if (!Env("KUBERNETES_SERVICE_HOST").empty()) {
    if (!context.empty()) {
      *error = "context \"" + context +
               "\" is set, but there is no kubeconfig (KUBECONFIG is not set and "
               "~/.kube/config does not exist)";
      return false;
    }
    return LoadInCluster(config, error);
  }
  *error =
      "no Kubernetes configuration: KUBECONFIG is not set, ~/.kube/config does not exist, "
      "and this is not a pod in a cluster (KUBERNETES_SERVICE_HOST is not set)";
  return false;
}

}  // namespace tame
