// The step-kind catalog: every `uses` value tame knows, with its typed params
// and its outputs. It is data. The validator, the JSON Schema generator, the
// designer's palette and its property inspector all read it, so a kind is
// described exactly once.
#ifndef TAME_CORE_CATALOG_H_
#define TAME_CORE_CATALOG_H_

#include <string>
#include <vector>

namespace tame {

/// How a param's value is typed and edited.
enum class ParamType {
  kString,      // one line of text
  kText,        // multi-line text, such as a script
  kInteger,     // a whole number
  kNumber,      // any finite number
  kBoolean,     // true or false
  kDuration,    // "500ms", "90s", "20m", "24h", "1h30m"
  kEnum,        // one of ParamSpec::choices
  kStringList,  // an array of strings
  kStringMap,   // an object whose values are strings
  kSecretRef,   // exactly "${{ secrets.NAME }}"
  kRules,       // metrics.gate rules: [{ "metric", "op", "value" }]
  kObject,      // an object whose keys are ParamSpec::fields, each typed
  kObjectList,  // an array of such objects
};

/// The name a param type has in docs, errors and the designer.
const char* ParamTypeName(ParamType type);

/// A param of a step kind, or a field of an object param. Fields nest: an
/// object's field may itself be an object or a list of objects.
struct ParamSpec {
  std::string name;
  ParamType type = ParamType::kString;
  bool required = false;
  std::string default_json;  // the default as JSON text; empty when none
  std::string doc;
  std::vector<std::string> choices;  // for kEnum
  std::string min;                   // for kInteger and kNumber, as JSON text
  std::string max;                   // for kInteger and kNumber, as JSON text
  std::vector<ParamSpec> fields;     // for kObject and kObjectList, in file order
  bool no_credentials = false;       // a URL that is stored: no user:password in it
  bool in_workspace = false;         // names a place tame or the step writes: a relative
                                     // path that may not leave the workspace
};

struct OutputSpec {
  std::string name;
  std::string doc;
};

/// The palette groups, in the order the designer shows them.
enum class Category { kSource, kBuildAndTest, kGates, kShip, kNotify };
const char* CategoryName(Category category);

struct KindSpec {
  std::string uses;   // "git.checkout"
  std::string title;  // "Git checkout"
  Category category = Category::kBuildAndTest;
  unsigned color = 0;  // 0xRRGGBB, the designer's accent for this kind
  std::string doc;
  std::vector<ParamSpec> params;  // in canonical (file) order
  std::vector<OutputSpec> outputs;
  /// True when the step may declare outputs of its own in `outputs`
  /// (values written to $TAME_OUTPUT, or files).
  bool declares_outputs = false;
};

/// Every kind, in palette order. Never empty; the reference lives forever.
const std::vector<KindSpec>& Catalog();

/// The kind named `uses`, or nullptr when there is none.
const KindSpec* FindKind(const std::string& uses);

/// The key under which steps of kind `uses` report structured results for
/// the run's report ($TAME_DETAILS): "gate" for metrics.gate, "approvals"
/// for approval, "analysis" for k8s.deploy (a release's measurements); ""
/// for the others.
std::string KindDetailsKey(const std::string& uses);

/// True for kinds whose steps wait for people from their start (approval).
bool KindWaitsForPeople(const std::string& uses);

/// The param `name` of `kind`, or nullptr when the kind has none by that name.
const ParamSpec* FindParam(const KindSpec& kind, const std::string& name);

/// The field `name` of an object param (or of a list's items), or nullptr.
const ParamSpec* FindField(const ParamSpec& spec, const std::string& name);

}  // namespace tame

#endif  // TAME_CORE_CATALOG_H_
