#include "core/yaml_read.h"

#include <yaml.h>

#include <map>
#include <unordered_set>

namespace tame {

bool YamlNode::IsNull() const {
  return kind == Kind::kScalar && plain &&
         (value.empty() || value == "~" || value == "null" || value == "Null" || value == "NULL");
}

const YamlNode* YamlNode::Find(std::string_view key) const {
  for (const auto& [k, v] : entries) {
    if (k == key) return v.get();
  }
  return nullptr;
}

namespace {

// One open collection while the events are read.
struct Frame {
  std::shared_ptr<YamlNode> node;
  std::string anchor;
  bool has_key = false;
  std::string key;
  int key_line = 0;
  std::vector<YamlNodePtr> merges;       // `<<` sources, applied when the mapping ends
  std::unordered_set<std::string> keys;  // a mapping's keys, for duplicates in O(1)
};

class Reader {
 public:
  explicit Reader(const YamlLimits& limits) : limits_(limits) {}

  // Reads events until the first document ends; returns false with error_ set.
  bool Run(yaml_parser_t* parser) {
    bool in_document = false;
    for (;;) {
      yaml_event_t event;
      if (!yaml_parser_parse(parser, &event)) {
        Fail(parser->problem ? parser->problem : "not YAML", parser->problem_mark);
        if (parser->context) error_.message = std::string(parser->context) + ": " + error_.message;
        return false;
      }
      bool ok = Handle(event, &in_document);
      yaml_event_type_t type = event.type;
      yaml_event_delete(&event);
      if (!ok) return false;
      if (type == YAML_STREAM_END_EVENT) return true;
    }
  }

  YamlNodePtr root() const { return root_; }
  const Diagnostic& error() const { return error_; }

 private:
  bool Fail(const std::string& message, const yaml_mark_t& mark) {
    error_.message = message;
    error_.line = static_cast<int>(mark.line) + 1;
    error_.column = static_cast<int>(mark.column) + 1;
    return false;
  }

  bool Count(size_t n, const yaml_mark_t& mark) {
    nodes_ += n;
    if (nodes_ > limits_.max_nodes) {
      return Fail("the document expands to more than " + std::to_string(limits_.max_nodes) +
                      " nodes (aliases included)",
                  mark);
    }
    return true;
  }

  static std::string Tag(const yaml_char_t* tag) {
    if (!tag) return "";
    std::string t(reinterpret_cast<const char*>(tag));
    // Only local tags (`!reference`) matter; the core schema's are implied.
    return t.rfind("tag:yaml.org,2002:", 0) == 0 ? "" : t;
  }

  static std::string Text(const yaml_char_t* s) {
    return s ? std::string(reinterpret_cast<const char*>(s)) : std::string();
  }

  bool Handle(const yaml_event_t& e, bool* in_document) {
    switch (e.type) {
      case YAML_DOCUMENT_START_EVENT:
        if (root_ || *in_document) {
          return Fail("more than one YAML document in the file", e.start_mark);
        }
        *in_document = true;
        return true;
      case YAML_SCALAR_EVENT: {
        auto node = std::make_shared<YamlNode>();
        node->value.assign(reinterpret_cast<const char*>(e.data.scalar.value),
                           e.data.scalar.length);
        node->tag = Tag(e.data.scalar.tag);
        node->plain = e.data.scalar.style == YAML_PLAIN_SCALAR_STYLE && node->tag.empty();
        node->line = static_cast<int>(e.start_mark.line) + 1;
        if (!Count(1, e.start_mark)) return false;
        if (e.data.scalar.anchor) anchors_[Text(e.data.scalar.anchor)] = node;
        return Add(node, e.start_mark);
      }
      case YAML_ALIAS_EVENT: {
        auto it = anchors_.find(Text(e.data.alias.anchor));
        if (it == anchors_.end()) {
          return Fail("unknown alias *" + Text(e.data.alias.anchor), e.start_mark);
        }
        if (!Count(it->second->size, e.start_mark)) return false;
        return Add(it->second, e.start_mark);
      }
      case YAML_SEQUENCE_START_EVENT:
      case YAML_MAPPING_START_EVENT: {
        if (static_cast<int>(stack_.size()) >= limits_.max_depth) {
          return Fail("nesting deeper than " + std::to_string(limits_.max_depth) + " levels",
                      e.start_mark);
        }
        if (!Count(1, e.start_mark)) return false;
        Frame f;
        f.node = std::make_shared<YamlNode>();
        bool seq = e.type == YAML_SEQUENCE_START_EVENT;
        f.node->kind = seq ? YamlNode::Kind::kSequence : YamlNode::Kind::kMapping;
        f.node->tag = Tag(seq ? e.data.sequence_start.tag : e.data.mapping_start.tag);
        f.node->line = static_cast<int>(e.start_mark.line) + 1;
        // A collection under a key is placed at its key, where readers look.
        if (!stack_.empty() && stack_.back().has_key) f.node->line = stack_.back().key_line;
        f.anchor = Text(seq ? e.data.sequence_start.anchor : e.data.mapping_start.anchor);
        stack_.push_back(std::move(f));
        return true;
      }
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT: {
        Frame f = std::move(stack_.back());
        stack_.pop_back();
        if (!ApplyMerges(&f, e.start_mark)) return false;
        size_t size = 1;
        for (const YamlNodePtr& item : f.node->items) size += item->size;
        for (const auto& entry : f.node->entries) size += entry.second->size;
        f.node->size = size;
        if (!f.anchor.empty()) anchors_[f.anchor] = f.node;
        return Add(f.node, e.start_mark);
      }
      default:
        return true;
    }
  }

  // Keys written in the mapping win over merged ones; earlier sources win
  // over later ones, as the merge key's specification says.
  bool ApplyMerges(Frame* f, const yaml_mark_t& mark) {
    for (const YamlNodePtr& source : f->merges) {
      for (const auto& [key, value] : source->entries) {
        if (!f->keys.insert(key).second) continue;
        if (!Count(value->size, mark)) return false;
        f->node->entries.emplace_back(key, value);
      }
    }
    return true;
  }

  bool Add(const YamlNodePtr& node, const yaml_mark_t& mark) {
    if (stack_.empty()) {
      root_ = node;
      return true;
    }
    Frame& top = stack_.back();
    if (top.node->IsSequence()) {
      top.node->items.push_back(node);
      return true;
    }
    if (!top.has_key) {
      if (!node->IsScalar()) return Fail("a mapping key must be a scalar", mark);
      top.has_key = true;
      top.key = node->value;
      top.key_line = node->line;
      return true;
    }
    top.has_key = false;
    if (top.key == "<<" && (node->IsMapping() || node->IsSequence())) {
      if (node->IsMapping()) {
        top.merges.push_back(node);
        return true;
      }
      for (const YamlNodePtr& item : node->items) {
        if (!item->IsMapping()) return Fail("a merge key (<<) takes mappings only", mark);
        top.merges.push_back(item);
      }
      return true;
    }
    if (!top.keys.insert(top.key).second) {
      yaml_mark_t at = mark;
      at.line = static_cast<size_t>(top.key_line - 1);
      at.column = 0;
      return Fail("duplicate key \"" + top.key + "\"", at);
    }
    top.node->entries.emplace_back(std::move(top.key), node);
    return true;
  }

  const YamlLimits& limits_;
  std::vector<Frame> stack_;
  std::map<std::string, YamlNodePtr> anchors_;
  YamlNodePtr root_;
  size_t nodes_ = 0;
  Diagnostic error_;
};

}  // namespace

YamlReadResult ReadYaml(std::string_view text, const YamlLimits& limits) {
  YamlReadResult result;
  if (text.size() > limits.max_bytes) {
    result.error.message = "the file is larger than " + std::to_string(limits.max_bytes) + " bytes";
    return result;
  }
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) {
    result.error.message = "out of memory";
    return result;
  }
  yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()),
                               text.size());
  Reader reader(limits);
  if (reader.Run(&parser)) {
    result.root = reader.root();
    if (!result.root) result.error.message = "the file holds no YAML document";
  } else {
    result.error = reader.error();
  }
  yaml_parser_delete(&parser);
  return result;
}

}  // namespace tame
