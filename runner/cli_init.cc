// tame init: a pipeline.json from one of the templates core compiles in.
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <sstream>

#include "core/templates.h"
#include "runner/cli.h"
#include "runner/files.h"

namespace tame {
namespace {

constexpr char kDefaultTemplate[] = "ml-to-k8s";
constexpr char kIgnoreLine[] = ".tame/";

bool PathExists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

// mkdir -p: makes `dir` and its missing parents.
bool MakeDirs(const std::string& dir, std::string* error) {
  std::string partial;
  std::stringstream parts(dir);
  std::string part;
  if (!dir.empty() && dir[0] == '/') partial = "/";
  while (std::getline(parts, part, '/')) {
    if (part.empty()) continue;
    partial += part;
    if (mkdir(partial.c_str(), 0777) != 0 && errno != EEXIST) {
      *error = partial + ": " + std::strerror(errno);
      return false;
    }
    struct stat st;
    if (stat(partial.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      *error = partial + ": not a folder";
      return false;
    }
    partial += "/";
  }
  return true;
}

// Whether a .gitignore already keeps .tame/ out (".tame", ".tame/", "/.tame/").
bool IgnoresRuns(const std::string& gitignore) {
  std::stringstream lines(gitignore);
  std::string line;
  while (std::getline(lines, line)) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
    if (line == ".tame" || line == ".tame/" || line == "/.tame" || line == "/.tame/") return true;
  }
  return false;
}

int ListTemplates() {
  for (const Template& t : Templates()) {
    std::string name = TemplateName(t);
    std::string description = TemplateDescription(t);
    if (name == kDefaultTemplate) description = "(default) " + description;
    std::printf("%-12s %s\n", name.c_str(), description.c_str());
  }
  return kExitOk;
}

}  // namespace

int CmdInit(const Args& args) {
  if (args.Has("--list")) return ListTemplates();
  const std::string name = args.Value("--template", kDefaultTemplate);
  const Template* chosen = FindTemplate(name);
  if (chosen == nullptr) {
    return UsageError("no template \"" + name + "\"; 'tame init --list' shows them");
  }
  const std::string dir = args.positional.empty() ? "." : args.positional[0];
  const std::string prefix = dir == "." ? "" : (dir.back() == '/' ? dir : dir + "/");
  const std::string pipeline = prefix + "pipeline.json";
  if (PathExists(pipeline)) {
    return UsageError(pipeline + ": already exists; tame init never overwrites it");
  }
  std::string error;
  if (!prefix.empty() && !MakeDirs(dir, &error)) return UsageError(error);

  const std::string gitignore = prefix + ".gitignore";
  std::string ignored;
  if (PathExists(gitignore) && !ReadFile(gitignore, 1 << 20, &ignored, &error)) {
    return UsageError(gitignore + ": " + error);
  }
  if (!WriteFileAtomic(pipeline, chosen->text, &error)) {
    return UsageError(pipeline + ": " + error);
  }
  const bool add_ignore = !IgnoresRuns(ignored);
  if (add_ignore) {
    if (!ignored.empty() && ignored.back() != '\n') ignored += "\n";
    if (!WriteFileAtomic(gitignore, ignored + kIgnoreLine + "\n", &error)) {
      std::remove(pipeline.c_str());  // nothing half-done
      return UsageError(gitignore + ": " + error);
    }
  }

  std::cout << "Wrote " << pipeline << " from the template " << name << "."
            << (add_ignore ? " Added .tame/ to " + gitignore + "." : "") << "\n\nNext:\n";
  if (!prefix.empty()) std::cout << "  cd " << dir << "\n";
  std::cout << "  tame designer pipeline.json   # draw and edit it in the browser\n"
               "  tame validate pipeline.json   # check it\n";
  for (const VerbDoc& verb : VerbDocs()) {
    if (verb.name == "doctor") {
      std::cout << "  tame doctor pipeline.json     # can this machine reach what it needs?\n";
    }
  }
  std::cout << "  tame run pipeline.json        # run it here\n";
  return kExitOk;
}

}  // namespace tame
