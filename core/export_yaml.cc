// Ordered JSON to YAML through yaml-cpp's emitter. yaml-cpp escapes and
// quotes what its own reader needs; what it leaves plain but other readers
// would take for a number, a boolean or a date ("2", "on", "1e3",
// "2024-01-01") is quoted here, since Kubernetes and GitHub read YAML with
// other parsers and an IntOrString written as 2 is not the string "2".
#include <yaml-cpp/yaml.h>

#include <cstring>

#include "core/export_internal.h"

namespace tame {
namespace exporting {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string Lower(const std::string& s) {
  std::string out = s;
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// True when a YAML 1.1 or 1.2 core-schema reader could resolve the plain
// scalar `s` to something other than a string. Errs on the side of quoting:
// anything starting like a number ("20m", "1h30m") is quoted too.
bool LooksLikeNonString(const std::string& s) {
  if (s.empty()) return true;
  static const char* const kWords[] = {"y",  "n",   "yes",  "no", "true", "false",
                                       "on", "off", "null", "~",  "=",    "<<"};
  std::string lower = Lower(s);
  for (const char* word : kWords) {
    if (lower == word) return true;
  }
  size_t i = 0;
  if (s[0] == '+' || s[0] == '-') i = 1;
  if (i < s.size() && s[i] == '.') {
    if (i + 1 < s.size() && IsDigit(s[i + 1])) return true;
    std::string rest = lower.substr(i + 1);
    return rest == "inf" || rest == "nan";
  }
  return i < s.size() && IsDigit(s[i]);
}

// A literal block keeps text exactly when it ends in exactly one newline,
// its first non-empty line does not start with a space (yaml-cpp writes no
// indentation indicator), and it holds only printable characters, tabs and
// newlines (no carriage returns, no Unicode line separators).
bool FitsLiteralBlock(const std::string& s) {
  if (s.size() < 2 || s.back() != '\n' || s[s.size() - 2] == '\n') return false;
  size_t first = s.find_first_not_of('\n');
  if (first == std::string::npos || s[first] == ' ' || s[first] == '\t') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 && c != '\n' && c != '\t') return false;
    if (c == 0x7f) return false;
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x85) {
      return false;  // NEL
    }
    if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(s[i + 2]) == 0xA8 ||
         static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
      return false;  // LS, PS
    }
    if (c == 0xEF && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xBB &&
        static_cast<unsigned char>(s[i + 2]) == 0xBF) {
      return false;  // BOM
    }
  }
  // A line of only spaces before the end would be read as indentation.
  size_t start = 0;
  while (start < s.size()) {
    size_t end = s.find('\n', start);
    std::string line = s.substr(start, end - start);
    if (!line.empty() && line.find_first_not_of(' ') == std::string::npos) return false;
    start = end + 1;
  }
  return true;
}

void EmitString(YAML::Emitter& out, const std::string& s) {
  if (s.find('\n') != std::string::npos) {
    if (FitsLiteralBlock(s)) {
      out << YAML::Literal << s;
    } else {
      out << YAML::DoubleQuoted << s;
    }
  } else if (LooksLikeNonString(s)) {
    out << YAML::DoubleQuoted << s;
  } else {
    out << s;
  }
}

// `plain_keys` apply to this value's own keys only, not to those below.
void EmitValue(YAML::Emitter& out, const OrderedJson& value,
               const std::vector<std::string>& plain_keys) {
  switch (value.type()) {
    case OrderedJson::value_t::object:
      if (value.empty()) {
        out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
        return;
      }
      out << YAML::BeginMap;
      for (auto it = value.begin(); it != value.end(); ++it) {
        out << YAML::Key;
        bool plain = false;
        for (const std::string& key : plain_keys) plain = plain || key == it.key();
        if (plain) {
          out << it.key();
        } else {
          EmitString(out, it.key());
        }
        out << YAML::Value;
        EmitValue(out, *it, {});
      }
      out << YAML::EndMap;
      return;
    case OrderedJson::value_t::array:
      if (value.empty()) {
        out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
        return;
      }
      out << YAML::BeginSeq;
      for (const OrderedJson& item : value) EmitValue(out, item, {});
      out << YAML::EndSeq;
      return;
    case OrderedJson::value_t::string:
      EmitString(out, value.get_ref<const std::string&>());
      return;
    case OrderedJson::value_t::boolean:
      out << (value.get<bool>() ? "true" : "false");
      return;
    case OrderedJson::value_t::number_integer:
    case OrderedJson::value_t::number_unsigned:
    case OrderedJson::value_t::number_float:
      // nlohmann writes the shortest text that reads back the same.
      out << value.dump();
      return;
    case OrderedJson::value_t::null:
    case OrderedJson::value_t::binary:
    case OrderedJson::value_t::discarded:
      out << YAML::Null;
      return;
  }
}

}  // namespace

std::string EmitYaml(const std::vector<OrderedJson>& documents,
                     const std::vector<std::string>& plain_keys) {
  std::string text;
  for (const OrderedJson& doc : documents) {
    YAML::Emitter out;
    out.SetIndent(2);
    EmitValue(out, doc, plain_keys);
    if (!text.empty()) text += "---\n";
    text += out.c_str();
    if (text.empty() || text.back() != '\n') text += '\n';
  }
  return text;
}

}  // namespace exporting
}  // namespace tame
