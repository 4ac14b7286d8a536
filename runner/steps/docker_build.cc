// docker.build: streams the context folder to the engine as a tar (POST
// /build, the classic builder the docker CLI also uses without BuildKit),
// prints the build's output as it comes, and publishes the image id and the
// first tag.
//
// With no `tags`, the image is tagged NAME:SHA: NAME is the context
// folder's name, SHA the first 12 hex digits of the commit checked out in
// that folder (by a git.checkout upstream, or the workspace's own clone);
// "run-<run id>" stands in for SHA when the folder is not in a git clone.
#include <limits.h>
#include <stdlib.h>

#include <deque>
#include <iostream>

#include "core/masker.h"
#include "runner/steps/command.h"
#include "runner/steps/docker_auth.h"
#include "runner/steps/docker_context.h"
#include "runner/steps/docker_engine.h"
#include "runner/steps/kinds.h"

namespace tame {
namespace {

constexpr size_t kFailureLines = 30;  // output of the failing instruction to repeat

// Follows the build's messages: prints them, and keeps what a failure
// report and the outputs need.
struct BuildLog {
  explicit BuildLog(std::ostream* out) : out(out), progress(out) {}

  void On(const Json& m) {
    if (m.contains("stream") && m["stream"].is_string()) Stream(m["stream"].get<std::string>());
    if (m.contains("status")) progress.Status(m);
    auto aux = m.find("aux");
    if (aux != m.end() && aux->is_object() && aux->contains("ID") && (*aux)["ID"].is_string()) {
      image_id = (*aux)["ID"].get<std::string>();
    }
    auto detail = m.find("errorDetail");
    if (detail != m.end() && detail->is_object()) {
      error = detail->value("message", "");
    }
    if (error.empty() && m.contains("error") && m["error"].is_string()) {
      error = m["error"].get<std::string>();
    }
  }

  void Stream(std::string text) {
    // The engine paints a RUN's stderr red (ESC[91m ... ESC[0m); a log
    // file wants the text only.
    for (size_t esc; (esc = text.find("\x1b[")) != std::string::npos;) {
      size_t end = text.find_first_not_of("0123456789;", esc + 2);
      if (end == std::string::npos || text[end] != 'm') break;
      text.erase(esc, end + 1 - esc);
    }
    *out << text;
    pending += text;
    for (size_t nl; (nl = pending.find('\n')) != std::string::npos;) {
      Line(pending.substr(0, nl));
      pending.erase(0, nl + 1);
    }
  }

  void Line(const std::string& line) {
    if (line.rfind("Step ", 0) == 0 && line.find(" : ") != std::string::npos) {
      step = line;
      output.clear();
    } else if (line.rfind("Successfully built ", 0) == 0) {
      built = line.substr(19);
    } else if (line.rfind(" ---> ", 0) != 0 && !line.empty()) {
      output.push_back(line);
      if (output.size() > kFailureLines) output.pop_front();
    }
  }

  std::ostream* out;
  ProgressPrinter progress;
  std::string pending;             // stream text after the last line break
  std::string step;                // "Step 3/4 : RUN make", the instruction running
  std::deque<std::string> output;  // its last lines
  std::string built;               // the short id of "Successfully built ..."
  std::string image_id;
  std::string error;
};

// Lower-case letters, digits and single '-' between them.
std::string RepositoryName(const std::string& text) {
  std::string name;
  for (char c : text) {
    char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    bool ok = (lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9');
    if (ok) {
      name += lower;
    } else if (!name.empty() && name.back() != '-') {
      name += '-';
    }
  }
  while (!name.empty() && name.back() == '-') name.pop_back();
  return name.empty() ? "image" : name;
}

std::string DefaultTag(const StepContext& context, const std::string& root, std::string* why) {
  char* real = realpath(root.c_str(), nullptr);
  std::string folder = real == nullptr ? root : real;
  std::free(real);
  std::string name = RepositoryName(folder.substr(folder.rfind('/') + 1));
  CommandResult git;
  std::string error;
  std::string sha;
  if (RunCommand({"git", "-C", folder, "rev-parse", "--verify", "-q", "HEAD^{commit}"}, "", &git,
                 &error) &&
      git.exit_code == 0 && git.out.size() >= 41) {
    sha = git.out.substr(0, 12);
    *why = "the context folder's name and the git commit checked out in it";
    return name + ":" + sha;
  }
  std::string run = context.run_id.empty() ? "latest" : "run-" + context.run_id;
  for (char& c : run) {
    bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!word && c != '_' && c != '.' && c != '-') c = '-';
  }
  *why = "the context folder's name and the run, as it is not in a git clone";
  return name + ":" + run.substr(0, 128);
}

// The `tags` param, checked; the default tag when there are none.
bool ReadTags(const StepContext& context, const std::string& root, std::vector<std::string>* tags,
              std::string* error) {
  auto list = context.params.find("tags");
  if (list != context.params.end() && list->is_array()) {
    for (const Json& t : *list) {
      ImageRef ref;
      if (!t.is_string() || !ParseImageRef(t.get<std::string>(), &ref, error)) {
        if (!t.is_string()) *error = "each tag is a string";
        return false;
      }
      if (!ref.digest.empty()) {
        *error = "\"" + t.get<std::string>() + "\" names a digest, not a tag";
        return false;
      }
      tags->push_back(t.get<std::string>());
    }
  }
  if (tags->empty()) {
    std::string why;
    tags->push_back(DefaultTag(context, root, &why));
    std::cout << "docker.build: no tags given; tagging " << tags->front() << " (" << why << ")\n";
  }
  return true;
}

// The build's query string: tags, Dockerfile, build args, target.
bool BuildQuery(const StepContext& context, const std::string& dockerfile,
                const std::vector<std::string>& tags, std::string* query, std::string* error) {
  *query = "/build?rm=1&dockerfile=" + PercentEncode(dockerfile);
  for (const std::string& tag : tags) *query += "&t=" + PercentEncode(tag);
  const Json& args =
      context.params.contains("build_args") ? context.params["build_args"] : Json::object();
  if (!args.is_null() && !args.is_object()) {
    *error = "build_args must map names to values";
    return false;
  }
  if (args.is_object() && !args.empty()) {
    Json strings = Json::object();
    for (const auto& [name, value] : args.items()) {
      strings[name] = value.is_string() ? value.get<std::string>() : value.dump();
    }
    *query += "&buildargs=" + PercentEncode(strings.dump());
  }
  std::string target = context.String("target");
  if (!target.empty()) *query += "&target=" + PercentEncode(target);
  return true;
}

// The built image's full id: from the stream's aux message, or for engines
// before API 1.30, which send none, by inspecting "Successfully built ID".
std::string ImageId(const Engine& engine, const BuildLog& log) {
  if (!log.image_id.empty() || log.built.empty()) return log.image_id;
  EngineRequest request;
  request.path = "/images/" + PercentEncode(log.built) + "/json";
  EngineAnswer answer;
  std::string error;
  if (!engine.Call(request, &answer, &error) || answer.status != 200) return "";
  Json image = Json::parse(answer.body, nullptr, false);
  return image.is_object() ? image.value("Id", "") : "";
}

void ReportFailure(const BuildLog& log) {
  if (log.step.empty()) {
    std::cout << "docker.build: the build failed: " << log.error << "\n";
    return;
  }
  std::cout << "docker.build: the build failed at " << log.step << "\n";
  if (!log.output.empty()) {
    std::cout << "docker.build: its output"
              << (log.output.size() == kFailureLines
                      ? " (last " + std::to_string(kFailureLines) + " lines)"
                      : "")
              << ":\n";
    for (const std::string& line : log.output) std::cout << "  " << line << "\n";
  }
  std::cout << "docker.build: " << log.error << "\n";
}

}  // namespace

// In order: the params and the context listing (a mistake there fails for
// good, before the engine is asked anything), a ping of the engine, then the
// tar streamed up while the build's messages stream back, then the verdict.
int RunDockerBuild(const StepContext& context) {
  unsetenv("TAME_PARAMS");  // parsed; programs started from here need none of it
  std::string error;
  Engine engine;
  if (!Engine::FromEnvironment(&engine, &error)) {
    std::cout << "docker.build: " << error << "\n";
    return kStepFailedFinal;
  }
  const std::string root = context.InWorkspace(context.String("context"));
  ContextListing listing;
  if (!ListContext(root, context.String("dockerfile"), &listing, &error)) {
    std::cout << "docker.build: " << error << "\n";
    return kStepFailedFinal;
  }
  for (const std::string& warning : listing.warnings) {
    std::cout << "docker.build: warning: " << warning << "\n";
  }

  std::vector<std::string> tags;
  if (!ReadTags(context, root, &tags, &error)) {
    std::cout << "docker.build: tags: " << error << "\n";
    return kStepFailedFinal;
  }
  std::string query;
  if (!BuildQuery(context, listing.dockerfile, tags, &query, &error)) {
    std::cout << "docker.build: " << error << "\n";
    return kStepFailedFinal;
  }

  if (!engine.Ping(&error)) {
    std::cout << "docker.build: " << error << "\n";
    return kStepFailed;
  }
  TarStream tar(std::move(listing.entries));
  EngineRequest request;
  request.method = "POST";
  request.path = query;
  request.headers = {"Content-Type: application/x-tar"};
  std::string registries = DockerConfigRegistryHeader();
  if (!registries.empty()) request.headers.push_back("X-Registry-Config: " + registries);
  request.body = [&tar](char* buffer, size_t size) { return tar.Read(buffer, size); };
  request.body_error = [&tar, &root] { return "the context " + root + ": " + tar.error(); };
  std::cout << "docker.build: sending the context " << root << " (" << listing.bytes
            << " bytes of files) to the Docker engine at " << engine.address() << "\n";

  BuildLog log(&std::cout);
  EngineAnswer answer;
  if (!engine.CallForMessages(request, &answer, &error, [&log](const Json& m) { log.On(m); })) {
    std::cout << "docker.build: " << error << "\n";
    return kStepFailed;
  }
  if (answer.status < 200 || answer.status >= 300) {
    std::cout << "docker.build: the engine refused the build: " << Engine::ErrorMessage(answer)
              << "\n";
    return answer.status == 400 ? kStepFailedFinal : kStepFailed;
  }
  if (!log.error.empty()) {
    ReportFailure(log);
    return kStepFailed;
  }
  const std::string image_id = ImageId(engine, log);
  if (image_id.empty()) {
    std::cout << "docker.build: the engine ended the build without naming the image\n";
    return kStepFailed;
  }
  context.Output("image_id", image_id);
  context.Output("image", tags[0]);
  std::cout << "docker.build: built " << image_id << "\n";
  for (const std::string& tag : tags) std::cout << "docker.build: tagged " << tag << "\n";
  return kStepSucceeded;
}

}  // namespace tame
