#include "core/masker.h"

#include <gtest/gtest.h>

#include <random>

namespace tame {
namespace {

std::string MaskStream(const MaskPatterns& p, const std::vector<std::string>& pieces) {
  StreamMasker stream(&p);
  std::string out;
  for (const std::string& piece : pieces) stream.Feed(piece, &out);
  stream.Finish(&out);
  return out;
}

// What masking must give, computed the slow way: mark every byte covered by
// an occurrence of any form of any secret, then write each run of marked
// bytes (joined when runs touch) as one "***".
std::string NaiveMask(const std::vector<std::string>& secrets, const std::string& text) {
  std::vector<int> cover(text.size() + 1, 0);
  for (const std::string& secret : secrets) {
    for (const std::string& form : SecretForms(secret)) {
      for (size_t at = text.find(form); at != std::string::npos; at = text.find(form, at + 1)) {
        cover[at] += 1;
        cover[at + form.size()] -= 1;
      }
    }
  }
  std::string out;
  int depth = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    int before = depth;
    depth += cover[i];
    if (depth > 0 && before == 0) out += kMask;
    if (depth == 0) out += text[i];
  }
  return out;
}

TEST(MaskerTest, MasksTheValueWherever) {
  MaskPatterns p({"hunter2", "s3cr3t-token"});
  EXPECT_EQ(p.Mask("pw=hunter2 and s3cr3t-token."), "pw=*** and ***.");
  EXPECT_EQ(p.Mask("hunter2hunter2"), "***");
  EXPECT_EQ(p.Mask("nothing here"), "nothing here");
  EXPECT_EQ(MaskPatterns(std::vector<std::string>{}).Mask("hunter2"), "hunter2");
  EXPECT_TRUE(MaskPatterns({"", ""}).empty());
}

TEST(MaskerTest, OverlappingSecretsBecomeOneMask) {
  MaskPatterns p({"abcd", "cdef"});
  EXPECT_EQ(p.Mask("xabcdefx"), "x***x");
  MaskPatterns q({"bc", "abcde"});
  EXPECT_EQ(q.Mask("abcdex bcx"), "***x ***x");
}

TEST(MaskerTest, Base64FormsAtEveryAlignment) {
  MaskPatterns p({"hunter2!"});
  EXPECT_EQ(Base64Encode("hunter2!"), "aHVudGVyMiE=");
  EXPECT_EQ(p.Mask("aHVudGVyMiE="), "***E=");
  const std::string secret = "correct horse battery staple";
  MaskPatterns q({secret});
  for (const std::string prefix : {"", "u", "us", "use", "user:"}) {
    for (const std::string suffix : {"", "!", "!!", "!!!"}) {
      std::string encoded = Base64Encode(prefix + secret + suffix);
      std::string masked = q.Mask(encoded);
      EXPECT_NE(masked.find(kMask), std::string::npos) << encoded;
      // At most the characters that mix in the neighbours' bits remain.
      EXPECT_LE(masked.size(), encoded.size() - (secret.size() * 4 / 3 - 2) + 3) << encoded;
      std::string url = encoded;
      for (char& c : url) c = c == '+' ? '-' : c == '/' ? '_' : c;
      EXPECT_NE(q.Mask(url).find(kMask), std::string::npos) << url;
    }
  }
}

TEST(MaskerTest, UrlAndJsonEscapedForms) {
  MaskPatterns p({"p@ss word/1\"x"});
  EXPECT_EQ(p.Mask("u=p%40ss%20word%2F1%22x&"), "u=***&");
  EXPECT_EQ(p.Mask("u=p%40ss+word%2F1%22x&"), "u=***&");
  EXPECT_EQ(p.Mask("u=p%40ss%20word%2f1%22x&"), "u=***&");
  EXPECT_EQ(p.Mask(R"({"pw": "p@ss word/1\"x"})"), R"({"pw": "***"})");
  MaskPatterns u({"caf\xC3\xA9-\n-line"});
  EXPECT_EQ(u.Mask(R"({"a": "caf\u00e9-\n-line"})"), R"({"a": "***"})");
}

TEST(MaskerTest, EachLineOfAMultiLineSecret) {
  MaskPatterns p({"-----BEGIN KEY-----\r\nMIIEvQIBADANBg\nkqhkiG9w0BAQE\n-----END KEY-----\n"});
  EXPECT_EQ(p.Mask("line: MIIEvQIBADANBg\nthen kqhkiG9w0BAQE done"), "line: ***\nthen *** done");
  EXPECT_EQ(p.Mask("-----END KEY-----"), "***");
}

TEST(MaskerTest, ShortSecretsAreMaskedButNotTheirShortForms) {
  MaskPatterns p({"ab"});
  EXPECT_EQ(p.Mask("xaby YWI="), "x***y YWI=");
}

TEST(MaskerTest, SecretSplitAcrossReads) {
  const std::string secret = "tok-1234567890";
  MaskPatterns p({secret, "other-secret"});
  const std::string text = "before tok-1234567890 middle other-secret after tok-123 end";
  const std::string expected = "before *** middle *** after tok-123 end";
  EXPECT_EQ(p.Mask(text), expected);
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    EXPECT_EQ(MaskStream(p, {text.substr(0, cut), text.substr(cut)}), expected) << cut;
  }
  std::vector<std::string> bytes;
  for (char c : text) bytes.push_back(std::string(1, c));
  EXPECT_EQ(MaskStream(p, bytes), expected);
}

TEST(MaskerTest, HoldsBackOnlyWhatCouldStartASecret) {
  MaskPatterns p({"zzzzzzzz"});
  StreamMasker stream(&p);
  std::string out;
  stream.Feed("plain text that ends in zz", &out);
  EXPECT_EQ(out, "plain text that ends in ");
  EXPECT_EQ(stream.held(), 2u);
  stream.Feed("zzzzzz!", &out);
  EXPECT_EQ(out, "plain text that ends in ***!");
  EXPECT_EQ(stream.held(), 0u);
  stream.Feed("zzz", &out);
  stream.Finish(&out);
  EXPECT_EQ(out, "plain text that ends in ***!zzz");
}

TEST(MaskerTest, AgreesWithTheSlowWayOnRandomText) {
  std::mt19937 rng(42);
  std::vector<std::string> secrets;
  for (int i = 0; i < 100; ++i) {
    std::string s;
    size_t len = 4 + rng() % 20;
    for (size_t k = 0; k < len; ++k) s += "abcdef=+/%\"\n"[rng() % 12];
    secrets.push_back(s);
  }
  MaskPatterns p(secrets);
  for (int round = 0; round < 50; ++round) {
    std::string text;
    while (text.size() < 2000) {
      if (rng() % 4 == 0) {
        const std::string& s = secrets[rng() % secrets.size()];
        std::vector<std::string> forms = SecretForms(s);
        text += forms[rng() % forms.size()];
      } else {
        text += "abcdefxyz=+/%\"\n "[rng() % 16];
      }
    }
    std::vector<std::string> pieces;
    for (size_t at = 0; at < text.size();) {
      size_t n = 1 + rng() % 64;
      pieces.push_back(text.substr(at, n));
      at += n;
    }
    EXPECT_EQ(MaskStream(p, pieces), NaiveMask(secrets, text)) << round;
  }
}

TEST(PercentEncode, KeepsUnreservedBytesAndEncodesTheRest) {
  EXPECT_EQ(PercentEncode("Az09-._~"), "Az09-._~");
  EXPECT_EQ(PercentEncode("a b/c?d=e&f"), "a%20b%2Fc%3Fd%3De%26f");
  EXPECT_EQ(PercentEncode("\xc3\xa9:"), "%C3%A9%3A");
  EXPECT_EQ(PercentEncode("\xc3\xa9:", /*lower_hex=*/true), "%c3%a9%3a");
  EXPECT_EQ(PercentEncode("a b+", false, /*plus_for_space=*/true), "a+b%2B");
  EXPECT_EQ(PercentEncode(std::string("\0x", 2)), "%00x");
}

}  // namespace
}  // namespace tame
