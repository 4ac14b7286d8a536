// The run folder is input too: what `tame resume`, `tame show` and
// `tame runs` read back from .tame/runs is checked like user input, a
// symbolic link there is not followed, and text from it is printed with
// its control characters neutralised. Also the report files a run writes
// (--junit) and what `tame fmt -w` does to the file it rewrites.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <thread>

#include "tests/runner/tame_process.h"

namespace tame {
namespace testing {
namespace {

using Json = nlohmann::json;

class RunDirTest : public RunnerTest {
 protected:
  // a: publishes a file and fails until `go` exists; b: prints that file.
  std::string FailedRun() {
    Write("p.json", Pipeline("{\"id\": \"a\", \"uses\": \"shell\", \"with\": {\"run\": \"echo "
                             "mine > a.txt; echo from-a; test -f go\"}, \"outputs\": {\"file\": "
                             "{\"path\": \"a.txt\"}}},"
                             "{\"id\": \"b\", \"uses\": \"shell\", \"with\": {\"run\": \"cat "
                             "${{ steps.a.outputs.file }}; test -f go\"}}"));
    TameResult r = Tame({"run", "p.json", "-j", "1"});
    EXPECT_EQ(r.code, 1) << r.out << r.err;
    std::string run = RunDir();
    return run.substr(run.rfind('/') + 1);
  }

  // Rewrites the journal's run_started event with `change`.
  void EditStarted(const std::string& id, const std::function<void(Json*)>& change) {
    const std::string journal = ".tame/runs/" + id + "/journal.jsonl";
    std::string text = Read(journal);
    size_t end = text.find('\n');
    Json started = Json::parse(text.substr(0, end));
    change(&started);
    Write(journal, started.dump() + text.substr(end));
  }

  std::string Where(const std::string& id) {
    return "tame: .tame/runs/" + id + "/journal.jsonl: line 1: ";
  }
};

TEST_F(RunDirTest, AJournalWhoseJunitPointsOutsideIsRefused) {
  std::string id = FailedRun();
  const std::string target = dir_ + "-elsewhere.xml";
  EditStarted(id, [&](Json* s) { (*s)["junit"] = target; });
  TameResult r = Tame({"resume", id});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, Where(id) + "\"junit\" (" + target +
                       ") is outside the run's workspace and run folder; give --junit PATH to "
                       "write a JUnit report there\n");
  EXPECT_NE(access(target.c_str(), F_OK), 0) << "the file outside was written";
}

TEST_F(RunDirTest, AJournalNamingAnotherWorkspaceOrFileIsRefused) {
  std::string id = FailedRun();
  EditStarted(id, [&](Json* s) { (*s)["workspace"] = "/tmp"; });
  TameResult r = Tame({"resume", id});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, Where(id) + "\"workspace\" is /tmp, not " + dir_ +
                       ", the workspace this run folder is in; a run resumes only in its own "
                       "workspace\n");
  EditStarted(id, [&](Json* s) {
    (*s)["workspace"] = dir_;
    (*s)["file"] = "p.json";
  });
  r = Tame({"resume", id});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, Where(id) + "\"file\" (p.json) is not an absolute path\n");
  EditStarted(id, [&](Json* s) { (*s)["file"] = dir_ + "/.tame/p.json"; });
  r = Tame({"resume", id});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, Where(id) + "\"file\" (" + dir_ +
                       "/.tame/p.json) is inside .tame, where no pipeline file is kept\n");
  // Another pipeline anywhere else does not hash to the run's: refused.
  Write("other.json", R"({"version": 1, "name": "other", "steps": [
      {"id": "a", "uses": "shell", "with": {"run": "true"}}]})");
  EditStarted(id, [&](Json* s) { (*s)["file"] = dir_ + "/other.json"; });
  r = Tame({"resume", id});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("changed since run " + id + " started"), std::string::npos) << r.err;
  EditStarted(id, [&](Json* s) { (*s).erase("junit"); });
  r = Tame({"resume", id});
  EXPECT_EQ(r.err, Where(id) + "run_started has no \"junit\"\n");
}

TEST_F(RunDirTest, ARestoredOutputFileIsTheDeclaredOne) {
  std::string id = FailedRun();
  // a failed; make the journal say it succeeded with its file elsewhere.
  const std::string journal = ".tame/runs/" + id + "/journal.jsonl";
  std::string text = Read(journal);
  Json ended = {{"event", "step_ended"},
                {"step", "a"},
                {"status", "succeeded"},
                {"attempts", 1},
                {"exit_code", 0},
                {"duration_ms", 1},
                {"outputs", {{"file", "/etc/hostname"}}}};
  Write(journal, text + ended.dump() + "\n");
  Write("go", "");
  TameResult r = Tame({"resume", id});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(StepReport("a")["outputs"]["file"], "a.txt");
  EXPECT_NE(r.out.find("mine"), std::string::npos) << r.out;
}

TEST_F(RunDirTest, ASymlinkedLogIsNotFollowed) {
  std::string id = FailedRun();
  Write("victim.txt", "keep\n");
  const std::string log = ".tame/runs/" + id + "/logs/a.log";
  ASSERT_EQ(unlink(Path(log).c_str()), 0);
  ASSERT_EQ(symlink(Path("victim.txt").c_str(), Path(log).c_str()), 0);
  Write("go", "");
  TameResult r = Tame({"resume", "latest"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(Read("victim.txt"), "keep\n");
  EXPECT_NE(r.out.find("tame: .tame/runs/" + id +
                       "/logs/a.log: not a plain file in a plain folder; it is not followed; "
                       "the step's log is not kept"),
            std::string::npos)
      << r.out;
}

TEST_F(RunDirTest, ResumeTakesLatestAndRunFolderPaths) {
  std::string id = FailedRun();
  Write("go", "");
  TameResult r = Tame({"resume", "latest"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  r = Tame({"resume", Path(".tame/runs/" + id)});
  EXPECT_EQ(r.out, "run " + id + " already succeeded; nothing to resume\n");
  r = Tame({"resume", "p.json/"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "tame: no run folder at p.json/\n");
  r = Tame({"resume", Path(".tame")});
  EXPECT_EQ(r.err, "tame: " + Path(".tame") + " is not a run folder (.tame/runs/RUN)\n");
}

TEST_F(RunDirTest, AFailedJunitWriteExits2NamingThePath) {
  Write("p.json", Pipeline("{\"id\": \"a\", \"uses\": \"shell\", \"with\": {\"run\": \"true\"}}"));
  TameResult r = Tame({"run", "p.json", "--junit", "no/such/folder/j.xml"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "tame: JUnit report " + dir_ +
                       "/no/such/folder/j.xml: cannot write: No such file or directory\n");
  EXPECT_NE(r.out.find("succeeded"), std::string::npos) << r.out;
  EXPECT_EQ(Report()["status"], "succeeded");
}

TEST_F(RunDirTest, ShowAndRunsNeutraliseControlCharacters) {
  std::string id = FailedRun();
  const std::string report_path = ".tame/runs/" + id + "/report.json";
  Json report = Json::parse(Read(report_path));
  report["pipeline"] = "p\x1b]0;owned\x07";
  for (Json& step : report["steps"]) {
    if (step["id"] == "a")
      step["error"] =
          "bad \x1b[2J\xc2\x9b"
          "31m";
  }
  Write(report_path, report.dump());
  TameResult show = Tame({"show", id});
  EXPECT_EQ(show.code, 0) << show.err;
  EXPECT_EQ(show.out.find('\x1b'), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("run " + id + " of p\\x1b]0;owned\\x07 ("), std::string::npos)
      << show.out;
  EXPECT_NE(show.out.find("bad \\x1b[2J\\x9b31m"), std::string::npos) << show.out;
  TameResult runs = Tame({"runs"});
  EXPECT_EQ(runs.out.find('\x1b'), std::string::npos) << runs.out;
  EXPECT_NE(runs.out.find("p\\x1b]0;owned\\x07"), std::string::npos) << runs.out;
}

TEST_F(RunDirTest, ShowReadsNoLogOutsideTheRunFolder) {
  std::string id = FailedRun();
  const std::string report_path = ".tame/runs/" + id + "/report.json";
  Json report = Json::parse(Read(report_path));
  report["steps"][0]["id"] = "../../../secret";
  Write("secret.log", "do not show\n");
  Write(report_path, report.dump());
  TameResult show = Tame({"show", id});
  EXPECT_EQ(show.out.find("do not show"), std::string::npos) << show.out;
}

TEST_F(RunDirTest, CredentialsInARepoParamAreRefusedUnshown) {
  Write("p.json", Pipeline("{\"id\": \"c\", \"uses\": \"git.checkout\", \"with\": {\"repo\": "
                           "\"${{ params.repo }}\", \"path\": \"src\"}}",
                           "\"params\": {\"repo\": {\"default\": \"\"}},"));
  TameResult r = Tame({"run", "p.json", "--param", "repo=https://ann:hunter2@127.0.0.1:9/r.git"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("git.checkout: repo https://***@127.0.0.1:9/r.git holds credentials, "
                       "which would be stored in the clone's .git/config; give the URL without "
                       "them and the token in the \"token\" param"),
            std::string::npos)
      << r.out;
  EXPECT_FALSE(Exists("src/.git/config"));
  EXPECT_EQ(Read(".tame/runs/" + RunDir().substr(RunDir().rfind('/') + 1) + "/logs/c.log")
                .find("hunter2"),
            std::string::npos);
}

TEST_F(RunDirTest, ANulByteInAnOutputValueIsRefusedNotCut) {
  Write("p.json", Pipeline("{\"id\": \"a\", \"uses\": \"shell\", \"with\": {\"run\": \"printf "
                           "'x=ab\\\\000cd\\\\n' >> \\\"$TAME_OUTPUT\\\"\"}, \"outputs\": "
                           "{\"x\": {}}}"));
  TameResult r = Tame({"run", "p.json"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("a: $TAME_OUTPUT line 1: the value of \"x\" holds a NUL byte, which no "
                       "variable can carry; ignored"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(StepReport("a")["error"], "output \"x\" was not written to $TAME_OUTPUT");
}

class FmtWriteTest : public RunnerTest {
 protected:
  void SetUp() override {
    RunnerTest::SetUp();
    Write("real/p.json",
          "{\"version\": 1, \"name\": \"t\", \"steps\": [{\"id\": \"a\", "
          "\"uses\": \"shell\", \"with\": {\"run\": \"x\"}}]}");
  }
};

TEST_F(FmtWriteTest, WritesThroughASymlinkKeepingModeAndGroup) {
  ASSERT_EQ(symlink("real/p.json", Path("link.json").c_str()), 0);
  ASSERT_EQ(chmod(Path("real/p.json").c_str(), 0640), 0);
  if (getuid() == 0) {
    ASSERT_EQ(chown(Path("real/p.json").c_str(), static_cast<uid_t>(-1), 4), 0);
  }
  struct stat before;
  ASSERT_EQ(stat(Path("real/p.json").c_str(), &before), 0);
  TameResult r = Tame({"fmt", "-w", "link.json"});
  ASSERT_EQ(r.code, 0) << r.err;
  struct stat link;
  ASSERT_EQ(lstat(Path("link.json").c_str(), &link), 0);
  EXPECT_TRUE(S_ISLNK(link.st_mode)) << "the link was replaced";
  struct stat after;
  ASSERT_EQ(stat(Path("real/p.json").c_str(), &after), 0);
  EXPECT_EQ(after.st_mode & 07777, 0640u);
  EXPECT_EQ(after.st_gid, before.st_gid);
  EXPECT_EQ(after.st_uid, before.st_uid);
  EXPECT_EQ(Read("real/p.json").substr(0, 2), "{\n");
  EXPECT_EQ(Tame({"fmt", "--check", "real/p.json"}).code, 0);
}

TEST_F(FmtWriteTest, RefusesAReadOnlyFileAndAHardLinkedOne) {
  const std::string original = Read("real/p.json");
  ASSERT_EQ(chmod(Path("real/p.json").c_str(), 0444), 0);
  TameResult r = Tame({"fmt", "-w", "real/p.json"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "real/p.json: is read-only (mode 0444); not written\n");
  EXPECT_EQ(Read("real/p.json"), original);
  ASSERT_EQ(chmod(Path("real/p.json").c_str(), 0644), 0);
  ASSERT_EQ(link(Path("real/p.json").c_str(), Path("twin.json").c_str()), 0);
  r = Tame({"fmt", "-w", "twin.json"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "twin.json: has 2 hard links, which replacing it would break; not written\n");
  EXPECT_EQ(Read("real/p.json"), original);
}

TEST_F(FmtWriteTest, ExportIntoAPipeOrThroughALinkReplacesNeitherAndRefusesAFolder) {
  // -o /dev/null and -o /dev/stdout are written into, never renamed over:
  // a pipe stands in for the device here.
  ASSERT_EQ(mkfifo(Path("pipe").c_str(), 0600), 0);
  std::string piped;
  std::thread reader([&] {
    FILE* f = std::fopen(Path("pipe").c_str(), "rb");
    if (f == nullptr) return;
    char buffer[4096];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof(buffer), f)) > 0) piped.append(buffer, n);
    std::fclose(f);
  });
  TameResult r = Tame({"export", "real/p.json", "--to", "argo", "-o", "pipe"});
  reader.join();
  EXPECT_EQ(r.code, 0) << r.err;
  struct stat st;
  ASSERT_EQ(lstat(Path("pipe").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode)) << "the pipe was replaced by a file";
  EXPECT_EQ(piped, Tame({"export", "real/p.json", "--to", "argo"}).out);

  ASSERT_EQ(symlink("real/out.yaml", Path("out.yaml").c_str()), 0);
  r = Tame({"export", "real/p.json", "--to", "argo", "-o", "out.yaml"});
  EXPECT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(lstat(Path("out.yaml").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode)) << "the link was replaced";
  EXPECT_EQ(Read("real/out.yaml"), piped);

  r = Tame({"export", "real/p.json", "--to", "argo", "-o", "real"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "real: is a folder; not written\n");
}

}  // namespace
}  // namespace testing
}  // namespace tame
