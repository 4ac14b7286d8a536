// The pipeline model: plain structs that mirror the pipeline file, version 1.
//
// A Pipeline holds what the file says and nothing derived from it. Loading
// fills it (load.h), Validate() judges it (validate.h), SavePipeline()
// writes it back in canonical form (save.h), and BuildGraph() derives the
// dependency graph (graph.h). Step params stay JSON values because their
// types come from the catalog, and a file with a wrong param type must still
// open in the designer so the user can fix it there.
#ifndef TAME_CORE_PIPELINE_H_
#define TAME_CORE_PIPELINE_H_

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace tame {

using Json = nlohmann::json;

/// A pipeline parameter: `params.NAME` in the file.
struct ParamDecl {
  std::string type = "string";  // string, number, integer, boolean
  std::optional<Json> default_value;
  std::string description;

  bool operator==(const ParamDecl& o) const {
    return type == o.type && default_value == o.default_value && description == o.description;
  }
};

/// A secret, by reference only: the value never enters the model.
struct SecretDecl {
  std::string from = "env";  // env: an environment variable; file: --secrets-file
  std::string env;           // the variable's name when it differs from NAME
  std::string description;

  bool operator==(const SecretDecl& o) const {
    return from == o.from && env == o.env && description == o.description;
  }
};

/// A value a step publishes: a file at `path`, or (no path) a name=value
/// line the step writes to $TAME_OUTPUT.
struct OutputDecl {
  std::string path;

  bool operator==(const OutputDecl& o) const { return path == o.path; }
};

struct Retries {
  int max = 0;
  std::string backoff;  // duration text; empty means the default
  std::optional<double> factor;
  std::vector<int> on_exit_codes;  // empty: retry on any failure

  bool operator==(const Retries& o) const {
    return max == o.max && backoff == o.backoff && factor == o.factor &&
           on_exit_codes == o.on_exit_codes;
  }
};

/// `cache: true`, or `cache: { "inputs": [globs] }`.
struct CacheSpec {
  bool enabled = false;
  bool has_inputs = false;  // written as an object
  std::vector<std::string> inputs;

  bool operator==(const CacheSpec& o) const {
    return enabled == o.enabled && has_inputs == o.has_inputs && inputs == o.inputs;
  }
};

struct Step {
  std::string id;
  std::string name;
  std::string uses;
  std::vector<std::string> needs;
  Json with = Json::object();  // the kind's params, typed by the catalog
  std::map<std::string, std::string> env;
  std::string if_condition;  // "" (success), "success", "failure", "always"
  std::string timeout;       // duration text; empty means none
  std::optional<Retries> retries;
  std::optional<CacheSpec> cache;
  std::map<std::string, OutputDecl> outputs;
  std::optional<bool> continue_on_error;
  Json extensions = Json::object();  // "x-" keys, kept as they were

  bool operator==(const Step& o) const;
  bool operator!=(const Step& o) const { return !(*this == o); }
};

struct Position {
  double x = 0;
  double y = 0;

  bool operator==(const Position& o) const { return x == o.x && y == o.y; }
};

struct Pipeline {
  int version = 1;
  std::string name;
  std::string description;
  std::map<std::string, ParamDecl> params;
  std::map<std::string, SecretDecl> secrets;
  std::vector<Step> steps;
  std::map<std::string, Position> layout;  // designer positions by step id
  Json extensions = Json::object();

  bool operator==(const Pipeline& o) const;
  bool operator!=(const Pipeline& o) const { return !(*this == o); }

  /// The index of the step with `id` in `steps`, or -1.
  int FindStep(const std::string& id) const;
};

}  // namespace tame

#endif  // TAME_CORE_PIPELINE_H_
