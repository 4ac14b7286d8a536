#include "core/masker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstring>
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

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool Base64Char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || strchr("+/-_", c); }

// The line break text[i] ends a base64 line wrap (masker.h's rule).
bool NaiveWrap(const std::string& text, size_t i, bool cr_before_was_wrap) {
  if (text[i] == '\n' && cr_before_was_wrap) return true;
  size_t from = i > kWrapRun + 16 ? i - (kWrapRun + 16) : 0;
  size_t k = i;
  while (k > from && Base64Char(text[k - 1])) --k;
  size_t run = i - k;
  if (run >= kWrapRun) return true;
  if (run < kWrapLine) return false;
  while (k > from && (text[k - 1] == ' ' || text[k - 1] == '\t')) --k;
  if (k == from) return from == 0;
  return text[k - 1] == '\n' || text[k - 1] == '\r';
}

// The view masker.h describes: %XX decoded, ' ' as '+', wrap breaks gone;
// `spans` gets the text bytes each view byte stands for.
std::string NaiveView(const std::string& text, std::vector<std::pair<size_t, size_t>>* spans) {
  std::string view;
  bool cr_wrap = false;
  for (size_t i = 0; i < text.size();) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size() && Hex(text[i + 1]) >= 0 && Hex(text[i + 2]) >= 0) {
      char decoded = static_cast<char>(Hex(text[i + 1]) * 16 + Hex(text[i + 2]));
      view += decoded == ' ' ? '+' : decoded;
      if (spans) spans->push_back({i, i + 3});
      i += 3;
      cr_wrap = false;
      continue;
    }
    if (c == '\n' || c == '\r') {
      bool wrap = NaiveWrap(text, i, cr_wrap && text[i - 1] == '\r');
      cr_wrap = c == '\r' && wrap;
      if (wrap) {
        ++i;
        continue;
      }
    } else {
      cr_wrap = false;
    }
    view += c == ' ' ? '+' : c;
    if (spans) spans->push_back({i, i + 1});
    ++i;
  }
  return view;
}

// What masking must give, computed the slow way: mark every text byte
// covered by an occurrence of any form of any secret in the view, then
// write each run of marked bytes (joined when runs touch) as one "***",
// keeping the line breaks it spans.
std::string NaiveMask(const std::vector<std::string>& secrets, const std::string& text) {
  std::vector<std::pair<size_t, size_t>> spans;
  const std::string view = NaiveView(text, &spans);
  std::vector<int> cover(text.size() + 1, 0);
  for (const std::string& secret : secrets) {
    for (const std::string& form : SecretForms(secret)) {
      // A pattern is the form with its escapes decoded; its breaks stay.
      std::string pattern;
      for (size_t i = 0; i < form.size(); ++i) {
        if (form[i] == '%' && i + 2 < form.size() && Hex(form[i + 1]) >= 0 &&
            Hex(form[i + 2]) >= 0) {
          char decoded = static_cast<char>(Hex(form[i + 1]) * 16 + Hex(form[i + 2]));
          pattern += decoded == ' ' ? '+' : decoded;
          i += 2;
        } else {
          pattern += form[i] == ' ' ? '+' : form[i];
        }
      }
      for (size_t at = view.find(pattern); at != std::string::npos;
           at = view.find(pattern, at + 1)) {
        cover[spans[at].first] += 1;
        cover[spans[at + pattern.size() - 1].second] -= 1;
      }
    }
  }
  std::string out;
  int depth = 0;
  bool after_break = false;
  for (size_t i = 0; i < text.size(); ++i) {
    int before = depth;
    depth += cover[i];
    if (depth > 0 && before == 0) {
      out += kMask;
      after_break = false;
    }
    if (depth == 0) {
      out += text[i];
    } else if (text[i] == '\n' || text[i] == '\r') {
      out += text[i];
      after_break = true;
    } else if (after_break) {
      out += kMask;
      after_break = false;
    }
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

std::string Wrap(const std::string& encoded, size_t width, const std::string& eol) {
  std::string out;
  for (size_t at = 0; at < encoded.size(); at += width) out += encoded.substr(at, width) + eol;
  return out;
}

std::string WithoutBreaks(std::string s) {
  s.erase(std::remove_if(s.begin(), s.end(), [](char c) { return c == '\n' || c == '\r'; }),
          s.end());
  return s;
}

// The base64 characters that depend on plain[from, to) alone.
std::string CoreOf(const std::string& plain, size_t from, size_t to) {
  std::string encoded = Base64Encode(plain);
  size_t first = (8 * from + 5) / 6;
  size_t last = 8 * to / 6;
  return encoded.substr(first, last - first);
}

TEST(MaskerTest, WrappedBase64AtEveryWidthAlignmentAndLineEnd) {
  const std::string secret = "Xq7-pa55w0rd/with+extra~chars";
  MaskPatterns p({secret});
  std::mt19937 rng(5);
  for (size_t lead = 0; lead < 3; ++lead) {
    const std::string head = std::string(lead, 'x') + R"({"auths":{"r":{"password":")";
    const std::string plain = head + secret + R"("}}})";
    const std::string core = CoreOf(plain, head.size(), head.size() + secret.size());
    for (size_t width : {4, 8, 17, 60, 64, 76}) {
      for (const std::string eol : {"\n", "\r\n"}) {
        const std::string text = "$ base64 config.json\n" + Wrap(Base64Encode(plain), width, eol);
        const std::string masked = p.Mask(text);
        SCOPED_TRACE("lead " + std::to_string(lead) + " width " + std::to_string(width));
        EXPECT_EQ(std::count(masked.begin(), masked.end(), '\n'),
                  std::count(text.begin(), text.end(), '\n'));
        const std::string flat = WithoutBreaks(masked);
        for (size_t at = 0; at + 6 <= core.size(); ++at) {
          ASSERT_EQ(flat.find(core.substr(at, 6)), std::string::npos) << masked;
        }
        EXPECT_NE(masked.find("***"), std::string::npos);
        // Streamed in pieces of any size, the same.
        std::vector<std::string> pieces;
        for (size_t at = 0; at < text.size();) {
          size_t n = 1 + rng() % 40;
          pieces.push_back(text.substr(at, n));
          at += n;
        }
        EXPECT_EQ(MaskStream(p, pieces), masked);
      }
    }
  }
}

TEST(MaskerTest, WrappedBase64ExactOutput) {
  MaskPatterns p({"hunter2-hunter2"});
  // base64 -w 8 of "pw: hunter2-hunter2\n"
  EXPECT_EQ(p.Mask("cHc6IGh1\nbnRlcjIt\naHVudGVy\nMgo=\n"), "cHc6IG***\n***\n***\n***go=\n");
  EXPECT_EQ(p.Mask("cHc6IGh1\r\nbnRlcjIt\r\naHVudGVy\r\nMgo=\r\n"),
            "cHc6IG***\r\n***\r\n***\r\n***go=\r\n");
}

TEST(MaskerTest, OrdinaryLinesAreNotJoined) {
  MaskPatterns p({"abcdefgh12345678"});
  // A short run after other text is no base64 wrap: nothing joins the lines.
  EXPECT_EQ(p.Mask("value abcd\nefgh12345678 ok\n"), "value abcd\nefgh12345678 ok\n");
  StreamMasker stream(&p);
  std::string out;
  stream.Feed("epoch 1 loss 0.5 abc\n", &out);
  EXPECT_EQ(out, "epoch 1 loss 0.5 abc\n");
  EXPECT_EQ(stream.held(), 0u);
  // A line of base64 characters alone may go on in the next one.
  EXPECT_EQ(p.Mask("  abcd\nefgh12345678\n"), "  ***\n***\n");
}

TEST(MaskerTest, UrlEncodedInAnyMix) {
  const std::string secret = "p@ss word/1+x~\xc3\xa9";
  MaskPatterns p({secret});
  for (const std::string form : {"p%40ss%20word/1%2Bx~%C3%A9",       // Python's quote(): '/' stays
                                 "p%40ss+word%2F1%2Bx%7E%C3%A9",     // quote_plus()
                                 "p%40ss%20word%2f1%2bx~%c3%a9",     // lower-case hex
                                 "%70%40%73s word/1+x%7e\xc3\xa9",   // some letters encoded too
                                 "p%40ss%20word%2F1%2bx%7E%c3%A9"})  // cases mixed
  {
    EXPECT_EQ(p.Mask("u=" + form + "&"), "u=***&") << form;
  }
  std::mt19937 rng(3);
  for (int round = 0; round < 300; ++round) {
    std::string form;
    for (unsigned char c : secret) {
      static const char kHex[] = "0123456789ABCDEF0123456789abcdef";
      int how = static_cast<int>(rng() % 4);
      if (c == ' ' && how == 3) {
        form += '+';
      } else if (how == 0 || how == 3) {
        form += static_cast<char>(c);
      } else {
        form += '%';
        form += kHex[(c >> 4) + (rng() % 2) * 16];
        form += kHex[(c & 15) + (rng() % 2) * 16];
      }
    }
    ASSERT_EQ(p.Mask("u=" + form + "&"), "u=***&") << form;
  }
}

TEST(MaskerTest, JsonEscapedFormsOfEveryEncoder) {
  MaskPatterns p({"a/b\"c<d>&\xc3\xa9"});
  for (const std::string form : {R"(a/b\"c<d>&)"
                                 "\xc3\xa9",
                                 R"(a\/b\"c<d>&\u00e9)", R"(a/b\"c\u003cd\u003e\u0026\u00e9)",
                                 R"(a\/b\"c\u003cd\u003e\u0026)"
                                 "\xc3\xa9"}) {
    EXPECT_EQ(p.Mask("{\"v\":\"" + form + "\"}"), "{\"v\":\"***\"}") << form;
  }
}

TEST(MaskerTest, AgreesWithTheSlowWayOnWrappedAndEscapedText) {
  std::mt19937 rng(9);
  std::vector<std::string> secrets;
  for (int i = 0; i < 40; ++i) {
    std::string s;
    size_t len = 4 + rng() % 24;
    for (size_t k = 0; k < len; ++k) s += "abcXYZ019+/ %\"\n"[rng() % 15];
    secrets.push_back(s);
  }
  MaskPatterns p(secrets);
  for (int round = 0; round < 60; ++round) {
    std::string text;
    while (text.size() < 3000) {
      const std::string& s = secrets[rng() % secrets.size()];
      switch (rng() % 6) {
        case 0:
          text += Wrap(Base64Encode(std::string(rng() % 3, 'q') + s), 1 + rng() % 80,
                       rng() % 2 ? "\n" : "\r\n");
          break;
        case 1:
          text += PercentEncode(s, rng() % 2, rng() % 2);
          break;
        case 2: {
          std::vector<std::string> forms = SecretForms(s);
          text += forms[rng() % forms.size()];
          break;
        }
        default:
          text += "abcXYZ019+/ %\"\n\r\t-_"[rng() % 19];
      }
    }
    std::vector<std::string> pieces;
    for (size_t at = 0; at < text.size();) {
      size_t n = 1 + rng() % 100;
      pieces.push_back(text.substr(at, n));
      at += n;
    }
    ASSERT_EQ(MaskStream(p, pieces), NaiveMask(secrets, text)) << round;
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
