#include "core/json_parse.h"

#include <cmath>
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

  StrictBuilder(Json* root, size_t max_depth, std::string_view text)
      : root_(root), max_depth_(max_depth), text_(text) {}

  bool null() { return Put(Json(nullptr)); }
  bool boolean(bool v) { return Put(Json(v)); }
  bool number_integer(number_integer_t v) { return Put(Json(v)); }
  bool number_unsigned(number_unsigned_t v) { return Put(Json(v)); }
  bool number_float(number_float_t v, const string_t& lexeme) {
    if (!std::isfinite(v)) {
      return Fail("number " + lexeme + " is out of range");
    }
    return Put(Json(v));
  }
  bool string(string_t& v) { return Put(Json(std::move(v))); }
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
    auto inserted = object.emplace(std::move(k), nullptr);
    top.key = &inserted.first->first;
    if (!inserted.second) {
      return Fail("duplicate key \"" + *top.key + "\"");
    }
    pending_ = &inserted.first->second;
    return true;
  }
  bool end_object() {
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t) {
    if (stack_.size() >= max_depth_) return TooDeep();
    Json* v = Place(Json::array());
    stack_.push_back(Frame{v, nullptr});
    return true;
  }
  bool end_array() {
    stack_.pop_back();
    return true;
  }

  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& ex) {
    std::string message = ex.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 5:
    //  syntax error while parsing value - unexpected end of input; ..."
    size_t dash = message.find(" - ");
    if (dash != std::string::npos) message = message.substr(dash + 3);
    size_t last_read = message.find("; last read:");
    if (last_read != std::string::npos) message.resize(last_read);
    return FailAt(position, message);
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
    return Fail("nesting is deeper than " + std::to_string(max_depth_) +
                " levels");
  }

  // SAX events carry no position, so errors found here are placed by their
  // JSON pointer alone.
  bool Fail(const std::string& message) {
    return FailAt(std::string::npos, message);
  }

  bool FailAt(size_t position, const std::string& message) {
    error_.message = message;
    error_.pointer = CurrentPointer();
    LineColumn(position, &error_.line, &error_.column);
    return false;
  }

  void LineColumn(size_t position, int* line, int* column) const {
    if (position == std::string::npos) return;
    if (position > text_.size()) position = text_.size();
    int l = 1;
    size_t line_start = 0;
    for (size_t i = 0; i + 1 < position; ++i) {
      if (text_[i] == '\n') {
        ++l;
        line_start = i + 1;
      }
    }
    *line = l;
    *column = static_cast<int>(position - line_start);
    if (*column < 1) *column = 1;
  }

  std::string CurrentPointer() const {
    std::string pointer;
    for (const Frame& f : stack_) {
      if (f.value->is_array()) {
        pointer = PointerAppend(pointer, f.value->size());
      } else if (f.key != nullptr) {
        pointer = PointerAppend(pointer, *f.key);
      }
    }
    return pointer;
  }

  Json* root_;
  size_t max_depth_;
  std::string_view text_;
  std::vector<Frame> stack_;
  Json* pending_ = nullptr;
  Diagnostic error_;
};

}  // namespace

bool ParseJsonStrict(std::string_view text, const ParseLimits& limits, Json* out,
                     Diagnostic* error) {
  if (text.size() > limits.max_bytes) {
    error->message = "file is " + std::to_string(text.size()) +
                     " bytes; the limit is " + std::to_string(limits.max_bytes);
    return false;
  }
  if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF &&
      static_cast<unsigned char>(text[1]) == 0xBB &&
      static_cast<unsigned char>(text[2]) == 0xBF) {
    error->message =
        "file starts with a byte order mark; save it as UTF-8 without one";
    error->line = 1;
    error->column = 1;
    return false;
  }
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    error->message = "file is empty; expected a JSON object";
    return false;
  }
  StrictBuilder builder(out, limits.max_depth, text);
  bool ok = Json::sax_parse(text.begin(), text.end(), &builder,
                            Json::input_format_t::json, /*strict=*/true);
  if (!ok) *error = builder.error();
  return ok;
}

}  // namespace tame
