// `tame run` end to end with real processes: order and parallelism,
// conditions, params, outputs, injection attempts, exit codes and messages.
#include <gtest/gtest.h>

#include <sstream>

#include "tests/runner/tame_process.h"

namespace tame {
namespace testing {
namespace {

using Json = nlohmann::json;

std::string Shell(const std::string& id, const std::string& run, const std::string& extra = "") {
  return "{\"id\": \"" + id + "\", \"uses\": \"shell\", \"with\": {\"run\": " + Json(run).dump() +
         "}" + extra + "}";
}

class RunTest : public RunnerTest {};

// Each step records when it started and ended (ns); a and d bracket b and c.
TEST_F(RunTest, RunsInOrderAndUpToJobsAtOnce) {
  const std::string record =
      "echo \"$(date +%s%N) start\" > t-$TAME_STEP_ID; sleep 0.3; "
      "echo \"$(date +%s%N) end\" >> t-$TAME_STEP_ID";
  Write("p.json", Pipeline(Shell("a", record) + "," + Shell("b", record, ", \"needs\": [\"a\"]") +
                           "," + Shell("c", record, ", \"needs\": [\"a\"]") + "," +
                           Shell("d", record, ", \"needs\": [\"b\", \"c\"]")));
  auto times = [&](const std::string& id) {
    std::istringstream in(Read("t-" + id));
    long long start = 0, end = 0;
    std::string word;
    in >> start >> word >> end;
    return std::make_pair(start, end);
  };
  TameResult r = Tame({"run", "p.json", "-j", "2"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_LE(times("a").second, times("b").first);
  EXPECT_LE(times("a").second, times("c").first);
  EXPECT_LT(times("b").first, times("c").second) << "b and c ran one after the other at -j 2";
  EXPECT_LT(times("c").first, times("b").second);
  EXPECT_LE(std::max(times("b").second, times("c").second), times("d").first);

  TameResult one = Tame({"run", "p.json", "-j", "1"});
  ASSERT_EQ(one.code, 0) << one.out << one.err;
  bool b_first = times("b").first < times("c").first;
  EXPECT_LE(b_first ? times("b").second : times("c").second,
            b_first ? times("c").first : times("b").first)
      << "b and c overlapped at -j 1";
}

TEST_F(RunTest, ConditionsAndExitCodes) {
  Write("p.json",
        Pipeline(Shell("ok", "echo fine") + "," +
                 Shell("bad", "echo broken; exit 7", ", \"needs\": [\"ok\"]") + "," +
                 Shell("after", "echo never", ", \"needs\": [\"bad\"]") + "," +
                 Shell("rescue", "echo rescue", ", \"needs\": [\"after\"], \"if\": \"failure\"") +
                 "," +
                 Shell("finally", "echo finally", ", \"needs\": [\"after\"], \"if\": \"always\"")));
  TameResult r = Tame({"run", "p.json"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_EQ(StepReport("bad")["status"], "failed");
  EXPECT_EQ(StepReport("bad")["exit_code"], 7);
  EXPECT_EQ(StepReport("bad")["error"], "exit code 7");
  EXPECT_EQ(StepReport("after")["status"], "skipped");
  EXPECT_EQ(StepReport("rescue")["status"], "succeeded");
  EXPECT_EQ(StepReport("finally")["status"], "succeeded");
  EXPECT_EQ(Report()["status"], "failed");
  EXPECT_NE(r.out.find("last lines of bad's log"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  broken"), std::string::npos) << r.out;
}

TEST_F(RunTest, ContinueOnErrorLetsTheRunSucceed) {
  Write("p.json", Pipeline(Shell("flaky", "exit 3", ", \"continue_on_error\": true") + "," +
                           Shell("next", "echo next", ", \"needs\": [\"flaky\"]")));
  TameResult r = Tame({"run", "p.json"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(StepReport("flaky")["status"], "failed");
  EXPECT_EQ(StepReport("next")["status"], "succeeded");
}

TEST_F(RunTest, UsageAndInputErrorsExitTwo) {
  Write("p.json", Pipeline(Shell("a", "echo $1"),
                           "\"params\": {\"n\": {\"type\": \"integer\", "
                           "\"default\": 1}}, \"secrets\": {\"TOKEN\": {}},"));
  std::map<std::string, std::string> with_token{{"TOKEN", "t"}};
  TameResult r = Tame({"run", "p.json", "--param", "m=1"}, with_token);
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "tame: unknown param \"m\": the pipeline declares n (did you mean \"n\"?)\n");
  r = Tame({"run", "p.json", "--param", "n=x"}, with_token);
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "tame: param \"n\" must be an integer, not \"x\"\n");
  r = Tame({"run", "p.json"}, {{"TOKEN", "<unset>"}});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err,
            "tame: secret \"TOKEN\" is not set: set the environment variable TOKEN or "
            "give TOKEN=VALUE in a --secrets-file\n");
  r = Tame({"run", "p.json", "-j", "0"}, with_token);
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "tame: -j takes a number of steps from 1 to 1024, not \"0\"\n");
  r = Tame({"run", "p.json", "--log-format", "xml"}, with_token);
  EXPECT_EQ(r.err, "tame: --log-format takes text or json, not \"xml\"\n");
  r = Tame({"run", "p.json", "--bogus"}, with_token);
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "tame: unknown flag --bogus for 'tame run'; see 'tame run --help'\n");
  Write("bad.json",
        "{\"version\": 1, \"name\": \"t\", \"steps\": [{\"id\": \"a\", \"uses\": \"shel\"}]}");
  r = Tame({"run", "bad.json"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("bad.json: /steps/0/uses: "), std::string::npos) << r.err;
  EXPECT_FALSE(Exists(".tame/runs")) << "an invalid run must not leave a run folder";
  r = Tame({"run", "missing.json"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "missing.json: cannot open: No such file or directory\n");
}

TEST_F(RunTest, ParamsOutputsAndFileOutputsFlowDownstream) {
  Write(
      "p.json",
      Pipeline(
          Shell("make",
                "mkdir -p out; echo \"$N\" > out/n.txt; echo \"count=${{ params.n }}\" >> "
                "\"$TAME_OUTPUT\"; printf 'multi<<EOF\\nline 1\\nline 2\\nEOF\\n' >> "
                "\"$TAME_OUTPUT\"",
                ", \"env\": {\"N\": \"n is ${{ params.n }}\"}, \"outputs\": {\"file\": {\"path\": "
                "\"out/n.txt\"}, \"count\": {}, \"multi\": {}}") +
              "," +
              Shell("use",
                    "echo \"count=${{ steps.make.outputs.count }} file=${{ steps.make.outputs.file "
                    "}}\" "
                    "> used.txt; cat \"${{ steps.make.outputs.file }}\" >> used.txt; echo \"${{ "
                    "steps.make.outputs.multi }}\" >> used.txt"),
          "\"params\": {\"n\": {\"type\": \"integer\", \"default\": 1}},"));
  TameResult r = Tame({"run", "p.json", "--param", "n=42"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(Read("used.txt"), "count=42 file=out/n.txt\nn is 42\nline 1\nline 2\n");
  EXPECT_EQ(StepReport("make")["outputs"],
            (Json{{"count", "42"}, {"file", "out/n.txt"}, {"multi", "line 1\nline 2"}}));
}

TEST_F(RunTest, MissingDeclaredOutputsFailTheStep) {
  Write("p.json",
        Pipeline(Shell("a", "echo hi", ", \"outputs\": {\"f\": {\"path\": \"nope.txt\"}}") + "," +
                 Shell("b", "echo hi", ", \"outputs\": {\"v\": {}}")));
  TameResult r = Tame({"run", "p.json"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(StepReport("a")["error"], "output \"f\": file nope.txt does not exist");
  EXPECT_EQ(StepReport("b")["error"], "output \"v\" was not written to $TAME_OUTPUT");
}

// Values reach the shell as environment variables, never as shell text.
TEST_F(RunTest, InjectionThroughParamsAndOutputsIsInert) {
  Write("p.json",
        Pipeline(Shell("emit",
                       "echo 'evil=$(touch pwned-output)' >> \"$TAME_OUTPUT\"; "
                       "echo '\"; touch pwned-quote; echo \"' > /dev/null",
                       ", \"outputs\": {\"evil\": {}}") +
                     "," +
                     Shell("take",
                           "echo \"${{ params.a }}\" > a.txt; echo ${{ params.b }} > b.txt; "
                           "echo \"${{ steps.emit.outputs.evil }}\" > c.txt; echo ${{ "
                           "steps.emit.outputs.evil }} >> c.txt"),
                 "\"params\": {\"a\": {\"default\": \"x\"}, \"b\": {\"default\": \"y\"}},"));
  Write("keep/me.txt", "still here");
  TameResult r = Tame({"run", "p.json", "--param", "a=\"; rm -rf ~ #", "--param",
                       "b=$(touch pwned-param); `touch pwned-tick`"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_FALSE(Exists("pwned-output"));
  EXPECT_FALSE(Exists("pwned-param"));
  EXPECT_FALSE(Exists("pwned-tick"));
  EXPECT_FALSE(Exists("pwned-quote"));
  EXPECT_EQ(Read("keep/me.txt"), "still here");
  EXPECT_EQ(Read("a.txt"), "\"; rm -rf ~ #\n");
  EXPECT_EQ(Read("b.txt"), "$(touch pwned-param); `touch pwned-tick`\n");
  EXPECT_EQ(Read("c.txt"), "$(touch pwned-output)\n$(touch pwned-output)\n");
}

TEST_F(RunTest, ShellAndWorkdir) {
  Write("sub/dir/.keep", "");
  Write(
      "p.json",
      Pipeline(
          Shell("b", "echo \"bash=${BASH_VERSION:+yes}\" > bash.txt") + "," +
          "{\"id\": \"s\", \"uses\": \"shell\", \"with\": {\"run\": \"echo "
          "\\\"bash=${BASH_VERSION:+yes}\\\" > sh.txt\", \"shell\": \"sh\"}}," +
          "{\"id\": \"w\", \"uses\": \"shell\", \"with\": {\"run\": \"pwd > here.txt; test "
          "\\\"$TAME_WORKSPACE\\\" = \\\"$(cd ../.. && pwd)\\\" && echo ws-ok >> here.txt\", "
          "\"workdir\": \"sub/dir\"}}," +
          "{\"id\": \"py\", \"uses\": \"shell\", \"with\": {\"run\": \"import os\\nopen('py.txt', "
          "'w').write(os.environ['TAME_STEP_ID'])\\n\", \"shell\": \"python3\"}}," +
          "{\"id\": \"e\", \"uses\": \"shell\", \"with\": {\"run\": \"false\\necho not reached > "
          "e.txt\"}, \"continue_on_error\": true}," +
          "{\"id\": \"nowhere\", \"uses\": \"shell\", \"with\": {\"run\": \"true\", \"workdir\": "
          "\"nope\"}, \"continue_on_error\": true}"));
  TameResult r = Tame({"run", "p.json"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(Read("bash.txt"), "bash=yes\n");
  EXPECT_EQ(Read("sh.txt"), "bash=\n");
  EXPECT_EQ(Read("sub/dir/here.txt"), Path("sub/dir") + "\nws-ok\n");
  EXPECT_EQ(Read("py.txt"), "py");
  EXPECT_FALSE(Exists("e.txt")) << "scripts run with -e";
  EXPECT_EQ(StepReport("nowhere")["error"], "workdir \"nope\" is not a folder");
}

TEST_F(RunTest, AMissingInterpreterFailsTheStepWithoutRetries) {
  Write("p.json",
        Pipeline(
            "{\"id\": \"a\", \"uses\": \"shell\", \"retries\": {\"max\": 3}, \"with\": {\"run\": "
            "\"true\", \"shell\": \"no-such-shell\"}},"
            "{\"id\": \"b\", \"uses\": \"shell\", \"with\": {\"run\": \"true\", \"shell\": "
            "\"/no/sh\"}}"));
  TameResult r = Tame({"run", "p.json"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(StepReport("a")["error"], "cannot start no-such-shell: not found in PATH");
  EXPECT_EQ(StepReport("a")["attempts"], 1);
  EXPECT_EQ(StepReport("b")["error"], "cannot start /no/sh: No such file or directory");
}

TEST_F(RunTest, EveryStepGetsItsOwnProcessGroupAndNoStdin) {
  Write("p.json", Pipeline(Shell("a",
                                 "ps -o pgid= -p $$ | tr -d ' ' > pgid; echo $$ > pid; "
                                 "readlink /proc/$$/fd/0 > stdin")));
  TameResult r = Tame({"run", "p.json"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(Read("pgid"), Read("pid"));
  EXPECT_EQ(Read("stdin"), "/dev/null\n");
}

TEST_F(RunTest, RunFolderJournalReportAndJunit) {
  Write("p.json", Pipeline(Shell("a", "echo out; echo err >&2") + "," +
                           Shell("b", "exit 4", ", \"needs\": [\"a\"]") + "," +
                           Shell("c", "true", ", \"needs\": [\"b\"]")));
  TameResult r = Tame({"run", "p.json", "--junit", "junit.xml"});
  EXPECT_EQ(r.code, 1);
  std::string run = RunDir();
  EXPECT_EQ(run.size(), std::string(".tame/runs/20261124T035501.123Z-4f2a").size()) << run;
  EXPECT_EQ(run[26], '.');
  EXPECT_EQ(Read(run + "/logs/a.log"), "out\nerr\n");
  std::vector<Json> journal = Journal();
  ASSERT_GE(journal.size(), 5u);
  EXPECT_EQ(journal.front()["event"], "run_started");
  EXPECT_EQ(journal.back()["event"], "run_ended");
  EXPECT_EQ(journal.back()["status"], "failed");
  Json report = Report();
  EXPECT_EQ(report["pipeline"], "test");
  EXPECT_EQ(report["pipeline_hash"].get<std::string>().size(), 64u);
  EXPECT_EQ(report["steps"][0]["log"], "logs/a.log");
  std::string junit = Read("junit.xml");
  EXPECT_NE(
      junit.find("<testsuite name=\"test\" tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\""),
      std::string::npos)
      << junit;
  EXPECT_NE(junit.find("<failure message=\"exit code 4\">"), std::string::npos) << junit;
}

TEST_F(RunTest, PlainLinesOffATerminalAndJsonEvents) {
  Write("p.json", Pipeline(Shell("a", "echo hello")));
  // The separator follows the locale, whatever locale the tests run in.
  TameResult posix = Tame({"run", "p.json"}, {{"LC_ALL", "C"}});
  ASSERT_EQ(posix.code, 0);
  EXPECT_NE(posix.out.find(" a | hello\n"), std::string::npos) << posix.out;
  TameResult r = Tame({"run", "p.json"}, {{"LC_ALL", "C.UTF-8"}});
  ASSERT_EQ(r.code, 0);
  std::istringstream lines(r.out);
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    ++count;
    EXPECT_TRUE(line.size() > 9 && line[2] == ':' && line[5] == ':' && line[8] == ' ') << line;
    EXPECT_EQ(line.find('\x1b'), std::string::npos) << "colour off a terminal: " << line;
  }
  EXPECT_GE(count, 4);
  EXPECT_NE(r.out.find(" a │ hello\n"), std::string::npos) << r.out;

  TameResult j = Tame({"run", "p.json", "--log-format", "json"});
  ASSERT_EQ(j.code, 0);
  std::istringstream events(j.out);
  std::vector<std::string> kinds;
  while (std::getline(events, line)) {
    Json e = Json::parse(line, nullptr, false);
    ASSERT_FALSE(e.is_discarded()) << line;
    kinds.push_back(e["event"]);
    if (e["event"] == "output") {
      EXPECT_EQ(e["line"], "hello");
    }
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"run_started", "step_started", "output", "step_ended",
                                             "run_ended"}));
}

TEST_F(RunTest, DryRunStartsNothing) {
  Write("p.json",
        Pipeline(Shell("a", "touch ran; echo ${{ params.who }} ${{ secrets.S }}"),
                 "\"params\": {\"who\": {\"default\": \"me\"}}, \"secrets\": {\"S\": {}},"));
  TameResult r = Tame({"run", "p.json", "--dry-run"}, {{"S", "hunter2"}});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_FALSE(Exists("ran"));
  EXPECT_FALSE(Exists(".tame/runs"));
  EXPECT_EQ(r.out,
            "test: dry run of 1 steps in 1 levels; nothing is started\n"
            "level 1\n"
            "  a  shell\n"
            "      $ bash --noprofile --norc -e -o pipefail SCRIPT\n"
            "      | touch ran; echo ${TAME_PARAM_who} ${TAME_SECRET_S}\n"
            "      TAME_PARAM_who=me\n"
            "      TAME_SECRET_S=***\n");
}

// A dry run needs no secret values: one that is not set is a warning, and
// the run it previews would stop at it.
TEST_F(RunTest, DryRunWarnsOfUnsetSecrets) {
  Write("p.json", Pipeline(Shell("a", "echo ${{ secrets.S }}"), "\"secrets\": {\"S\": {}},"));
  TameResult r = Tame({"run", "p.json", "--dry-run"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("      TAME_SECRET_S=<not set>\n"), std::string::npos) << r.out;
  const std::string unset =
      "secret \"S\" is not set: set the environment variable S or give S=VALUE in a "
      "--secrets-file\n";
  EXPECT_EQ(r.err, "tame: warning: " + unset);
  r = Tame({"run", "p.json"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "tame: " + unset);
  EXPECT_FALSE(Exists(".tame/runs"));
}

// Kinds other than shell run as `tame __step KIND` under the same process
// control; exit status 3 means another attempt cannot help.
TEST_F(RunTest, OtherKindsRunAsStepProcesses) {
  Write("p.json",
        Pipeline(Shell("train", "echo '{\"accuracy\": 0.95}' > m.json",
                       ", \"outputs\": {\"m\": {\"path\": \"m.json\"}}") +
                 ", {\"id\": \"gate\", \"uses\": \"metrics.gate\", \"with\": {\"file\": \"${{ "
                 "steps.train.outputs.m }}\", "
                 "\"rules\": [{\"metric\": \"accuracy\", \"op\": \">=\", \"value\": 0.9}]}},"
                 "{\"id\": \"strict\", \"uses\": \"metrics.gate\", \"needs\": [\"train\"], "
                 "\"retries\": {\"max\": 3, "
                 "\"backoff\": \"10ms\"}, \"with\": {\"file\": \"m.json\", \"rules\": "
                 "[{\"metric\": \"accuracy\", "
                 "\"op\": \">=\", \"value\": 0.99}]}}"));
  TameResult r = Tame({"run", "p.json"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_EQ(StepReport("gate")["status"], "succeeded");
  EXPECT_EQ(StepReport("strict")["status"], "failed");
  EXPECT_EQ(StepReport("strict")["attempts"], 1) << "exit status 3 is not retried";
  EXPECT_NE(Read(RunDir() + "/logs/strict.log").find("gate failed"), std::string::npos);
}

TEST_F(RunTest, HelpNamesEveryFlag) {
  TameResult r = Tame({"run", "--help"});
  EXPECT_EQ(r.code, 0);
  for (const char* flag : {"-j N", "--param", "--secrets-file", "--log-format", "--junit",
                           "--no-cache", "--dry-run", "NO_COLOR", "TAME_KILL_GRACE"}) {
    EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
  }
  EXPECT_EQ(Tame({"resume", "--help"}).code, 0);
}

}  // namespace
}  // namespace testing
}  // namespace tame
