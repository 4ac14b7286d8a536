#include "core/sha256.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tame {
namespace {

// Each test runs with the CPU's SHA instructions where there are any, and
// with the plain code.
class Sha256Test : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override { accelerated_ = Sha256Accelerated(GetParam()); }
  void TearDown() override { Sha256Accelerated(true); }
  bool accelerated_ = false;
};

INSTANTIATE_TEST_SUITE_P(Code, Sha256Test, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "Fastest" : "Plain"; });

TEST_P(Sha256Test, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_P(Sha256Test, PiecesGiveTheSameDigestAsTheWhole) {
  std::string text;
  for (int i = 0; i < 300; ++i) text += static_cast<char>(i * 7);
  for (size_t cut = 0; cut <= text.size(); cut += 13) {
    Sha256 sha;
    sha.Update(std::string_view(text).substr(0, cut));
    sha.Update(std::string_view(text).substr(cut));
    EXPECT_EQ(sha.Hex(), Sha256Hex(text)) << cut;
  }
}

// FIPS 180-4's two-block message and lengths around the padding's edges,
// against digests computed by the plain code with the accelerated one off.
TEST_P(Sha256Test, EveryLengthAroundTheBlockEdgesAgreesWithThePlainCode) {
  EXPECT_EQ(Sha256Hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                      "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  std::string text;
  for (int i = 0; i < 200; ++i) text += static_cast<char>(i * 31 + 7);
  std::vector<std::string> plain;
  Sha256Accelerated(false);
  for (size_t n = 0; n <= text.size(); ++n) plain.push_back(Sha256Hex(text.substr(0, n)));
  Sha256Accelerated(GetParam());
  for (size_t n = 0; n <= text.size(); ++n) EXPECT_EQ(Sha256Hex(text.substr(0, n)), plain[n]) << n;
}

TEST(HmacSha256, Rfc4231Cases) {
  EXPECT_EQ(HmacSha256Hex(std::string(20, '\x0b'), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(HmacSha256Hex(std::string(131, '\xaa'),
                          "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

}  // namespace
}  // namespace tame
