// Secrets never reach anything tame writes: console, step logs, journal,
// report, junit, error messages; nor do their base64 forms (all three
// alignments), URL and JSON escaped forms, the lines of a multi-line
// secret, or a secret a step printed in two pieces.
#include <gtest/gtest.h>

#include "core/masker.h"
#include "tests/runner/tame_process.h"

namespace tame {
namespace testing {
namespace {

using Json = nlohmann::json;

const char kSecret[] = "p@ss w/rd\"x-Z9?&";
const char kKey[] =
    "-----BEGIN TEST KEY-----\nfirst-line-of-key-1234\nsecond-line-of-key-5678\n"
    "-----END TEST KEY-----";
const char kFileSecret[] = "from-the-secrets-file-42";

class MaskTest : public RunnerTest {};

TEST_F(MaskTest, NoSecretFormReachesAnyOutput) {
  const std::string script = R"(echo "plain: $S"
echo "to stderr: $S" >&2
printf '%s' "$S" | base64 -w0; echo
printf 'a%s' "$S" | base64 -w0; echo
printf 'ab%s' "$S" | base64 -w0; echo
printf 'abc%s' "$S" | base64 -w0 | tr '+/' '-_'; echo
python3 -c 'import os, urllib.parse; print("url=" + urllib.parse.quote(os.environ["S"], safe=""))'
python3 -c 'import json, os; print(json.dumps({"pw": os.environ["S"]}))'
echo "$KEY"
printf '%s\n' "$KEY" | sed -n 3p
printf 'split: %s' "${S:0:5}"; sleep 0.3; printf '%s\n' "${S:5}"
echo "file secret: ${{ secrets.T }}"
echo "leak=$S" >> "$TAME_OUTPUT"
)";
  Write("secrets.env", std::string("# for the test\nT=") + kFileSecret + "\n");
  Write(
      "p.json",
      Pipeline(
          "{\"id\": \"talk\", \"uses\": \"shell\", \"with\": {\"run\": " + Json(script).dump() +
              "},"
              " \"env\": {\"S\": \"${{ secrets.S }}\", \"KEY\": \"${{ secrets.KEY }}\"},"
              " \"outputs\": {\"leak\": {}}},"
              "{\"id\": \"fail\", \"uses\": \"shell\", \"needs\": [\"talk\"], \"with\": {\"run\": "
              "\"echo \\\"dying with ${{ secrets.S }}\\\"; exit 1\"}},"
              "{\"id\": \"where\", \"uses\": \"shell\", \"if\": \"always\", \"needs\": [\"fail\"], "
              "\"with\": {\"run\": \"true\", \"workdir\": \"${{ secrets.S }}\"}}",
          "\"secrets\": {\"S\": {}, \"KEY\": {}, \"T\": {\"from\": \"file\"}},"));
  TameResult r = Tame({"run", "p.json", "--secrets-file", "secrets.env", "--junit", "junit.xml"},
                      {{"S", kSecret}, {"KEY", kKey}});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  const std::string all = EverythingWritten(r);

  std::vector<std::string> forbidden{kSecret, kFileSecret,
                                     "p%40ss%20w%2Frd%22x-Z9%3F%26"  // kSecret, URL-escaped
                                     ,
                                     Json(kSecret).dump().substr(1, 17)};
  for (const char* prefix : {"", "a", "ab", "abc"}) {
    std::string encoded = Base64Encode(prefix + std::string(kSecret));
    forbidden.push_back(encoded.substr(4, encoded.size() - 8));  // its middle, fixed by the secret
  }
  forbidden.back() = [&] {  // the URL-safe one
    std::string s = forbidden.back();
    for (char& c : s) c = c == '+' ? '-' : c == '/' ? '_' : c;
    return s;
  }();
  for (const char* line :
       {"first-line-of-key-1234", "second-line-of-key-5678", "-----BEGIN TEST KEY-----"}) {
    forbidden.push_back(line);
  }
  for (const std::string& f : forbidden) {
    EXPECT_EQ(all.find(f), std::string::npos) << "found \"" << f << "\" in:\n" << all;
  }
  // What was said is still there, masked.
  EXPECT_NE(r.out.find("plain: ***"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("to stderr: ***"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("split: ***"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("file secret: ***"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("{\"pw\": \"***\"}"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("url=***"), std::string::npos) << r.out;
  EXPECT_EQ(StepReport("talk")["outputs"]["leak"], "***");
  EXPECT_EQ(StepReport("where")["error"], "workdir \"***\" is not a folder");
  EXPECT_NE(Read("junit.xml").find("dying with ***"), std::string::npos) << Read("junit.xml");
  EXPECT_NE(Read(RunDir() + "/logs/talk.log").find("plain: ***"), std::string::npos);
}

TEST_F(MaskTest, SecretsDoNotLeakIntoOtherStepsEnvironment) {
  Write("p.json", Pipeline("{\"id\": \"a\", \"uses\": \"shell\", \"with\": {\"run\": "
                           "\"env > env.txt\"}}",
                           "\"secrets\": {\"S\": {}},"));
  TameResult r = Tame({"run", "p.json"}, {{"S", "not-for-steps-123"}});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(Read("env.txt").find("not-for-steps-123"), std::string::npos)
      << "a secret reaches a step only by reference";
  EXPECT_NE(Read("env.txt").find("TAME_STEP_TAG="), std::string::npos);
}

}  // namespace
}  // namespace testing
}  // namespace tame
