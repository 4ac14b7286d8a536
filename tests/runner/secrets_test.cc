// Secrets against everything tame writes, decoded the ways an attacker would
// decode them; and the cache with secrets: keyed hashes, a private store
// for secret outputs, and hits that are never stale.
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "core/masker.h"
#include "core/sha256.h"
#include "tests/runner/tame_process.h"

namespace tame {
namespace testing {
namespace {

using Json = nlohmann::json;

// Spaces, '/', '+', quotes, HTML characters and non-ASCII text: each has an
// escape of its own in URLs and JSON.
const char kS1[] = "p@ss w/rd+\"x<&>-Z9\xc3\xa9~";
const char kS2[] = "Tok_3nVal+/ue0123456789";
const char kMetric[] = "acc-s3cr3t-metric";

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string UrlDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && Hex(s[i + 1]) >= 0 && Hex(s[i + 2]) >= 0) {
      out += static_cast<char>(Hex(s[i + 1]) * 16 + Hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Every JSON string escape undone, wherever it is in the text.
std::string JsonUnescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 >= s.size()) {
      out += s[i];
      continue;
    }
    char e = s[++i];
    if (e == 'u' && i + 4 < s.size()) {
      uint32_t cp = 0;
      bool ok = true;
      for (int k = 1; k <= 4; ++k) {
        int h = Hex(s[i + k]);
        ok = ok && h >= 0;
        cp = cp * 16 + static_cast<uint32_t>(h < 0 ? 0 : h);
      }
      if (ok) {
        AppendUtf8(cp, &out);
        i += 4;
        continue;
      }
    }
    out += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
  }
  return out;
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

// Each run of base64 characters (line breaks taken out first, also as
// JSON writes them), decoded from each of its first four characters, in
// both alphabets at once: what base64 may hide at any alignment.
std::string Base64Decodings(std::string s) {
  std::string flat;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' || s[i] == '\r') continue;
    if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == 'n' || s[i + 1] == 'r')) {
      ++i;
      continue;
    }
    flat += s[i];
  }
  std::string out;
  size_t i = 0;
  while (i < flat.size()) {
    if (Base64Value(flat[i]) < 0) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < flat.size() && Base64Value(flat[end]) >= 0) ++end;
    for (size_t shift = 0; shift < 4 && i + shift < end; ++shift) {
      uint32_t bits = 0;
      int count = 0;
      for (size_t k = i + shift; k < end; ++k) {
        bits = (bits << 6) | static_cast<uint32_t>(Base64Value(flat[k]));
        count += 6;
        if (count >= 8) {
          count -= 8;
          out += static_cast<char>((bits >> count) & 0xFF);
        }
      }
      out += '\n';
    }
    i = end;
  }
  return out;
}

// Where `secret` shows in `text` once decoded in any of the ways above
// (and their combinations); "" when nowhere.
std::string FoundIn(const std::string& text, const std::string& secret) {
  const std::string json = JsonUnescape(text);
  const std::vector<std::pair<std::string, std::string>> views{
      {"raw", text},
      {"JSON-unescaped", json},
      {"URL-decoded", UrlDecode(text)},
      {"JSON-unescaped, URL-decoded", UrlDecode(json)},
      {"base64-decoded", Base64Decodings(text)},
      {"JSON-unescaped, base64-decoded", Base64Decodings(json)},
      {"URL-decoded, base64-decoded", Base64Decodings(UrlDecode(text))}};
  for (const auto& [how, view] : views) {
    if (view.find(secret) != std::string::npos) return how;
  }
  return "";
}

// Every regular file under `dir` (relative paths), but `skip`.
void Walk(const std::string& root, const std::string& rel, const std::string& skip,
          std::vector<std::string>* out) {
  DIR* d = opendir((root + "/" + rel).c_str());
  if (d == nullptr) return;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    std::string path = rel.empty() ? name : rel + "/" + name;
    if (path == skip) continue;
    struct stat st;
    if (lstat((root + "/" + path).c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      Walk(root, path, skip, out);
    } else {
      out->push_back(path);
    }
  }
  closedir(d);
}

class SecretsTest : public RunnerTest {
 protected:
  // The files of the workspace that tame wrote: .tame (but the cache's
  // secret store) and junit.xml, each with its contents.
  std::map<std::string, std::string> WrittenFiles() const {
    std::vector<std::string> paths;
    Walk(dir_, ".tame", ".tame/cache/secret", &paths);
    if (Exists("junit.xml")) paths.push_back("junit.xml");
    std::map<std::string, std::string> files;
    for (const std::string& p : paths) files[p] = Read(p);
    return files;
  }
};

TEST_F(SecretsTest, NoFormOfAnySecretInAnyFileTameWrites) {
  // The same leaks for each secret: plainly, base64 at each alignment,
  // wrapped at 76 (base64) and 64 (PEM, openssl) with \n and \r\n, URL
  // encoded as Python's quote() (which keeps '/') and quote_plus() do, and
  // JSON with and without ASCII escapes.
  const std::string leaks = R"(for v in "$S1" "$S2"; do
  echo "plain: $v"
  for lead in '' 'a' 'ab'; do
    printf '%s%s' "$lead" "$v" | base64 -w0; echo
    printf '{"auths":{"r":{"password":"%s%s"}}}' "$lead" "$v" | base64
    printf '%s%s and some more text to wrap the lines' "$lead" "$v" | base64 -w 64 | sed 's/$/\r/'
  done
  V="$v" python3 -c 'import os, urllib.parse as u; v = os.environ["V"]; import re; print(u.quote(v)); print(u.quote_plus(v)); print(re.sub("%..", lambda m: m.group(0).lower(), u.quote(v, safe="")))'
  V="$v" python3 -c 'import json, os; v = os.environ["V"]; print(json.dumps({"v": v})); print(json.dumps({"v": v}, ensure_ascii=False))'
done
python3 -c 'import json, os; print(json.dumps({os.environ["M"]: 0.97, "note": os.environ["S1"]}))' > metrics.json
echo "tok=$S2" >> "$TAME_OUTPUT"
echo "mixed=x $S1 y" >> "$TAME_OUTPUT"
)";
  Write(
      "p.json",
      Pipeline("{\"id\": \"leak\", \"uses\": \"shell\", \"with\": {\"run\": " + Json(leaks).dump() +
                   "}, \"env\": {\"S1\": \"${{ secrets.S1 }}\", \"S2\": \"${{ secrets.S2 }}\", "
                   "\"M\": \"${{ secrets.M }}\"}, \"outputs\": {\"tok\": {}, \"mixed\": {}}},"
                   "{\"id\": \"gate\", \"uses\": \"metrics.gate\", \"needs\": [\"leak\"], "
                   "\"continue_on_error\": true, \"with\": {\"file\": \"metrics.json\", "
                   "\"rules\": [{\"metric\": \"${{ secrets.M }}\", \"op\": \">=\", \"value\": "
                   "0.9}, {\"metric\": \"note\", \"op\": \">=\", \"value\": 0.5}]}},"
                   "{\"id\": \"use\", \"uses\": \"shell\", \"needs\": [\"gate\"], \"with\": "
                   "{\"run\": \"echo got ${{ steps.leak.outputs.tok }} and "
                   "${{ steps.leak.outputs.mixed }}; exit 3\"}},"
                   "{\"id\": \"where\", \"uses\": \"shell\", \"if\": \"always\", \"needs\": "
                   "[\"use\"], \"with\": {\"run\": \"true\", \"workdir\": \"${{ secrets.S1 }}\"}}",
               "\"secrets\": {\"S1\": {}, \"S2\": {}, \"M\": {}},"));
  TameResult r = Tame({"run", "p.json", "--junit", "junit.xml"},
                      {{"S1", kS1}, {"S2", kS2}, {"M", kMetric}}, 60);
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  std::map<std::string, std::string> files = WrittenFiles();
  files["(stdout)"] = r.out;
  files["(stderr)"] = r.err;
  // What must be there for the test to mean anything.
  const std::string run = RunDir();
  ASSERT_TRUE(files.count(run + "/gates/gate.json")) << r.out << r.err;
  ASSERT_TRUE(files.count(run + "/logs/leak.log"));
  ASSERT_TRUE(files.count(run + "/report.json") && files.count(run + "/journal.jsonl"));
  ASSERT_TRUE(files.count("junit.xml"));
  EXPECT_NE(files[run + "/logs/leak.log"].find("plain: ***"), std::string::npos);
  EXPECT_NE(files[run + "/logs/use.log"].find("got *** and x *** y"), std::string::npos);
  EXPECT_NE(files[run + "/gates/gate.json"].find("\"***\""), std::string::npos)
      << files[run + "/gates/gate.json"];
  for (const auto& [path, text] : files) {
    for (const std::string secret : {kS1, kS2, kMetric}) {
      std::string how = FoundIn(text, secret);
      EXPECT_EQ(how, "") << secret << " is in " << path << " (" << how << "):\n" << text;
    }
  }
  // The decoders find what they look for: the same leaks without tame.
  std::string unmasked = "plain: " + std::string(kS1) + "\n";
  EXPECT_EQ(FoundIn(unmasked, kS1), "raw");
  EXPECT_EQ(FoundIn(Base64Encode(std::string("ab") + kS1).insert(20, "\r\n"), kS1),
            "base64-decoded");
  EXPECT_EQ(FoundIn("{\"v\": \"p@ss w\\/rd+\\\"x\\u003c&>-Z9\\u00e9~\"}", kS1), "JSON-unescaped");
  EXPECT_EQ(FoundIn("p%40ss+w/rd%2B%22x%3C%26%3E-Z9%C3%A9~", kS1), "URL-decoded");
}

class SecretCacheTest : public SecretsTest {
 protected:
  void SetUp() override {
    SecretsTest::SetUp();
    Write("p.json",
          Pipeline("{\"id\": \"mint\", \"uses\": \"shell\", \"cache\": true, \"env\": {\"S\": "
                   "\"${{ secrets.S }}\"}, \"with\": {\"run\": \"echo x >> mints; echo "
                   "\\\"tok=Bearer $S\\\" >> \\\"$TAME_OUTPUT\\\"; echo \\\"n=1\\\" >> "
                   "\\\"$TAME_OUTPUT\\\"\"}, \"outputs\": {\"tok\": {}, \"n\": {}}},"
                   "{\"id\": \"use\", \"uses\": \"shell\", \"env\": {\"T\": "
                   "\"${{ steps.mint.outputs.tok }}\", \"S\": \"${{ secrets.S }}\"}, \"with\": "
                   "{\"run\": \"[ \\\"$T\\\" = \\\"Bearer $S\\\" ] || { echo \\\"got: "
                   "$(printf %s \\\"$T\\\" | od -c | head -2)\\\"; exit 1; }\"}}",
                   "\"secrets\": {\"S\": {}},"));
  }
  TameResult Run() { return Tame({"run", "p.json"}, {{"S", secret_}}); }
  const std::string secret_ = "weak-pass-42";
};

TEST_F(SecretCacheTest, ASecretOutputComesBackFromThePrivateStoreNotMasked) {
  TameResult first = Run();
  ASSERT_EQ(first.code, 0) << first.out << first.err;
  TameResult second = Run();
  ASSERT_EQ(second.code, 0) << second.out << second.err;
  EXPECT_EQ(Read("mints"), "x\n") << "the second run took mint from the cache";
  EXPECT_NE(second.out.find("mint: succeeded (cached)"), std::string::npos) << second.out;
  EXPECT_NE(second.out.find("use: succeeded"), std::string::npos) << second.out;

  // The value is in .tame/cache/secret/<key> alone, owner-only.
  std::vector<std::string> stored;
  Walk(dir_, ".tame/cache/secret", "", &stored);
  ASSERT_EQ(stored.size(), 1u);
  struct stat st;
  ASSERT_EQ(stat(Path(".tame/cache/secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(stat(Path(stored[0]).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(Json::parse(Read(stored[0])), Json({{"tok", "Bearer " + secret_}}));
  const std::string entries = Read(".tame/cache/entries");
  EXPECT_EQ(entries.find("***"), std::string::npos) << entries;
  EXPECT_NE(entries.find("\"outputs\":{\"n\":\"1\"}"), std::string::npos) << entries;
  EXPECT_NE(entries.find("\"secret_outputs\":{\"tok\":\"\"}"), std::string::npos) << entries;
  for (const auto& [path, text] : WrittenFiles()) {
    EXPECT_EQ(FoundIn(text, secret_), "") << path;
  }

  // `tame plan` sees the hit; without the stored value it is a miss, and the
  // step runs again rather than hand on a stand-in.
  TameResult plan = Tame({"plan", "p.json"}, {{"S", secret_}});
  EXPECT_NE(plan.out.find("mint  shell  (cache: skipped, unchanged since an earlier run)"),
            std::string::npos)
      << plan.out;
  ASSERT_EQ(std::remove(Path(stored[0]).c_str()), 0);
  plan = Tame({"plan", "p.json"}, {{"S", secret_}});
  EXPECT_NE(
      plan.out.find("mint  shell  (cache: runs: its secret outputs are not in .tame/cache/secret)"),
      std::string::npos)
      << plan.out;
  TameResult third = Run();
  EXPECT_EQ(third.code, 0) << third.out << third.err;
  EXPECT_EQ(Read("mints"), "x\nx\n");
}

// The journal keeps a secret output only masked: resume runs its step again
// rather than hand `***` to the steps after it, and --from refuses to reuse it.
TEST_F(SecretsTest, ResumeRunsAStepWithSecretOutputsAgain) {
  const std::string secret = "weak-pass-42";
  Write("p.json",
        Pipeline("{\"id\": \"mint\", \"uses\": \"shell\", \"env\": {\"S\": "
                 "\"${{ secrets.S }}\"}, \"with\": {\"run\": \"echo x >> mints; echo "
                 "\\\"tok=Bearer $S\\\" >> \\\"$TAME_OUTPUT\\\"\"}, \"outputs\": {\"tok\": {}}},"
                 "{\"id\": \"use\", \"uses\": \"shell\", \"env\": {\"T\": "
                 "\"${{ steps.mint.outputs.tok }}\", \"S\": \"${{ secrets.S }}\"}, \"with\": "
                 "{\"run\": \"[ -f go ] && [ \\\"$T\\\" = \\\"Bearer $S\\\" ]\"}}",
                 "\"secrets\": {\"S\": {}},"));
  TameResult first = Tame({"run", "p.json"}, {{"S", secret}});
  ASSERT_EQ(first.code, 1) << first.out << first.err;
  const std::string journal = Read(RunDir() + "/journal.jsonl");
  EXPECT_NE(journal.find("\"secret_outputs\":[\"tok\"]"), std::string::npos) << journal;
  EXPECT_EQ(journal.find(secret), std::string::npos);

  TameResult from = Tame({"run", "p.json", "--from", "use"}, {{"S", secret}});
  EXPECT_EQ(from.code, 2) << from.out << from.err;
  EXPECT_NE(from.err.find("cannot reuse step \"mint\" from run "), std::string::npos) << from.err;
  EXPECT_NE(from.err.find(": its outputs held a secret, which run folders keep only masked"),
            std::string::npos)
      << from.err;

  Write("go", "");
  TameResult resumed = Tame({"resume", "latest"}, {{"S", secret}});
  EXPECT_EQ(resumed.code, 0) << resumed.out << resumed.err;
  EXPECT_EQ(Read("mints"), "x\nx\n") << "resume ran mint again";
}

TEST_F(SecretCacheTest, ValueHashesAreKeyedByThePrivateWorkspaceKey) {
  ASSERT_EQ(Run().code, 0);
  const std::string key = Read(".tame/cache/key");
  ASSERT_EQ(key.size(), 65u);
  EXPECT_EQ(key.find_first_not_of("0123456789abcdef"), 64u);
  struct stat st;
  ASSERT_EQ(stat(Path(".tame/cache/key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::string entries = Read(".tame/cache/entries");
  const std::string ref = std::string("secrets.S") + '\0' + secret_;
  EXPECT_EQ(entries.find(Sha256Hex(ref)), std::string::npos) << "an unkeyed hash can be guessed";
  EXPECT_NE(entries.find("\"ref:secrets.S\":\"" + HmacSha256Hex(key.substr(0, 64), ref) + "\""),
            std::string::npos)
      << entries;

  // A key that cannot be used stops the run before it starts.
  const size_t runs = RunDirs().size();
  Write(".tame/cache/key", "not a key\n");
  chmod(Path(".tame/cache/key").c_str(), 0600);
  TameResult bad = Run();
  EXPECT_EQ(bad.code, 2);
  EXPECT_EQ(bad.err,
            "tame: .tame/cache/key: not a cache key (64 hex digits); remove it to start the "
            "cache afresh (every cached step then runs once)\n");
  Write(".tame/cache/key", key);
  chmod(Path(".tame/cache/key").c_str(), 0644);
  bad = Run();
  EXPECT_EQ(bad.code, 2);
  EXPECT_EQ(bad.err,
            "tame: .tame/cache/key: others may read it (mode 0644); chmod 600 .tame/cache/key\n");
  EXPECT_EQ(RunDirs().size(), runs) << "nothing was started";
  chmod(Path(".tame/cache/key").c_str(), 0600);
  TameResult good = Run();
  EXPECT_EQ(good.code, 0);
  EXPECT_NE(good.out.find("mint: succeeded (cached)"), std::string::npos) << good.out;
}

TEST_F(SecretsTest, ContentChangedWithSizeAndMtimePutBackRunsTheStepAgain) {
  Write("data.txt", "aaaa\n");
  Write("p.json", Pipeline("{\"id\": \"copy\", \"uses\": \"shell\", \"cache\": {\"inputs\": "
                           "[\"data.txt\"]}, \"with\": {\"run\": \"cat data.txt >> copies\"}}"));
  // The first hash is taken well after the file was written, so that it is
  // remembered (a file changed just before it is hashed never is).
  ASSERT_EQ(std::system(("touch -d '2 hours ago' " + Path("data.txt")).c_str()), 0);
  ASSERT_EQ(Tame({"run", "p.json"}).code, 0);
  TameResult cached = Tame({"run", "p.json"});
  ASSERT_NE(cached.out.find("copy: succeeded (cached)"), std::string::npos) << cached.out;
  struct stat st;
  ASSERT_EQ(stat(Path("data.txt").c_str(), &st), 0);
  char when[64];
  std::snprintf(when, sizeof(when), "@%lld.%09ld", static_cast<long long>(st.st_mtim.tv_sec),
                st.st_mtim.tv_nsec);
  // Same size, same mtime, new content: as an editor that keeps times would.
  {
    std::ofstream out(Path("data.txt"), std::ios::in | std::ios::out);
    out << "bbbb\n";
  }
  ASSERT_EQ(std::system(("touch -d '" + std::string(when) + "' " + Path("data.txt")).c_str()), 0);
  struct stat now;
  ASSERT_EQ(stat(Path("data.txt").c_str(), &now), 0);
  ASSERT_EQ(now.st_size, st.st_size);
  ASSERT_EQ(now.st_mtim.tv_nsec, st.st_mtim.tv_nsec);
  ASSERT_EQ(now.st_mtim.tv_sec, st.st_mtim.tv_sec);
  TameResult again = Tame({"run", "p.json"});
  EXPECT_EQ(again.code, 0);
  EXPECT_EQ(again.out.find("(cached)"), std::string::npos) << again.out;
  EXPECT_EQ(Read("copies"), "aaaa\nbbbb\n");
}

TEST_F(SecretsTest, TheReportsPipelineSourceIsMaskedAndInCanonicalOrder) {
  // A secret's value written into the pipeline itself, not by reference:
  // the pipeline the report brings along shows it masked.
  Write("p.json", Pipeline("{\"id\": \"say\", \"uses\": \"shell\", \"env\": {\"S\": "
                           "\"${{ secrets.S2 }}\"}, \"with\": {\"shell\": \"sh\", \"run\": "
                           "\"echo " +
                               std::string(kS2) + " >/dev/null\"}}",
                           "\"secrets\": {\"S2\": {}},"));
  TameResult r = Tame({"run", "p.json"}, {{"S2", kS2}});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  const std::string text = Read(RunDir() + "/report.json");
  const size_t at = text.find("\n  \"pipeline_source\": ");
  ASSERT_NE(at, std::string::npos) << text;
  EXPECT_EQ(text.substr(at),
            "\n  \"pipeline_source\": {\"version\":1,\"name\":\"test\",\"secrets\":{\"S2\":{"
            "\"from\":\"env\"}},\"steps\":[{\"id\":\"say\",\"uses\":\"shell\",\"with\":{"
            "\"run\":\"echo *** >/dev/null\",\"shell\":\"sh\"},\"env\":{\"S\":"
            "\"${{ secrets.S2 }}\"}}]}\n}\n");
}

TEST_F(SecretsTest, AWebhookMessageIsMasked) {
  // A one-shot webhook on 127.0.0.1: it writes the body it gets, then ends.
  const std::string server = R"(import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        open(sys.argv[2], "wb").write(body)
        self.send_response(204); self.end_headers()
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1] + ".tmp", "w").write(str(s.server_address[1]))
__import__("os").rename(sys.argv[1] + ".tmp", sys.argv[1])
s.handle_request()
)";
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    freopen("/dev/null", "r", stdin);
    execlp("python3", "python3", "-c", server.c_str(), Path("port").c_str(), Path("body").c_str(),
           static_cast<char*>(nullptr));
    _exit(127);
  }
  struct Stop {  // the server ends with the test, whatever happens
    pid_t pid;
    ~Stop() {
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) == 0) {
        kill(pid, SIGTERM);
        waitpid(pid, &status, 0);
      }
    }
  } stop{pid};
  ASSERT_TRUE(WaitFor("port"));
  const std::string hook = "http://127.0.0.1:" + Read("port") + "/hook";
  Write("p.json",
        Pipeline("{\"id\": \"tell\", \"uses\": \"notify\", \"with\": {\"webhook\": "
                 "\"${{ secrets.HOOK }}\", \"message\": \"deployed with ${{ secrets.S }}\"}}",
                 "\"secrets\": {\"S\": {}, \"HOOK\": {}},"));
  TameResult r = Tame({"run", "p.json"}, {{"S", kS1}, {"HOOK", hook}});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("notified"), std::string::npos) << r.out;
  ASSERT_TRUE(WaitFor("body"));
  const std::string body = Read("body");
  EXPECT_NE(body.find("deployed with ***"), std::string::npos) << body;
  EXPECT_EQ(FoundIn(body, kS1), "") << body;
}

TEST_F(SecretsTest, ALineHeldAsPossibleBase64ShowsWhenTheStepPauses) {
  // The line ends in a run of base64 characters that could go on into a
  // secret on the next line: the masker holds it, but not for long.
  const std::string run = "echo id zzzzzzzzzzzzzzzzzzzz; while [ ! -e go ]; do sleep 0.1; done";
  Write("p.json",
        Pipeline("{\"id\": \"wait\", \"uses\": \"shell\", \"env\": {\"S\": \"${{ secrets.S }}\"}, "
                 "\"with\": {\"run\": " +
                     Json(run).dump() + "}}",
                 "\"secrets\": {\"S\": {}},"));
  pid_t pid = Start({"run", "p.json"}, {{"S", "zzzzzzzzzzzzzzzzzzzzzzzz-tail"}});
  std::string log;
  for (int i = 0; i < 300 && log.find("id zzzzzzzzzzzzzzzzzzzz\n") == std::string::npos; ++i) {
    usleep(100 * 1000);
    if (!RunDirs().empty()) log = Read(RunDir() + "/logs/wait.log");
  }
  Write("go", "");
  TameResult r = Finish(pid);
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(log, "id zzzzzzzzzzzzzzzzzzzz\n") << "shown while the step still ran";
}

TEST_F(SecretsTest, ValidateRefusesTwoWritersOfOneFile) {
  Write("p.json",
        Pipeline("{\"id\": \"a\", \"uses\": \"shell\", \"with\": {\"run\": \"x\"}, \"outputs\": "
                 "{\"m\": {\"path\": \"out/model.bin\"}}},"
                 "{\"id\": \"b\", \"uses\": \"shell\", \"with\": {\"run\": \"x\"}, \"outputs\": "
                 "{\"m\": {\"path\": \"./out/model.bin\"}}}"));
  TameResult r = Tame({"validate", "p.json"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err,
            "p.json: /steps/1/outputs/m/path: step \"b\": output file \"./out/model.bin\" is also "
            "declared by step \"a\" (/steps/0/outputs/m/path); two steps may not write one file\n");
  EXPECT_EQ(Tame({"run", "p.json"}).code, 2);
}

}  // namespace
}  // namespace testing
}  // namespace tame
