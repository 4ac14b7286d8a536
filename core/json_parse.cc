#include "core/json_parse.h"

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace tame {
namespace {

// Builds the DOM as nlohmann's own SAX DOM parser does, and also keeps the
// path to the value being read, so that every error names its place.
class StrictBuilder {
 public:
  using number_integer_t = Json::number_integer_t;
  using number_unsigned_t = Json::number_unsigned_t;
  using number_float_t = Json::number_float_t;
  using string_t = Json::string_t;
  using binary_t = Json::binary_t;

  StrictBuilder(Json* root, size_t max_depth) : root_(root), max_depth_(max_depth) {}

  bool null() { return Put(Json(nullptr)); }
  bool boolean(bool v) { return Put(Json(v)); }
  bool number_integer(number_integer_t v) { return Put(Json(v)); }
  bool number_unsigned(number_unsigned_t v) { return Put(Json(v)); }
  bool number_float(number_float_t v, const string_t& lexeme) {
    if (!std::isfinite(v)) {
      return Fail("number " + lexeme + " is out of range");
    }
    // Integer syntax reaches here only when it overflowed 64 bits.
    if (lexeme.find_first_of(".eE") == std::string::npos) {
      return Fail("integer " + lexeme + " is out of range");
    }
    return Put(Json(v));
  }
  // Keys and strings are copied, not moved: moving would take the lexer's
  // buffer, which it then grows again one character at a time.
  bool string(string_t& v) { return Put(Json(v)); }
  bool binary(binary_t&) { return Fail("binary values are not JSON"); }

  bool start_object(std::size_t) {
    if (stack_.size() >= max_depth_) return TooDeep();
    Json* v = Place(Json::object());
    stack_.push_back(Frame{v, nullptr});
    return true;
  }
  bool key(string_t& k) {
    Frame& top = stack_.back();
    auto& object = top.value->get_ref<Json::object_t&>();
    auto inserted = object.emplace(k, nullptr);
    top.key = &inserted.first->first;
    if (!inserted.second) {
      return Fail("duplicate key \"" + *top.key + "\"");
    }
    pending_ = &inserted.first->second;
    return true;
  }
  bool end_object() { return EndContainer(); }
  bool start_array(std::size_t) {
    if (stack_.size() >= max_depth_) return TooDeep();
    Json* v = Place(Json::array());
    stack_.push_back(Frame{v, nullptr});
    return true;
  }
  bool end_array() { return EndContainer(); }

  bool parse_error(std::size_t, const std::string& last_token,
                   const nlohmann::detail::exception& ex) {
    // "[json.exception.parse_error.101] parse error at line 1, column 5:
    //  syntax error while parsing value - unexpected end of input; ..."
    std::string message = ex.what();
    int line = 0;
    int column = 0;
    size_t at = message.find(" at line ");
    if (at != std::string::npos) {
      std::sscanf(message.c_str() + at, " at line %d, column %d", &line, &column);
    }
    if (message.find("number overflow") != std::string::npos) {
      message = "number " + last_token + " is out of range";
    } else {
      size_t dash = message.find(" - ");
      size_t colon = message.find("] ");
      if (dash != std::string::npos) {
        message = message.substr(dash + 3);
      } else if (colon != std::string::npos) {
        message = message.substr(colon + 2);
      }
      size_t last_read = message.find("; last read:");
      if (last_read != std::string::npos) message.resize(last_read);
    }
    Fail(message);
    error_.line = line;
    error_.column = column;
    return false;
  }

  const Diagnostic& error() const { return error_; }

 private:
  struct Frame {
    Json* value;
    const std::string* key;  // the member being read, in an object
  };

  // Puts a scalar where the next value goes.
  bool Put(Json&& v) {
    Place(std::move(v));
    if (!stack_.empty()) stack_.back().key = nullptr;  // the member is complete
    return true;
  }

  Json* Place(Json&& v) {
    if (stack_.empty()) {
      *root_ = std::move(v);
      return root_;
    }
    Json* container = stack_.back().value;
    if (container->is_array()) {
      auto& array = container->get_ref<Json::array_t&>();
      array.push_back(std::move(v));
      return &array.back();
    }
    *pending_ = std::move(v);
    return pending_;
  }

  bool TooDeep() {
    return Fail("nesting is deeper than " + std::to_string(max_depth_) + " levels");
  }

  bool EndContainer() {
    stack_.pop_back();
    if (!stack_.empty()) stack_.back().key = nullptr;  // the member is complete
    return true;
  }

  // SAX events carry no position, so errors found here are placed by their
  // JSON pointer alone; nlohmann's syntax errors add line and column.
  bool Fail(const std::string& message) {
    error_.message = message;
    error_.pointer = CurrentPointer();
    return false;
  }

  std::string CurrentPointer() const {
    // An array's element being read is the last one placed when a deeper
    // frame is open (a container inside it), else the next one to come.
    std::string pointer;
    for (size_t i = 0; i < stack_.size(); ++i) {
      const Frame& f = stack_[i];
      if (f.value->is_array()) {
        size_t size = f.value->size();
        pointer = PointerAppend(pointer, i + 1 < stack_.size() ? size - 1 : size);
      } else if (f.key != nullptr) {
        pointer = PointerAppend(pointer, *f.key);
      }
    }
    return pointer;
  }

  Json* root_;
  size_t max_depth_;
  std::vector<Frame> stack_;
  Json* pending_ = nullptr;
  Diagnostic error_;
};

}  // namespace

bool ParseJsonStrict(std::string_view text, const ParseLimits& limits, Json* out,
                     Diagnostic* error) {
  if (text.size() > limits.max_bytes) {
    error->message = "file is " + std::to_string(text.size()) + " bytes; the limit is " +
                     std::to_string(limits.max_bytes);
    return false;
  }
  if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF &&
      static_cast<unsigned char>(text[1]) == 0xBB && static_cast<unsigned char>(text[2]) == 0xBF) {
    error->message = "file starts with a byte order mark; save it as UTF-8 without one";
    error->line = 1;
    error->column = 1;
    return false;
  }
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    error->message = "file is empty; expected a JSON object";
    return false;
  }
  StrictBuilder builder(out, limits.max_depth);
  bool ok = Json::sax_parse(text.begin(), text.end(), &builder, Json::input_format_t::json,
                            /*strict=*/true);
  if (!ok) *error = builder.error();
  return ok;
}

const char* JsonTypeName(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::object:
      return "an object";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "an integer";
    case Json::value_t::number_float:
      return "a number";
    default:
      return "an unknown value";
  }
}

}  // namespace tame
