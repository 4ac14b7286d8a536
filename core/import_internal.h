// What the GitHub Actions and GitLab CI importers share: the report, step
// ids, the pipeline under construction, and YAML helpers.
#ifndef TAME_CORE_IMPORT_INTERNAL_H_
#define TAME_CORE_IMPORT_INTERNAL_H_

#include <set>
#include <string>
#include <vector>

#include "core/import.h"
#include "core/pipeline.h"
#include "core/yaml_read.h"

namespace tame {
namespace importing {

class Context {
 public:
  explicit Context(const ImportOptions& options) : options(options) {}

  const ImportOptions& options;
  std::vector<ImportItem> items;
  Json pipeline = Json::object();  // the file being built: version, name, params, secrets, steps
  bool fatal = false;              // the file is not a workflow at all
  Diagnostic fatal_error;

  void Note(int line, const std::string& place, const std::string& message) {
    items.push_back({line, place, message, true});
  }
  void Unsupported(int line, const std::string& place, const std::string& message) {
    items.push_back({line, place, message, false});
  }
  void Fatal(int line, const std::string& message) {
    if (fatal) return;
    fatal = true;
    fatal_error.message = message;
    fatal_error.line = line;
    fatal_error.column = line ? 1 : 0;
  }

  /// A valid, unused step id made from `name`; a rename is reported.
  std::string StepId(const std::string& name, int line, const std::string& place);
  /// Declares secret NAME (read from the environment).
  void DeclareSecret(const std::string& name);
  /// Appends a step object to the pipeline.
  void AddStep(Json step) { pipeline["steps"].push_back(std::move(step)); }
  /// The step, or null, with this id.
  Json* FindStep(const std::string& id);

 private:
  std::set<std::string> ids_;
};

/// A shell step that fails with `message` (for --keep-unknown).
Json FailingStep(const std::string& id, const std::string& message);

/// `text` quoted for a POSIX shell: 'text' with ' as '\''.
std::string ShellQuote(const std::string& text);

/// A here-document end marker that no line of `text` equals.
std::string HereDocMarker(const std::string& text, const std::string& base);

/// A scalar node's text, "" for anything else.
std::string ScalarText(const YamlNode* node);

/// A scalar as a JSON value: plain true/false/null and numbers typed.
Json ScalarJson(const YamlNode& node);

/// "30m" for minutes.
std::string MinutesDuration(double minutes);

bool LooksLikeGitHub(const YamlNode& root);

void ImportGitHub(const YamlNode& root, Context* ctx);
void ImportGitLab(const YamlNode& root, Context* ctx);

}  // namespace importing
}  // namespace tame

#endif  // TAME_CORE_IMPORT_INTERNAL_H_
