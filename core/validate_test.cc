#include "core/validate.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/test_util.h"

namespace tame {
namespace {

using Lines = std::vector<std::string>;

TEST(ValidateTest, ExamplesAreValid) {
  for (const char* name : {"examples/ml-to-k8s.json", "examples/local-ml.json"}) {
    std::string text = SourceFile(name);
    ASSERT_FALSE(text.empty()) << name;
    EXPECT_EQ(Problems(text), Lines{}) << name;
  }
}

TEST(ValidateTest, NameAndSteps) {
  EXPECT_EQ(Problems(R"({"version": 1, "name": "", "steps": []})"),
            (Lines{"p.json: /name: the pipeline needs a name",
                   "p.json: /steps: the pipeline has no steps"}));
}

TEST(ValidateTest, BadAndDuplicateIds) {
  EXPECT_EQ(Problems(WithSteps(R"({"id": "Train", "uses": "shell", "with": {"run": "x"}},
      {"id": "a", "uses": "shell", "with": {"run": "x"}},
      {"id": "a", "uses": "shell", "with": {"run": "x"}})")),
            (Lines{"p.json: /steps/0/id: step \"Train\": id must match [a-z][a-z0-9_-]{0,62}",
                   "p.json: /steps/2/id: step \"a\": duplicate id; the first is at /steps/1"}));
}

TEST(ValidateTest, UnknownKindWithSuggestion) {
  EXPECT_EQ(Problems(WithSteps(R"({"id": "a", "uses": "docker.biuld"})")),
            Lines{"p.json: /steps/0/uses: step \"a\": unknown step kind \"docker.biuld\" "
                  "(did you mean \"docker.build\"?)"});
}

TEST(ValidateTest, ParamsAgainstTheCatalog) {
  EXPECT_EQ(Problems(WithSteps(R"({"id": "d", "uses": "k8s.deploy", "with": {
      "image": 5, "replicas": -1, "port": 80.5, "wait": "yes", "imagee": "x",
      "rollout_timeout": "5 minutes", "env": {"A": 1}, "labels": []}})")),
            (Lines{"p.json: /steps/0/with/env/A: step \"d\": \"env\" values must be strings",
                   "p.json: /steps/0/with/image: step \"d\": \"image\" must be a string",
                   "p.json: /steps/0/with/imagee: step \"d\": k8s.deploy has no param "
                   "\"imagee\" (did you mean \"image\"?)",
                   "p.json: /steps/0/with/labels: step \"d\": \"labels\" must be an "
                   "object of strings",
                   "p.json: /steps/0/with/port: step \"d\": \"port\" must be an integer",
                   "p.json: /steps/0/with/replicas: step \"d\": \"replicas\" must be at "
                   "least 0",
                   "p.json: /steps/0/with/rollout_timeout: step \"d\": \"rollout_timeout\": "
                   "duration \"5 minutes\" has an unknown unit \" minutes\"; use ms, s, m, h or d",
                   "p.json: /steps/0/with/wait: step \"d\": \"wait\" must be true or false",
                   "p.json: /steps/0/with: step \"d\": k8s.deploy needs param \"name\""}));
}

TEST(ValidateTest, EnumsSecretRefsListsAndRules) {
  EXPECT_EQ(Problems(R"({"version": 1, "name": "t", "secrets": {"PW": {"from": "env"}},
      "steps": [
        {"id": "g", "uses": "metrics.gate", "with": {"file": "m.json", "format": "xml",
          "rules": [{"metric": "acc", "op": "=>", "value": "high"}, {"metric": "f1", "x": 1}, 3]}},
        {"id": "p", "uses": "docker.push", "with": {"image": "i", "password": "hunter2"}},
        {"id": "a", "uses": "approval", "with": {"approvers": ["x", 1], "required": 0}},
        {"id": "r", "uses": "metrics.gate", "with": {"file": "m", "rules": []}}
      ]})"),
            (Lines{"p.json: /steps/0/with/format: step \"g\": \"format\" must be one of "
                   "auto, json, csv, not \"xml\"",
                   "p.json: /steps/0/with/rules/0/op: step \"g\": \"=>\" is not an "
                   "operator; use >=, >, <=, <, == or !=",
                   "p.json: /steps/0/with/rules/0/value: step \"g\": \"value\" must be a number",
                   "p.json: /steps/0/with/rules/1/x: step \"g\": unknown rule key \"x\"; "
                   "a rule has metric, op and value",
                   "p.json: /steps/0/with/rules/1: step \"g\": rule needs \"op\"",
                   "p.json: /steps/0/with/rules/1: step \"g\": rule needs \"value\"",
                   "p.json: /steps/0/with/rules/2: step \"g\": a rule is an object "
                   "{ \"metric\", \"op\", \"value\" }",
                   "p.json: /steps/1/with/password: step \"p\": \"password\" must be a "
                   "secret reference such as \"${{ secrets.NAME }}\"",
                   "p.json: /steps/2/with/approvers/1: step \"a\": \"approvers\" items "
                   "must be strings",
                   "p.json: /steps/2/with/required: step \"a\": \"required\" must be at "
                   "least 1",
                   "p.json: /steps/3/with/rules: step \"r\": \"rules\" must be a non-empty "
                   "array of { \"metric\", \"op\", \"value\" }"}));
}

TEST(ValidateTest, References) {
  EXPECT_EQ(Problems(R"({"version": 1, "name": "t", "params": {"n": {"type": "integer"}},
      "steps": [
        {"id": "a", "uses": "shell", "with": {"run": "echo"}, "outputs": {"v": {}}},
        {"id": "b", "uses": "shell", "with": {"run":
          "${{ params.m }} ${{ secrets.S }} ${{ steps.c.outputs.v }} ${{ steps.a.outputs.w }} ${{ steps.zz.outputs.v }}"}},
        {"id": "c", "uses": "shell", "with": {"run": "${{ steps.c.outputs.v }} ${{ run.id }}"}},
        {"id": "d", "uses": "shell", "with": {"run": "${{ env.HOME }}"}},
        {"id": "e", "uses": "shell", "with": {"run": "${{ params.n"}},
        {"id": "f", "uses": "k8s.deploy", "with": {"image": "i", "name": "n",
          "replicas": "${{ params.n }}", "port": "${{ params.n }} "}}
      ]})"),
            (Lines{"p.json: /steps/1/with/run: step \"b\": ${{ params.m }} names a param "
                   "that is not declared in /params",
                   "p.json: /steps/1/with/run: step \"b\": ${{ secrets.S }} names a secret "
                   "that is not declared in /secrets",
                   "p.json: /steps/1/with/run: step \"b\": ${{ steps.c.outputs.v }}: step "
                   "\"c\" has no output \"v\"",
                   "p.json: /steps/1/with/run: step \"b\": ${{ steps.a.outputs.w }}: step "
                   "\"a\" has no output \"w\"",
                   "p.json: /steps/1/with/run: step \"b\": ${{ steps.zz.outputs.v }} names "
                   "step \"zz\", which does not exist",
                   "p.json: /steps/2/with/run: step \"c\": ${{ steps.c.outputs.v }}: a step "
                   "cannot use its own output",
                   "p.json: /steps/3/with/run: step \"d\": \"${{ env.HOME }}\" is not a "
                   "reference; use params.NAME, secrets.NAME, steps.ID.outputs.NAME or run.id",
                   "p.json: /steps/4/with/run: step \"e\": unterminated \"${{\": a reference "
                   "ends with \"}}\"",
                   "p.json: /steps/5/with/port: step \"f\": \"port\" must be an integer"}));
}

TEST(ValidateTest, StepCReferencedBeforeItIsDeclaredIsFine) {
  // A reference may name a later step in the file; it adds the edge.
  EXPECT_EQ(Problems(WithSteps(R"(
      {"id": "b", "uses": "shell", "with": {"run": "${{ steps.a.outputs.v }}"}},
      {"id": "a", "uses": "shell", "with": {"run": "x"}, "outputs": {"v": {}}})")),
            Lines{});
}

TEST(ValidateTest, NeedsEdges) {
  EXPECT_EQ(Problems(WithSteps(R"(
      {"id": "build", "uses": "shell", "with": {"run": "x"}},
      {"id": "b", "uses": "shell", "needs": ["biuld", "b", "build", "build"], "with": {"run": "x"}})")),
            (Lines{"p.json: /steps/1/needs/0: step \"b\": needs \"biuld\", which is not a "
                   "step (did you mean \"build\"?)",
                   "p.json: /steps/1/needs/1: step \"b\": a step cannot need itself",
                   "p.json: /steps/1/needs/3: step \"b\": needs \"build\" twice"}));
}

TEST(ValidateTest, CycleWithItsPath) {
  EXPECT_EQ(Problems(WithSteps(R"(
      {"id": "a", "uses": "shell", "needs": ["c"], "with": {"run": "x"}},
      {"id": "b", "uses": "shell", "needs": ["a"], "with": {"run": "x"}},
      {"id": "c", "uses": "shell", "needs": ["b"], "with": {"run": "x"}})")),
            Lines{"p.json: /steps/0: dependency cycle: a -> b -> c -> a"});
}

TEST(ValidateTest, CycleThroughAReference) {
  EXPECT_EQ(Problems(WithSteps(R"(
      {"id": "x", "uses": "shell", "with": {"run": "true"}},
      {"id": "a", "uses": "shell", "needs": ["b"], "with": {"run": "x"}, "outputs": {"o": {}}},
      {"id": "b", "uses": "shell", "with": {"run": "${{ steps.a.outputs.o }}"}})")),
            Lines{"p.json: /steps/1: dependency cycle: a -> b -> a"});
}

TEST(ValidateTest, ConditionsDurationsRetriesEnvOutputs) {
  EXPECT_EQ(Problems(WithSteps(R"({"id": "a", "uses": "shell", "with": {"run": "x"},
      "if": "sometimes", "timeout": "10", "env": {"1X": "v", "TAME_RUN": "v"},
      "retries": {"max": 101, "backoff": "0s", "factor": 0.5, "on_exit_codes": [0, 256]},
      "cache": {"inputs": [""]}, "outputs": {"bad name": {}, "up": {"path": "../x"}}},
      {"id": "b", "uses": "docker.build", "outputs": {"o": {}}})")),
            (Lines{"p.json: /steps/0/env/1X: step \"a\": \"1X\" is not an environment "
                   "variable name",
                   "p.json: /steps/0/env/TAME_RUN: step \"a\": names starting with TAME_ "
                   "are tame's own",
                   "p.json: /steps/0/if: step \"a\": \"sometimes\" is not a condition; use "
                   "success, failure or always",
                   "p.json: /steps/0/timeout: step \"a\": duration \"10\" lacks a unit "
                   "(ms, s, m, h, d)",
                   "p.json: /steps/0/retries/max: step \"a\": retries.max must be from 0 to 100",
                   "p.json: /steps/0/retries/backoff: step \"a\": duration \"0s\" is zero",
                   "p.json: /steps/0/retries/factor: step \"a\": retries.factor must be "
                   "from 1 to 100",
                   "p.json: /steps/0/retries/on_exit_codes/0: step \"a\": exit code 0 is "
                   "not from 1 to 255",
                   "p.json: /steps/0/retries/on_exit_codes/1: step \"a\": exit code 256 is "
                   "not from 1 to 255",
                   "p.json: /steps/0/cache/inputs/0: step \"a\": empty input pattern",
                   "p.json: /steps/0/outputs/bad name: step \"a\": output name \"bad name\" "
                   "must match [A-Za-z_][A-Za-z0-9_-]*",
                   "p.json: /steps/0/outputs/up/path: step \"a\": output path \"../x\" must "
                   "stay inside the workspace",
                   "p.json: /steps/1/outputs: step \"b\": docker.build steps have fixed "
                   "outputs; only shell steps declare their own"}));
}

TEST(ValidateTest, ParamsSecretsAndLayout) {
  EXPECT_EQ(Problems(R"({"version": 1, "name": "t",
      "params": {"n": {"type": "int"}, "m": {"type": "integer", "default": "3"}},
      "secrets": {"S": {"from": "vault", "env": "a-b"}},
      "steps": [{"id": "a", "uses": "shell", "with": {"run": "x"}}],
      "layout": {"a": {"x": 0, "y": 0}, "gone": {"x": 0, "y": 0}, "far": {"x": 1e9, "y": 0}}})"),
            (Lines{"p.json: /params/m/default: default \"3\" is not of type integer",
                   "p.json: /params/n/type: unknown param type \"int\"; use string, number, "
                   "integer or boolean",
                   "p.json: /secrets/S/from: secrets come from \"env\" or \"file\", not \"vault\"",
                   "p.json: /secrets/S/env: \"a-b\" is not an environment variable name",
                   "p.json: /layout/far: layout names step \"far\", which does not exist",
                   "p.json: /layout/far: position is too far out; keep x and y within "
                   "10,000,000",
                   "p.json: /layout/gone: layout names step \"gone\", which does not exist"}));
}

TEST(ValidateTest, ParamValueFallsBackToTheCatalogDefault) {
  Pipeline p = MustLoad(WithSteps(R"({"id": "a", "uses": "shell", "with": {"run": "x"}})"));
  const KindSpec* shell = FindKind("shell");
  ASSERT_NE(shell, nullptr);
  EXPECT_EQ(ParamValue(p.steps[0], *FindParam(*shell, "shell")), Json("bash"));
  EXPECT_EQ(ParamValue(p.steps[0], *FindParam(*shell, "run")), Json("x"));
  EXPECT_TRUE(ParamValue(p.steps[0], *FindParam(*shell, "workdir")).is_null());
}

TEST(ValidateTest, ApprovalsThatCanNeverBeMet) {
  EXPECT_EQ(
      Problems(R"({"version": 1, "name": "t", "params": {"n": {"type": "integer", "default": 5}},
        "steps": [{"id": "a", "uses": "approval",
          "with": {"approvers": ["alice", "bob", "alice", ""], "required": 3}},
        {"id": "b", "uses": "approval", "with": {"approvers": ["alice"], "required": 2}},
        {"id": "c", "uses": "approval", "with": {"approvers": [" "]}},
        {"id": "d", "uses": "approval",
          "with": {"approvers": ["alice", "bob"], "required": "${{ params.n }}"}}]})"),
      (Lines{"p.json: /steps/0/with/approvers/3: step \"a\": \"approvers\" item 4 is empty",
             "p.json: /steps/0/with/approvers/2: step \"a\": \"alice\" is listed twice in "
             "\"approvers\" (first at /steps/0/with/approvers/0); each person counts once",
             "p.json: /steps/0/with/required: step \"a\": \"required\" is 3 but only 2 distinct "
             "approvers are listed: the approval could never pass",
             "p.json: /steps/1/with/required: step \"b\": \"required\" is 2 but only 1 distinct "
             "approver is listed: the approval could never pass",
             "p.json: /steps/2/with/approvers/0: step \"c\": \"approvers\" item 1 is empty",
             "p.json: /steps/2/with/required: step \"c\": \"required\" is 1 but only 0 distinct "
             "approvers are listed: the approval could never pass"}));
}

TEST(ValidateTest, TwoStepsMayNotDeclareOneOutputFile) {
  EXPECT_EQ(Problems(R"({"version": 1, "name": "t", "steps": [
      {"id": "train", "uses": "shell", "with": {"run": "x"},
       "outputs": {"model": {"path": "out/model.bin"}, "log": {"path": "a.txt"}}},
      {"id": "tune", "uses": "shell", "with": {"run": "x"},
       "outputs": {"best": {"path": "./out//model.bin"}, "other": {"path": "b/c.txt"}}},
      {"id": "eval", "uses": "shell", "with": {"run": "x"},
       "outputs": {"m": {"path": "x/../a.txt"}, "n": {"path": "b/./c.txt"},
                   "n2": {"path": "b/c.txt"}}}]})"),
            (std::vector<std::string>{
                "p.json: /steps/1/outputs/best/path: step \"tune\": output file "
                "\"./out//model.bin\" is also declared by step \"train\" "
                "(/steps/0/outputs/model/path); two steps may not write one file",
                "p.json: /steps/2/outputs/m/path: step \"eval\": output path \"x/../a.txt\" "
                "must stay inside the workspace",
                "p.json: /steps/2/outputs/m/path: step \"eval\": output file \"x/../a.txt\" is "
                "also declared by step \"train\" (/steps/0/outputs/log/path); two steps may not "
                "write one file",
                "p.json: /steps/2/outputs/n/path: step \"eval\": output file \"b/./c.txt\" is "
                "also declared by step \"tune\" (/steps/1/outputs/other/path); two steps may not "
                "write one file",
                "p.json: /steps/2/outputs/n2/path: step \"eval\": output file \"b/c.txt\" is "
                "also declared by step \"tune\" (/steps/1/outputs/other/path); two steps may not "
                "write one file"}));
}

TEST(ValidateTest, EmptyListItemsAndEmptyImageTags) {
  EXPECT_EQ(Problems(WithSteps(R"({"id": "b", "uses": "docker.build",
        "with": {"tags": ["127.0.0.1:5000/iris:"]}},
      {"id": "s", "uses": "approval", "needs": ["b"],
        "with": {"approvers": ["alice", ""], "required": 1}},
      {"id": "d", "uses": "k8s.deploy", "needs": ["s"],
        "with": {"image": "127.0.0.1:5000/iris:", "name": "iris"}})")),
            (Lines{"p.json: /steps/0/with/tags/0: step \"b\": \"tags\" "
                   "\"127.0.0.1:5000/iris:\" has an empty tag after ':'",
                   "p.json: /steps/1/with/approvers/1: step \"s\": \"approvers\" item 2 is empty",
                   "p.json: /steps/2/with/image: step \"d\": \"image\" "
                   "\"127.0.0.1:5000/iris:\" has an empty tag after ':'"}));
}

TEST(ValidateTest, ProblemsNameTheirStepAndField) {
  LoadResult loaded = LoadPipeline(R"({"version": 1, "name": "",
      "steps": [{"id": "a", "uses": "shell", "timeout": "soon"},
                {"id": "b", "uses": "approval", "needs": ["a", "zz"],
                 "with": {"approvers": ["x"], "required": 1, "timeout": "1 day"}}]})");
  ASSERT_TRUE(loaded.pipeline.has_value());
  std::vector<std::string> places;
  for (const Diagnostic& d : Validate(*loaded.pipeline)) places.push_back(d.step + " " + d.field);
  EXPECT_EQ(places, (Lines{" name", "a with/run", "a timeout", "b with/timeout", "b needs"}));
}

TEST(ValidateTest, ObjectParamsCheckEachField) {
  EXPECT_EQ(Problems(WithSteps(R"({"id": "d", "uses": "k8s.deploy", "with": {
      "image": "i", "name": "n", "resources": {"requests.cpu": "100m"},
      "ingress": {"hots": "x", "path": 1, "class": "nginx"},
      "autoscale": {"min": 0, "max": "ten", "cpu": 101}}})")),
            (Lines{"p.json: /steps/0/with/autoscale/cpu: step \"d\": \"autoscale.cpu\" must be at "
                   "most 100",
                   "p.json: /steps/0/with/autoscale/max: step \"d\": \"autoscale.max\" must be "
                   "an integer",
                   "p.json: /steps/0/with/autoscale/min: step \"d\": \"autoscale.min\" must be at "
                   "least 1",
                   "p.json: /steps/0/with/ingress/hots: step \"d\": \"ingress\" has no field "
                   "\"hots\" (did you mean \"host\"?)",
                   "p.json: /steps/0/with/ingress/path: step \"d\": \"ingress.path\" must be a "
                   "string",
                   "p.json: /steps/0/with/ingress: step \"d\": \"ingress\" needs field \"host\""}));
  EXPECT_EQ(Problems(WithSteps(R"({"id": "d", "uses": "k8s.deploy", "with": {
      "image": "i", "name": "n", "ingress": "iris.example.org", "autoscale": [1]}})")),
            (Lines{"p.json: /steps/0/with/autoscale: step \"d\": \"autoscale\" must be an object "
                   "{ min, max, cpu }",
                   "p.json: /steps/0/with/ingress: step \"d\": \"ingress\" must be an object "
                   "{ host, path, class, tls_secret }"}));
}

TEST(ValidateTest, AutoscaleNeedsACpuRequest) {
  EXPECT_EQ(Problems(WithSteps(R"({"id": "d", "uses": "k8s.deploy", "with": {
      "image": "i", "name": "n", "autoscale": {"max": 4}}})")),
            Lines{"p.json: /steps/0/with/autoscale: step \"d\": \"autoscale\" scales on CPU "
                  "utilisation, a share of the CPU request: set \"resources\": "
                  "{\"requests.cpu\": \"250m\"} (or use a manifest that sets it)"});
  EXPECT_EQ(Problems(WithSteps(R"({"id": "d", "uses": "k8s.deploy", "with": {
      "image": "i", "name": "n", "manifest": "k8s.yaml", "autoscale": {"max": 4}}})")),
            Lines{});
}

TEST(ValidateTest, ReleaseStrategiesNeedWhatTheyUse) {
  EXPECT_EQ(Problems(WithSteps(R"({"id": "d", "uses": "k8s.deploy", "with": {
      "image": "i", "name": "n", "strategy": "canary", "wait": false,
      "scale_down_delay": "1m"}})")),
            (Lines{"p.json: /steps/0/with/scale_down_delay: step \"d\": \"scale_down_delay\" "
                   "applies to strategy \"blue-green\", not \"canary\"",
                   "p.json: /steps/0/with/wait: step \"d\": strategy \"canary\" follows the "
                   "release to its end: \"wait\" cannot be false",
                   "p.json: /steps/0/with: step \"d\": strategy \"canary\" needs param "
                   "\"canary_steps\""}));
  EXPECT_EQ(Problems(WithSteps(R"({"id": "d", "uses": "k8s.deploy", "with": {
      "image": "i", "name": "n", "canary_steps": [{"weight": 10}],
      "analysis": {"metrics": [{"name": "a", "url": "http://x/", "json_path": "a",
                                "op": ">=", "value": 1}]}}})")),
            (Lines{"p.json: /steps/0/with/canary_steps: step \"d\": \"canary_steps\" applies to "
                   "strategy \"canary\", not \"rolling\"",
                   "p.json: /steps/0/with/analysis: step \"d\": \"analysis\" judges a canary or "
                   "blue-green release: set \"strategy\""}));
  EXPECT_EQ(Problems(WithSteps(R"({"id": "d", "uses": "k8s.deploy", "with": {
      "image": "i", "name": "n", "strategy": "blue-green",
      "analysis": {"count": 0, "metrics": [
        {"name": "a", "query": "up", "op": "=>", "value": 1},
        {"name": "a", "url": "http://x/", "query": "up", "op": ">=", "value": 1},
        {"name": "b", "url": "http://x/", "op": ">=", "value": 1}]}}})")),
            (Lines{"p.json: /steps/0/with/analysis/count: step \"d\": \"analysis.count\" must be "
                   "at least 1",
                   "p.json: /steps/0/with/analysis/metrics/0/op: step \"d\": "
                   "\"analysis.metrics[0].op\" must be one of >=, >, <=, <, ==, !=, not \"=>\"",
                   "p.json: /steps/0/with/analysis/metrics/0/query: step \"d\": "
                   "\"analysis.metrics[0].query\" needs \"analysis.prometheus\", the Prometheus "
                   "to ask",
                   "p.json: /steps/0/with/analysis/metrics/1/name: step \"d\": "
                   "\"analysis.metrics[1].name\" repeats the metric name \"a\"",
                   "p.json: /steps/0/with/analysis/metrics/1: step \"d\": "
                   "\"analysis.metrics[1]\" needs either \"query\" or \"url\", not both",
                   "p.json: /steps/0/with/analysis/metrics/2: step \"d\": "
                   "\"analysis.metrics[2]\" needs field \"json_path\" with \"url\""}));
  EXPECT_EQ(Problems(WithSteps(R"j({"id": "d", "uses": "k8s.deploy", "with": {
      "image": "i", "name": "n", "strategy": "canary",
      "canary_steps": [{"weight": 10, "pause": "1m"}, {"weight": 50}],
      "analysis": {"prometheus": "http://127.0.0.1:9090", "interval": "30s", "count": 5,
        "failure_limit": 1, "metrics": [
        {"name": "rate", "query": "sum(up)", "op": ">=", "value": 0.99},
        {"name": "p95", "url": "http://x/", "json_path": "latency.p95_ms",
         "op": "<=", "value": 200}]}}})j")),
            Lines{});
}

TEST(ValidateTest, PlacesTameWritesStayInsideTheWorkspace) {
  EXPECT_EQ(Problems(WithSteps(R"({"id": "c", "uses": "git.checkout",
      "with": {"repo": "https://example.org/r.git", "path": "../elsewhere"}})")),
            (Lines{"p.json: /steps/0/with/path: step \"c\": \"path\" \"../elsewhere\" must stay "
                   "inside the workspace: give a relative path without \"..\""}));
  EXPECT_EQ(Problems(WithSteps(R"({"id": "c", "uses": "git.checkout",
      "with": {"repo": "https://example.org/r.git", "path": "/tmp/x"}})")),
            (Lines{"p.json: /steps/0/with/path: step \"c\": \"path\" \"/tmp/x\" must stay "
                   "inside the workspace: give a relative path without \"..\""}));
  EXPECT_EQ(Problems(WithSteps(R"({"id": "s", "uses": "shell",
      "with": {"run": "x", "workdir": "a/../../b"}})")),
            (Lines{"p.json: /steps/0/with/workdir: step \"s\": \"workdir\" \"a/../../b\" must "
                   "stay inside the workspace: give a relative path without \"..\""}));
  EXPECT_EQ(Problems(WithSteps(R"({"id": "t", "uses": "git.tag",
      "with": {"tag": "v1", "path": ".."}})")),
            (Lines{"p.json: /steps/0/with/path: step \"t\": \"path\" \"..\" must stay inside "
                   "the workspace: give a relative path without \"..\""}));
  // Names with dots are fine, and a reference is checked when the step runs.
  EXPECT_EQ(Problems(WithSteps(R"({"id": "c", "uses": "git.checkout",
      "with": {"repo": "r", "path": "a/..b/c.."}},
      {"id": "t", "uses": "git.tag", "with": {"tag": "v1",
       "path": "${{ steps.c.outputs.path }}"}})")),
            Lines{});
  EXPECT_TRUE(PathLeavesFolder("/a"));
  EXPECT_TRUE(PathLeavesFolder("a/.."));
  EXPECT_FALSE(PathLeavesFolder("a/..b"));
  EXPECT_FALSE(PathLeavesFolder(""));
}

TEST(ValidateTest, CredentialsInARepositoryUrlAreRefused) {
  EXPECT_EQ(Problems(WithSteps(R"({"id": "c", "uses": "git.checkout",
      "with": {"repo": "https://user:hunter2@example.org/r.git"}})")),
            (Lines{"p.json: /steps/0/with/repo: step \"c\": \"repo\" holds credentials "
                   "(user:password@), which would be stored in the clone's .git/config; give "
                   "the URL without them and the token as \"token\": \"${{ secrets.NAME }}\""}));
  EXPECT_TRUE(UrlHasCredentials("HTTPS://tok@example.org/r"));
  EXPECT_TRUE(UrlHasCredentials("ssh://git:pw@example.org/r"));
  EXPECT_FALSE(UrlHasCredentials("ssh://git@example.org/r"));
  EXPECT_FALSE(UrlHasCredentials("git@example.org:team/r.git"));
  EXPECT_FALSE(UrlHasCredentials("https://example.org/r@v1"));
  EXPECT_EQ(UrlWithoutCredentials("https://u:p@h/r?x=@"), "https://***@h/r?x=@");
}

TEST(ValidateTest, ANulByteInAValueIsRefused) {
  EXPECT_EQ(Problems(R"({"version": 1, "name": "t",
      "params": {"p": {"default": "a\u0000b"}},
      "steps": [{"id": "a", "uses": "shell", "with": {"run": "echo a\u0000rm -rf"},
                 "env": {"X": "1\u00002"}}]})"),
            (Lines{"p.json: /params/p/default: a value may not hold a NUL byte (\\u0000): no "
                   "command line, environment variable or file name can carry one",
                   "p.json: /steps/0/with/run: step \"a\": a value may not hold a NUL byte "
                   "(\\u0000): no command line, environment variable or file name can carry one",
                   "p.json: /steps/0/env/X: step \"a\": a value may not hold a NUL byte "
                   "(\\u0000): no command line, environment variable or file name can carry "
                   "one"}));
}

// Problems inside object and object-list params name the nested field, as
// the messages write it, so that an editor shows each beside its field; a
// missing field is about that field, an unknown key about its object.
TEST(ValidateTest, NestedProblemsNameTheFieldPath) {
  LoadResult loaded = LoadPipeline(R"({"version": 1, "name": "p", "steps": [
      {"id": "d", "uses": "k8s.deploy", "with": {
        "image": "i", "name": "n", "resources": {"requests.cpu": "100m"},
        "ingress": {"hots": "x", "path": 1},
        "autoscale": {"max": 0},
        "strategy": "canary",
        "analysis": {"interval": "soon", "metrics": [
          {"name": "a", "query": "up", "op": ">=", "value": 1},
          {"name": "b", "url": "http://x/m", "op": ">=", "value": "high"},
          {"name": "c", "op": "~", "value": 1, "extra": 1}]}}},
      {"id": "e", "uses": "k8s.deploy", "with": {"image": "i", "name": "n",
        "strategy": "canary", "canary_steps": [{"weight": 10}, {"weight": 0, "pause": 3}]}}]})");
  ASSERT_TRUE(loaded.pipeline.has_value());
  std::vector<std::string> places;
  for (const Diagnostic& d : Validate(*loaded.pipeline)) {
    places.push_back(d.step + " " + d.field + " <- " + d.pointer);
  }
  std::sort(places.begin(), places.end());
  EXPECT_EQ(
      places,
      (Lines{"d with/analysis.interval <- /steps/0/with/analysis/interval",
             "d with/analysis.metrics[0].query <- /steps/0/with/analysis/metrics/0/query",
             "d with/analysis.metrics[1].json_path <- /steps/0/with/analysis/metrics/1",
             "d with/analysis.metrics[1].value <- /steps/0/with/analysis/metrics/1/value",
             "d with/analysis.metrics[2] <- /steps/0/with/analysis/metrics/2",
             "d with/analysis.metrics[2] <- /steps/0/with/analysis/metrics/2/extra",
             "d with/analysis.metrics[2].op <- /steps/0/with/analysis/metrics/2/op",
             "d with/autoscale.max <- /steps/0/with/autoscale/max",
             "d with/canary_steps <- /steps/0/with", "d with/ingress <- /steps/0/with/ingress/hots",
             "d with/ingress.host <- /steps/0/with/ingress",
             "d with/ingress.path <- /steps/0/with/ingress/path",
             "e with/canary_steps[1].pause <- /steps/1/with/canary_steps/1/pause",
             "e with/canary_steps[1].weight <- /steps/1/with/canary_steps/1/weight"}));
}

}  // namespace
}  // namespace tame
