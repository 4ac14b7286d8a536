// Secret masking: every text tame writes (console, step logs, journal,
// report, junit, error messages) passes through a masker that replaces each
// secret, and each form a secret commonly leaks in, by "***".
//
//   SecretForms()   the texts that reveal one secret
//   MaskPatterns    an Aho-Corasick automaton over all forms of all secrets,
//                   built once per run and shared
//   StreamMasker    masks a byte stream that arrives in pieces (a step's
//                   output), holding back only a tail that could still be
//                   the start of a secret
//
// The automaton does not read the raw bytes but a view of them in which
//   - %XX (either case) stands for the byte it encodes, so a URL-encoded
//     secret is caught however each character was written (raw, %XX,
//     %xx), and '+' and ' ' are the same character (form encoding);
//   - a line break ("\n", "\r\n", "\r") that ends a run of base64
//     characters (at least kWrapRun of them, or a whole line of at least
//     kWrapLine) is not there at all, so base64 wrapped at any width (64 as
//     PEM and openssl write, 76 as base64 does) is caught at any alignment.
// A masked region keeps the line breaks it spans: "***\n***".
// Where matches overlap or touch, their union becomes one "***".
#ifndef TAME_CORE_MASKER_H_
#define TAME_CORE_MASKER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tame {

/// The replacement of a masked region.
constexpr char kMask[] = "***";

/// Derived forms shorter than this are not masked: a three-letter fragment
/// of a base64 form would mask ordinary words. The secret itself is always
/// masked, whatever its length.
constexpr size_t kMinDerivedForm = 4;

/// A line break is read as a base64 wrap when it ends a run of at least
/// kWrapRun base64 characters, or a line (after its indent) made only of
/// at least kWrapLine of them. Such a break is invisible to the automaton,
/// and a line that ends like that is held back until the next one comes.
constexpr size_t kWrapRun = 16;
constexpr size_t kWrapLine = 4;

/// The texts that reveal `secret`: the value itself; each of its lines
/// (without "\r"); for the value and each line, its base64 forms at all
/// three alignments in the standard and the URL-safe alphabets (only the
/// characters fixed by the secret alone, so they match inside a longer
/// encoded text); its URL-escaped forms (%XX upper and lower case, and
/// '+' for space; the masker also catches any mix of them) and its
/// JSON-escaped forms (as written by JSON encoders that keep UTF-8, by
/// those that escape to \uXXXX, that write '/' as "\/" or that escape
/// <, > and & as Go's does). Without repeats.
std::vector<std::string> SecretForms(const std::string& secret);

/// The standard base64 encoding of `data`, with '=' padding.
std::string Base64Encode(std::string_view data);

/// `data` percent-encoded for a URL's path or query: every byte but the
/// unreserved ones (A-Z a-z 0-9 - . _ ~) as %XX, upper-case hex unless
/// `lower_hex`, and a space as '+' when `plus_for_space` (form encoding).
std::string PercentEncode(std::string_view data, bool lower_hex = false,
                          bool plus_for_space = false);

class MaskPatterns {
 public:
  /// An automaton that matches every form of every one of `secrets`.
  /// Empty secrets are ignored.
  explicit MaskPatterns(const std::vector<std::string>& secrets = {});

  /// True when there is nothing to mask.
  bool empty() const { return max_length_ == 0; }
  /// The length of the longest pattern: what a stream may hold back.
  size_t max_length() const { return max_length_; }
  size_t pattern_count() const { return pattern_count_; }

  /// `text` with every match replaced by "***".
  std::string Mask(std::string_view text) const;

 private:
  friend class StreamMasker;

  void Build(const std::vector<std::string>& patterns);

  // The automaton runs on offsets into the transition table (state times
  // the number of classes), so a step is one add and one load; the top bit
  // of an entry says that a pattern ends in the state it leads to, the next
  // one that the byte needs a closer look ('%', '\n', '\r').
  static constexpr uint32_t kEndsPattern = 0x80000000u;
  static constexpr uint32_t kSpecial = 0x40000000u;
  static constexpr uint32_t kFlags = kEndsPattern | kSpecial;

  uint8_t class_of_[256] = {};  // byte -> class; 0 for bytes in no pattern
  uint32_t classes_ = 1;
  std::vector<uint32_t> next_;     // full transition table, state x class, as above
  std::vector<uint32_t> longest_;  // longest pattern ending in each state
  std::vector<uint32_t> depth_;    // length of the prefix each state stands for
  size_t max_length_ = 0;
  size_t pattern_count_ = 0;
};

/// Masks one stream. Feed() pieces in order; Finish() at the end releases
/// the held-back tail. A secret split across two Feed() calls is masked.
class StreamMasker {
 public:
  /// `patterns` must outlive the masker.
  explicit StreamMasker(const MaskPatterns* patterns) : patterns_(patterns) {}

  /// Appends to `out` the masked text that is safe to release so far.
  void Feed(std::string_view data, std::string* out);
  /// Appends everything still held back, masked, and resets the stream.
  void Finish(std::string* out);
  /// Bytes received but not yet released.
  size_t held() const { return held_.size(); }
  /// True when what is held back spans a line break: whole lines wait for
  /// the next one because they end like a wrapped base64 line.
  bool holds_line() const { return held_.find_first_of("\r\n") != std::string::npos; }

 private:
  struct Interval {
    uint64_t begin;
    uint64_t end;
  };
  // A place where the text has more bytes than the automaton's view: a
  // wrap break (one byte) or a %XX escape (two more), at the last of them.
  struct Gap {
    uint64_t pos;
    uint32_t extra;
  };
  void Add(Interval match);
  // Runs the automaton over `buf` (whose first byte is at pos_). Stops
  // before an escape cut by the end of `buf` unless `final`, keeping it in
  // unscanned_ to read again with what follows.
  void Scan(std::string_view buf, bool final);
  // The entry to take for the special byte buf[i]; `used` gets how many
  // more bytes it took. False when an escape needs bytes not there yet.
  bool Special(std::string_view buf, size_t i, uint32_t offset, uint32_t entry, bool final,
               uint32_t* result, size_t* used);
  bool IsWrapBreak(std::string_view buf, size_t i);
  // Where, in the text, a view of `length` bytes ending at `end` starts.
  uint64_t StartOf(uint64_t end, uint64_t length) const;
  // Puts bytes of the stream before feeding more: the held tail, then what
  // follows in `data`; `unscanned_` bytes are handed back for rescanning.
  void TakeBackUnscanned(std::string* joined, std::string_view* data);
  // Writes out what is before absolute offset `upto`, from held_ and then
  // from `data` (the bytes just fed), and keeps the rest in held_.
  void Release(uint64_t upto, std::string_view data, std::string* out);
  void AppendRange(uint64_t from, uint64_t to, std::string_view data, std::string* out) const;
  void AppendMask(uint64_t from, uint64_t to, std::string_view data, std::string* out) const;

  const MaskPatterns* patterns_;
  uint32_t offset_ = 0;      // the automaton's state, as a table offset
  uint64_t pos_ = 0;         // absolute offset of the next byte
  uint64_t held_start_ = 0;  // absolute offset of held_[0]
  std::string held_;
  std::vector<Interval> pending_;  // masked regions not yet released
  std::vector<Gap> gaps_;          // since the start of the current state's prefix
  std::string tail_;               // the last bytes scanned, to judge a line break
  std::string unscanned_;          // an escape cut by the end of the last piece
  uint64_t wrap_cr_ = UINT64_MAX;  // position of the last "\r" read as a wrap
};

}  // namespace tame

#endif  // TAME_CORE_MASKER_H_
