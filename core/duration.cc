#include "core/duration.h"

namespace tame {

bool ParseDuration(const std::string& text, int64_t* ms, std::string* error) {
  const std::string expected = "expected a duration such as 500ms, 90s, 20m, 24h or 1h30m";
  if (text.empty()) {
    *error = "empty duration; " + expected;
    return false;
  }
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] < '0' || text[i] > '9') {
      *error = "\"" + text + "\" is not a duration; " + expected;
      return false;
    }
    int64_t value = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      value = value * 10 + (text[i] - '0');
      if (value > kMaxDurationMs) {
        *error = "duration \"" + text + "\" is longer than 30 days";
        return false;
      }
      ++i;
    }
    size_t unit_start = i;
    while (i < text.size() && (text[i] < '0' || text[i] > '9')) ++i;
    std::string unit = text.substr(unit_start, i - unit_start);
    int64_t scale;
    if (unit == "ms") {
      scale = 1;
    } else if (unit == "s") {
      scale = 1000;
    } else if (unit == "m") {
      scale = 60 * 1000;
    } else if (unit == "h") {
      scale = 60 * 60 * 1000;
    } else if (unit == "d") {
      scale = 24 * 60 * 60 * 1000;
    } else {
      *error = unit.empty() ? "duration \"" + text + "\" lacks a unit (ms, s, m, h, d)"
                            : "duration \"" + text + "\" has an unknown unit \"" + unit +
                                  "\"; use ms, s, m, h or d";
      return false;
    }
    total += value * scale;
    if (total > kMaxDurationMs) {
      *error = "duration \"" + text + "\" is longer than 30 days";
      return false;
    }
  }
  if (total == 0) {
    *error = "duration \"" + text + "\" is zero";
    return false;
  }
  *ms = total;
  return true;
}

std::string FormatDuration(int64_t ms) {
  if (ms <= 0) return "0ms";
  static const struct {
    int64_t scale;
    const char* unit;
  } kUnits[] = {
      {24LL * 3600 * 1000, "d"}, {3600 * 1000, "h"}, {60 * 1000, "m"}, {1000, "s"}, {1, "ms"}};
  std::string out;
  for (const auto& u : kUnits) {
    if (ms >= u.scale) {
      out += std::to_string(ms / u.scale) + u.unit;
      ms %= u.scale;
    }
  }
  return out;
}

}  // namespace tame
