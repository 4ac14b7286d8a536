// Durations as the pipeline file writes them: "500ms", "90s", "20m", "24h",
// or a sequence of them such as "1h30m".
#ifndef TAME_CORE_DURATION_H_
#define TAME_CORE_DURATION_H_

#include <cstdint>
#include <string>

namespace tame {

/// The longest duration tame accepts: 30 days.
constexpr int64_t kMaxDurationMs = int64_t{30} * 24 * 60 * 60 * 1000;

/// Parses `text` into milliseconds. Returns false, with `error` saying why,
/// when it is not one or more <integer><unit> parts (units ms, s, m, h, d),
/// when it is zero, or when it exceeds kMaxDurationMs.
bool ParseDuration(const std::string& text, int64_t* ms, std::string* error);

/// Milliseconds as the shortest text ParseDuration reads back: "1h30m".
std::string FormatDuration(int64_t ms);

}  // namespace tame

#endif  // TAME_CORE_DURATION_H_
