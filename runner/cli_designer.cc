// tame designer: serves the designer's static site on 127.0.0.1, with the
// user's pipeline file beside the page, until Ctrl-C.
//
// One connection at a time is enough for one person's browser: every answer
// closes its connection, and a client that stalls is dropped after a few
// seconds, so nobody can hold the loop.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "runner/cli.h"
#include "runner/files.h"
#include "runner/url.h"

namespace tame {
namespace {

volatile std::sig_atomic_t g_stop = 0;
void OnStopSignal(int) { g_stop = 1; }

bool IsFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

std::string BaseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The site: TAME_DESIGNER_DIR, else build/web beside a built tame
// (build/bin/tame), else the installed /usr/share/tame/designer.
std::string FindSite(std::string* looked_in) {
  std::vector<std::string> candidates;
  if (const char* dir = std::getenv("TAME_DESIGNER_DIR")) {
    candidates.push_back(dir);
  } else {
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
      std::string bin = DirName(std::string(exe, n));
      candidates.push_back(DirName(bin) + "/web");
      candidates.push_back(DirName(bin) + "/share/tame/designer");
    }
    candidates.push_back("/usr/share/tame/designer");
  }
  for (const std::string& dir : candidates) {
    if (IsFile(dir + "/index.html")) return dir;
    *looked_in += (looked_in->empty() ? "" : ", ") + dir;
  }
  return "";
}

const char* ContentType(const std::string& name) {
  auto ends = [&](const char* suffix) {
    size_t n = std::strlen(suffix);
    return name.size() >= n && name.compare(name.size() - n, n, suffix) == 0;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".wasm")) return "application/wasm";
  if (ends(".json")) return "application/json";
  if (ends(".png")) return "image/png";
  return "application/octet-stream";
}

// %XX escapes decoded; false for a malformed one or a NUL.
bool PercentDecode(const std::string& in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      *out += in[i];
      continue;
    }
    if (i + 2 >= in.size() || !std::isxdigit(static_cast<unsigned char>(in[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
      return false;
    }
    char c = static_cast<char>(std::stoi(in.substr(i + 1, 2), nullptr, 16));
    if (c == '\0') return false;
    *out += c;
    i += 2;
  }
  return true;
}

void SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
  }
}

void Answer(int fd, int status, const char* reason, const char* type, const std::string& body,
            bool head_only) {
  std::string head = "HTTP/1.1 " + std::to_string(status) + " " + reason +
                     "\r\nContent-Type: " + type +
                     "\r\nContent-Length: " + std::to_string(body.size()) +
                     "\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n";
  SendAll(fd, head_only ? head : head + body);
}

struct Site {
  std::string dir;        // the designer's files
  std::string file;       // the user's pipeline file, or ""
  std::string file_path;  // the URL path it is served at, "/pipeline.json"
};

// Reads one request and answers it: GET or HEAD of a site file, or of the
// pipeline file, read afresh each time so a reload shows the file as it is.
void Serve(int fd, const Site& site) {
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  std::string request;
  char buffer[4096];
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < 65536) {
    ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return;
    request.append(buffer, static_cast<size_t>(n));
  }
  std::string line = request.substr(0, request.find("\r\n"));
  size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
  if (sp1 == std::string::npos || sp2 <= sp1) {
    Answer(fd, 400, "Bad Request", "text/plain", "bad request\n", false);
    return;
  }
  std::string method = line.substr(0, sp1);
  std::string path = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string raw = path.substr(0, path.find_first_of("?#"));
  if (!PercentDecode(raw, &path)) path.clear();
  bool head_only = method == "HEAD";
  if (method != "GET" && !head_only) {
    Answer(fd, 405, "Method Not Allowed", "text/plain", "only GET\n", false);
    return;
  }
  std::string target;
  if (!site.file.empty() && path == site.file_path) {
    target = site.file;
  } else if (path == "/") {
    target = site.dir + "/index.html";
  } else if (path.size() > 1 && path[0] == '/' && path.find("..") == std::string::npos &&
             path.find('/', 1) == std::string::npos) {
    target = site.dir + path;  // the site is flat: one folder, no subfolders
  }
  std::string body, error;
  if (target.empty() || !ReadFile(target, 256 << 20, &body, &error)) {
    Answer(fd, 404, "Not Found", "text/plain", "not found\n", head_only);
    return;
  }
  Answer(fd, 200, "OK", ContentType(target), body, head_only);
}

int Listen(int port, int* bound_port, std::string* error) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = std::strerror(errno);
    return -1;
  }
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 16) != 0) {
    *error = std::strerror(errno);
    close(fd);
    return -1;
  }
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *bound_port = ntohs(addr.sin_port);
  return fd;
}

// xdg-open, detached: its own session, no stdio, never waited for (the
// middle child exits at once, so nothing is left to reap).
void OpenBrowser(const std::string& url) {
  pid_t pid = fork();
  if (pid == 0) {
    setsid();
    if (fork() == 0) {
      int null_fd = open("/dev/null", O_RDWR);
      dup2(null_fd, 0);
      dup2(null_fd, 1);
      dup2(null_fd, 2);
      execlp("xdg-open", "xdg-open", url.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    _exit(0);
  }
  if (pid > 0) waitpid(pid, nullptr, 0);
}

}  // namespace

int CmdDesigner(const Args& args) {
  Site site;
  std::string looked_in;
  site.dir = FindSite(&looked_in);
  if (site.dir.empty()) {
    return UsageError("the designer's site is not here (looked in " + looked_in +
                      "); build it with 'make wasm' or install the tame package");
  }
  std::string query;
  if (!args.positional.empty()) {
    site.file = args.positional[0];
    std::string text, error;
    if (!ReadFile(site.file, 256 << 20, &text, &error)) return UsageError(site.file + ": " + error);
    std::string name = BaseName(site.file);
    // Beside the page, unless it would hide one of the site's own files.
    site.file_path = (IsFile(site.dir + "/" + name) ? "/file/" : "/") + name;
    query = "?open=" + PercentEncode(site.file_path.substr(1), "/");
  }
  int port = 0;
  if (!args.Value("--port").empty()) {
    const std::string value = args.Value("--port");
    char* end = nullptr;
    long n = std::strtol(value.c_str(), &end, 10);
    if (*end != '\0' || n < 1 || n > 65535) {
      return UsageError("--port: \"" + value + "\" is not a port number (1 to 65535)");
    }
    port = static_cast<int>(n);
  }
  int bound = 0;
  std::string error;
  int listener = Listen(port, &bound, &error);
  if (listener < 0) {
    return UsageError("cannot listen on 127.0.0.1:" + std::to_string(port) + ": " + error);
  }
  // Ctrl-C is caught before the address is out: whoever reads it may stop us at once.
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  const std::string url = "http://127.0.0.1:" + std::to_string(bound) + "/" + query;
  std::cout << "tame designer: serving " << site.dir << (site.file.empty() ? "" : " and ")
            << site.file << "\n  " << url << "\nPress Ctrl-C to stop." << std::endl;

  const char* display = std::getenv("DISPLAY");
  const char* wayland = std::getenv("WAYLAND_DISPLAY");
  if (!args.Has("--no-browser") && ((display && *display) || (wayland && *wayland))) {
    OpenBrowser(url);
  }
  while (!g_stop) {
    pollfd pfd{listener, POLLIN, 0};
    if (poll(&pfd, 1, 250) <= 0) continue;
    int client = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    Serve(client, site);
    close(client);
  }
  close(listener);
  std::cout << "tame designer: stopped" << std::endl;
  return kExitInterrupted;
}

}  // namespace tame
