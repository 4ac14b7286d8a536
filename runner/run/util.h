// Small helpers the runner's files share: times, masking of JSON values,
// XML escaping, file writes that need no fsync.
#ifndef TAME_RUNNER_RUN_UTIL_H_
#define TAME_RUNNER_RUN_UTIL_H_

#include <cstdint>
#include <string>

#include "core/masker.h"
#include "core/pipeline.h"

namespace tame {

/// Milliseconds of a steady clock, for durations.
int64_t SteadyNowMs();

/// The current UTC time as "2026-11-24T03:55:01.123Z".
std::string IsoTimeNow();

/// The current UTC time as "20261124T035501.123Z", for run ids: they sort
/// by start time, to the millisecond.
std::string CompactTimeNow();

/// The local time as "03:55:01", for plain console lines.
std::string ClockTimeNow();

/// "10ms" (under 100 ms), "0.4s", "12.3s", "2m05s", "1h02m".
std::string ShortDuration(int64_t ms);

/// `j[key]` when `j` is an object that holds it with the type of
/// `fallback` (a string, a bool or an integer), else `fallback`. Never throws:
/// for reading files tame wrote, which someone may have edited.
std::string Field(const Json& j, const char* key, const std::string& fallback);
std::string Field(const Json& j, const char* key, const char* fallback);
bool Field(const Json& j, const char* key, bool fallback);
int64_t Field(const Json& j, const char* key, int64_t fallback);

/// `text` as a JSON string, quotes included; invalid UTF-8 is replaced.
std::string QuoteJson(const std::string& text);

/// `value` with every string in it (keys included) masked.
Json MaskJson(const Json& value, const MaskPatterns& mask);

/// Replaces `path` atomically with `text` masked: how tame writes a whole
/// file of the run folder or a report. False with `error` set on failure.
bool WriteMaskedFile(const MaskPatterns& mask, const std::string& path, const std::string& text,
                     std::string* error);

/// Escapes &, <, >, " and ' for XML text and attributes, and drops
/// characters XML 1.0 does not allow.
std::string XmlEscape(const std::string& text);

/// `text` safe to print on a terminal: each control character (C0 but tab,
/// DEL, and C1 written as UTF-8) becomes a visible "\x1b"-style escape, so a
/// step name or message read from a run folder cannot move the cursor,
/// retitle the window or hide text, on a terminal or later in `less -R`.
std::string NeutraliseControls(const std::string& text);

/// Replaces `path` with `text` through a temporary file and rename(2), without
/// fsync: for files that are only a cache. Returns false with `error` set.
bool WriteFileReplace(const std::string& path, const std::string& text, std::string* error);

/// Creates `path` and its missing parents (mode 0755). Returns false with
/// `error` set.
bool MakeDirs(const std::string& path, std::string* error);

/// `count` random bytes as hex, from /dev/urandom.
std::string RandomHex(size_t count);

}  // namespace tame

#endif  // TAME_RUNNER_RUN_UTIL_H_
