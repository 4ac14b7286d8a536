// SHA-256 (FIPS 180-4), for content hashes: the pipeline's canonical hash in
// run reports and the runner's cache keys. No I/O, so it builds with em++ as
// well; natively it uses the CPU's SHA instructions when there are any.
#ifndef TAME_CORE_SHA256_H_
#define TAME_CORE_SHA256_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tame {

/// An incremental SHA-256: Update() any number of times, then Hex() or
/// Digest() once.
class Sha256 {
 public:
  Sha256();

  void Update(const void* data, size_t size);
  void Update(std::string_view text) { Update(text.data(), text.size()); }

  /// The 32-byte digest. Ends the computation: call it once.
  std::array<uint8_t, 32> Digest();
  /// The digest as 64 lowercase hex digits. Ends the computation.
  std::string Hex();

 private:
  void Block(const uint8_t* block);

  uint32_t state_[8];
  uint8_t buffer_[64];
  size_t buffered_ = 0;
  uint64_t total_ = 0;
};

/// The SHA-256 of `text` as 64 lowercase hex digits.
std::string Sha256Hex(std::string_view text);

/// HMAC-SHA-256 (RFC 2104) of `message` under `key`, as 64 lowercase hex
/// digits.
std::string HmacSha256Hex(std::string_view key, std::string_view message);

/// Whether Sha256 uses the CPU's SHA instructions (x86-64 CPUs that have
/// them; never in the browser). It does by default where it can; tests call
/// this with false to check the plain code. Returns what is now in use.
bool Sha256Accelerated(bool use);

}  // namespace tame

#endif  // TAME_CORE_SHA256_H_
