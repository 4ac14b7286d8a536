// The step cache: a step with `cache` on is skipped when nothing it depends
// on changed since a run in which it succeeded, and the files it made are
// still as it left them (as DVC and Bazel do).
//
// A step's key is the SHA-256 of
//   - its definition: id, uses, with, env, outputs and cache, as JSON;
//   - the value of every reference it holds (params, secrets, step outputs;
//     a file output also by its content; run.id makes a step never cached);
//   - the path and content of every file its cache.inputs globs match.
// Entries live in <workspace>/.tame/cache/entries, one per line,
// appended with one write(2) each, so parallel steps and parallel runs may
// add entries at once. A hit also needs every declared output file to be
// there with the content it had (checked by size and mtime, else by hash).
// File hashes are remembered by size and mtime, like git's index, so an
// unchanged input is not read again.
#ifndef TAME_RUNNER_RUN_CACHE_H_
#define TAME_RUNNER_RUN_CACHE_H_

#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/pipeline.h"

namespace tame {

/// A file as the cache saw it.
struct FileStamp {
  std::string sha;  // SHA-256 of the content
  int64_t size = 0;
  int64_t mtime_ns = 0;
};

struct CacheEntry {
  std::string key;
  std::string pipeline;  // the pipeline's name
  std::string step;
  std::map<std::string, std::string> parts;    // what the key was made of, hashed
  std::map<std::string, std::string> outputs;  // the step's output values
  std::map<std::string, FileStamp> files;      // declared output files
  std::map<std::string, FileStamp> inputs;     // input files, to reuse their hashes
};

class Cache {
 public:
  /// The cache of `workspace` (its .tame/cache folder, created on Store()).
  explicit Cache(std::string workspace);

  /// Computes `step`'s key into entry->key and entry->parts (and
  /// entry->inputs). `refs` holds "params.x" -> value for every reference
  /// the step holds; `file_refs` the paths of the file outputs among them.
  /// Returns false with `error` set when an input cannot be read.
  /// `definition` is StepDefinitionHash(step).
  bool ComputeKey(const std::string& pipeline, const Step& step, const std::string& definition,
                  const std::map<std::string, std::string>& refs,
                  const std::map<std::string, std::string>& file_refs, CacheEntry* entry,
                  std::string* error);

  /// The entry stored under `key`, or nullptr.
  const CacheEntry* Find(const std::string& key);

  /// True when every output file of `entry` is there as it was; else false
  /// with `why` saying which is not ("output file out.txt changed").
  bool OutputsIntact(const CacheEntry& entry, std::string* why);

  /// Stamps the declared output files of `step` into entry->files. Returns
  /// false with `error` set when one cannot be read.
  bool StampOutputs(const Step& step, CacheEntry* entry, std::string* error);

  /// Adds `entry`. It is written at the next Flush(), or when enough have
  /// gathered. Failures are ignored: a lost entry is only a miss.
  void Store(const CacheEntry& entry);

  /// Writes out the entries stored since the last Flush(), in one write(2)
  /// of whole lines, so that parallel runs may append at once.
  void Flush();

  /// Why `entry` (a key just computed) has no hit: what differs from the
  /// latest entry of the same step, or "no earlier run".
  std::string ExplainMiss(const CacheEntry& entry);

  /// Flushes, then rewrites the entries file when it has grown well past
  /// what it needs: the latest few entries of each step.
  void Compact();

 private:
  // One line of the entries file: "KEY STEP PIPELINE-HASH JSON". The JSON
  // is parsed only for the entries a run asks for.
  struct Line {
    std::string key;
    std::string step;
    std::string pipeline;  // first 16 hex digits of the SHA-256 of its name
    size_t offset = 0;     // of the JSON in text_
    size_t length = 0;
  };

  void Load();
  const CacheEntry* Parsed(size_t line);
  void Index(Line line);
  bool HashFile(const std::string& relative, const std::map<std::string, FileStamp>* known,
                FileStamp* stamp, std::string* error);
  const CacheEntry* Latest(const std::string& pipeline, const std::string& step);

  std::string workspace_;
  std::string dir_;
  bool loaded_ = false;
  std::string text_;       // the entries file, and the lines added since
  std::string unwritten_;  // lines stored but not yet written
  std::vector<Line> lines_;
  std::unordered_map<std::string, size_t> by_key_;                // latest line with each key
  std::map<std::pair<std::string, std::string>, size_t> latest_;  // (pipeline, step)
  std::unordered_map<size_t, CacheEntry> parsed_;
};

/// The SHA-256 (hex) of what in `step`'s definition decides what it does:
/// id, uses, with, env, outputs and cache inputs, as the cache keys use it.
/// Runs record it per step, so that a partial run can tell whether a step
/// it reuses changed.
std::string StepDefinitionHash(const Step& step);

/// The paths, relative to `workspace` and sorted, of the regular files that
/// `pattern` matches: '*', '?' and [...] within one path part, "**" for any
/// number of folders; a pattern naming a folder takes all files under it.
/// .tame is never searched.
std::vector<std::string> GlobFiles(const std::string& workspace, const std::string& pattern);

}  // namespace tame

#endif  // TAME_RUNNER_RUN_CACHE_H_
