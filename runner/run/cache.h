// The step cache: a step with `cache` on is skipped when nothing it depends
// on changed since a run in which it succeeded, and the files it made are
// still as it left them (as DVC and Bazel do).
//
// A step's key is the SHA-256 of
//   - its definition: id, uses, with, env, outputs and cache, as JSON;
//   - the value of every reference it holds (params, secrets, step outputs;
//     a file output also by its content; run.id makes a step never cached),
//     each as an HMAC-SHA-256 under the workspace's own random key
//     (.tame/cache/key, mode 0600), so that who reads the cache cannot
//     test guesses of a secret;
//   - the path and content of every file its cache.inputs globs match.
// Entries live in <workspace>/.tame/cache/entries, one per line,
// appended with one write(2) each, so parallel steps and parallel runs may
// add entries at once. A hit also needs every declared output file to be
// there with the content it had.
// File hashes are remembered by size, mtime, ctime and inode, as git's index
// does, so an unchanged input is not read again; a file changed in the same
// instant it was hashed ("racy") is always read again.
// Output values that hold a secret are never in the entries: they are kept
// in .tame/cache/secret/<key>, mode 0600 in a 0700 folder, and restored
// from there on a hit (a hit without that file is a miss).
#ifndef TAME_RUNNER_RUN_CACHE_H_
#define TAME_RUNNER_RUN_CACHE_H_

#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/pipeline.h"

namespace tame {

/// A file as the cache saw it.
struct FileStamp {
  std::string sha;  // SHA-256 of the content
  int64_t size = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = -1;  // -1: the hash may not be reused (racy, or not known)
  int64_t inode = -1;
};

struct CacheEntry {
  std::string key;
  std::string pipeline;  // the pipeline's name
  std::string step;
  std::map<std::string, std::string> parts;           // what the key was made of, hashed
  std::map<std::string, std::string> outputs;         // the step's output values, but
  std::map<std::string, std::string> secret_outputs;  // those holding a secret: name -> ""
  std::map<std::string, FileStamp> files;             // declared output files
  std::map<std::string, FileStamp> inputs;            // input files, to reuse their hashes
};

class Cache {
 public:
  /// The cache of `workspace` (its .tame/cache folder, created on Store()).
  /// With `create_key` false (a preview), a missing key is not made: every
  /// step is then a miss.
  explicit Cache(std::string workspace, bool create_key = true);

  /// Reads the workspace's cache key, making it on first use. False with
  /// `error` naming the file when it cannot be read or is not a key.
  bool LoadKey(std::string* error);

  /// The output values of a hit: its plain outputs and those kept in the
  /// secret store. False with `why` set when the secret ones are gone.
  bool Outputs(const CacheEntry& entry, std::map<std::string, std::string>* outputs,
               std::string* why);

  /// Stores `outputs` into `entry`: values that `is_secret` says hold a
  /// secret go to the secret store (written at once), the others into
  /// entry->outputs. False when the secret store cannot be written.
  template <typename IsSecret>
  bool SetOutputs(const std::map<std::string, std::string>& outputs, IsSecret is_secret,
                  CacheEntry* entry) {
    std::map<std::string, std::string> secret;
    entry->outputs.clear();
    entry->secret_outputs.clear();
    for (const auto& [name, value] : outputs) {
      if (is_secret(value)) {
        secret[name] = value;
        entry->secret_outputs[name] = "";
      } else {
        entry->outputs[name] = value;
      }
    }
    return secret.empty() || StoreSecrets(entry->key, secret);
  }

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
  // One line of the entries file: "KEY STEP PIPELINE-HASH JSON", its parts
  // seen in text_ or added_. The JSON is parsed only for the entries a run
  // asks for.
  struct Line {
    std::string_view key;
    std::string_view step;
    std::string_view pipeline;  // first 16 hex digits of the SHA-256 of its name
    std::string_view json;
  };
  struct StepHash {
    size_t operator()(const std::pair<std::string_view, std::string_view>& p) const {
      return std::hash<std::string_view>()(p.first) * 31 + std::hash<std::string_view>()(p.second);
    }
  };

  void Load();
  bool StoreSecrets(const std::string& key, const std::map<std::string, std::string>& values);
  const CacheEntry* Parsed(size_t line);
  void Index(std::string_view text);
  bool HashFile(const std::string& relative, const std::map<std::string, FileStamp>* known,
                FileStamp* stamp, std::string* error);
  const CacheEntry* Latest(const std::string& pipeline, const std::string& step);

  std::string workspace_;
  std::string dir_;
  bool create_key_ = true;
  std::string key_;  // the HMAC key (its 64 hex digits), once loaded
  bool loaded_ = false;
  std::string text_;               // the entries file as read
  std::deque<std::string> added_;  // lines stored since, each whole, in place
  std::string unwritten_;          // lines stored but not yet written
  std::vector<Line> lines_;
  std::unordered_map<std::string_view, size_t> by_key_;  // latest line with each key
  std::unordered_map<std::pair<std::string_view, std::string_view>, size_t, StepHash>
      latest_;  // (pipeline, step)
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
