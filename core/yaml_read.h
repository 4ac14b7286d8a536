// Reading YAML into a small tree, for `tame import`. libyaml's event parser
// does the reading (plain C: errors are values, so this works in the browser
// build, which has no C++ exceptions). Anchors and aliases are resolved by
// sharing the anchored node, with a limit on the nodes the aliases would
// expand to, so a "billion laughs" file fails fast instead of filling memory.
// Merge keys (`<<: *base`) are applied; local tags such as `!reference` are
// kept on the node for the importer to resolve.
#ifndef TAME_CORE_YAML_READ_H_
#define TAME_CORE_YAML_READ_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/diagnostic.h"

namespace tame {

struct YamlNode;
using YamlNodePtr = std::shared_ptr<const YamlNode>;

struct YamlNode {
  enum class Kind { kScalar, kSequence, kMapping };
  Kind kind = Kind::kScalar;
  std::string value;               // a scalar's text
  std::string tag;                 // a local tag as written ("!reference"), else ""
  bool plain = false;              // a scalar written without quotes (null, true, 3 are typed)
  int line = 0;                    // 1-based
  size_t size = 1;                 // nodes in this subtree, aliases expanded
  std::vector<YamlNodePtr> items;  // a sequence's
  std::vector<std::pair<std::string, YamlNodePtr>> entries;  // a mapping's, in order

  bool IsScalar() const { return kind == Kind::kScalar; }
  bool IsMapping() const { return kind == Kind::kMapping; }
  bool IsSequence() const { return kind == Kind::kSequence; }
  /// True for `~`, `null`, `Null`, `NULL` and an empty plain scalar.
  bool IsNull() const;
  /// The value of `key` in a mapping, or nullptr.
  const YamlNode* Find(std::string_view key) const;
};

struct YamlLimits {
  size_t max_bytes = 4 * 1024 * 1024;
  int max_depth = 64;
  size_t max_nodes = 1000000;  // after expanding aliases
};

struct YamlReadResult {
  YamlNodePtr root;  // set exactly when `error.message` is empty
  Diagnostic error;  // with the line and column of a syntax error
};

/// Reads the first document of `text`. Fails (never throws) on a syntax
/// error, a document over the limits, an unknown alias, a key that is not a
/// scalar, a duplicate key, or a second document.
YamlReadResult ReadYaml(std::string_view text, const YamlLimits& limits = {});

}  // namespace tame

#endif  // TAME_CORE_YAML_READ_H_
