#include "core/export.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/export_internal.h"
#include "core/test_util.h"

namespace tame {
namespace {

using exporting::EmitYaml;
using exporting::OrderedJson;

std::vector<std::string> NoteLines(const ExportResult& r) {
  std::vector<std::string> out;
  for (const Diagnostic& d : r.notes) out.push_back(FormatDiagnostic("p.json", d));
  return out;
}

ExportResult Export(const std::string& text, ExportTarget target, const ExportOptions& o = {}) {
  return ExportPipeline(MustLoad(text), target, o);
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// ---- Targets and the report ---------------------------------------------------

TEST(ExportTest, TargetNamesReadBack) {
  for (const ExportTargetInfo& info : ExportTargets()) {
    ExportTarget back;
    ASSERT_TRUE(ParseExportTarget(info.name, &back));
    EXPECT_EQ(back, info.target);
    EXPECT_EQ(&TargetInfo(info.target), &info);
    EXPECT_STREQ(ExportTargetName(info.target), info.name);
  }
  ExportTarget unused;
  EXPECT_FALSE(ParseExportTarget("Argo", &unused));
  EXPECT_FALSE(ParseExportTarget("", &unused));
}

TEST(ExportTest, ReportHasAHeaderAndOneLinePerNote) {
  Diagnostics notes = {{"", "whole"}, {"/steps/0/cache", "step \"a\": cache"}};
  EXPECT_EQ(FormatFidelityReport("f.json", ExportTarget::kTekton, 1, notes),
            "f.json: exported to tekton: 1 step, 2 notes on fidelity\n"
            "f.json: whole\n"
            "f.json: /steps/0/cache: step \"a\": cache\n");
  EXPECT_EQ(FormatFidelityReport("f.json", ExportTarget::kArgo, 3, {{"", "x"}}),
            "f.json: exported to argo: 3 steps, 1 note on fidelity\nf.json: x\n");
}

TEST(ExportTest, FileNames) {
  Pipeline p = MustLoad(WithSteps(R"({"id": "a", "uses": "shell", "with": {"run": "true"}})"));
  p.name = "My Model!";
  EXPECT_EQ(ExportFileName(p, ExportTarget::kArgo), "my-model.argo.yaml");
  EXPECT_EQ(ExportFileName(p, ExportTarget::kTekton), "my-model.tekton.yaml");
  EXPECT_EQ(ExportFileName(p, ExportTarget::kGitHubActions), "my-model.github.yml");
  EXPECT_EQ(ExportFileName(p, ExportTarget::kAzurePipelines), "my-model.azure-pipelines.yml");
  EXPECT_EQ(ExportFileName(p, ExportTarget::kGitLabCi), "my-model.gitlab-ci.yml");
}

TEST(ExportTest, TheTableHoldsEachTargetOnce) {
  std::set<std::string> names, titles, suffixes;
  std::set<ExportTarget> targets;
  for (const ExportTargetInfo& info : ExportTargets()) {
    SCOPED_TRACE(info.name);
    EXPECT_TRUE(names.insert(info.name).second);
    EXPECT_TRUE(titles.insert(info.title).second);
    EXPECT_TRUE(suffixes.insert(info.file_suffix).second);
    EXPECT_TRUE(targets.insert(info.target).second);
    EXPECT_NE(info.exporter, nullptr);
    EXPECT_NE(std::string(info.writes), "");
    EXPECT_NE(std::string(info.use), "");
    EXPECT_EQ(info.file_suffix[0], '.');
  }
  EXPECT_EQ(ExportTargetNames("|"), "argo|tekton|github-actions|azure-pipelines|gitlab-ci");
  EXPECT_EQ(ExportTargetNames("or"), "argo, tekton, github-actions, azure-pipelines or gitlab-ci");
}

// ---- Refusals -------------------------------------------------------------------

TEST(ExportTest, InvalidPipelineGivesTheValidatorsErrors) {
  Pipeline p = MustLoad(WithSteps(R"({"id": "a", "uses": "shell", "with": {"run": "true"}})"));
  p.steps[0].needs = {"nowhere"};
  ExportResult r = ExportPipeline(p, ExportTarget::kArgo);
  EXPECT_EQ(r.text, "");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(FormatDiagnostic("p.json", r.errors[0]),
            "p.json: /steps/0/needs/0: step \"a\": needs \"nowhere\", which is not a step");
}

TEST(ExportTest, BadExportOptionsAreErrorsWithTheirPlace) {
  std::string text = R"({"version": 1, "name": "t",
    "steps": [{"id": "a", "uses": "shell", "with": {"run": "true"}, "x-image": ""}],
    "x-export": {"image": "ok", "runs-on": "x", "storage": 5}})";
  ExportResult r = Export(text, ExportTarget::kGitHubActions);
  std::vector<std::string> errors;
  for (const Diagnostic& d : r.errors) errors.push_back(FormatDiagnostic("p.json", d));
  EXPECT_EQ(errors,
            (std::vector<std::string>{
                "p.json: /x-export/runs-on: unknown export option \"runs-on\" (did you "
                "mean \"runs_on\"?); known: image, tame_image, secret, runs_on and storage",
                "p.json: /x-export/storage: x-export.storage must be a non-empty line of text",
                "p.json: /steps/0/x-image: step \"a\": x-image must be a non-empty line of "
                "text"}));
  EXPECT_EQ(r.text, "");
}

// ---- Argo -------------------------------------------------------------------------

const char kRetrying[] = R"({"version": 1, "name": "r", "steps": [
  {"id": "a", "uses": "shell", "with": {"run": "make\n"}, "timeout": "1500ms",
   "retries": {"max": 2, "backoff": "3s", "factor": 2.5, "on_exit_codes": [1, 7]}},
  {"id": "b", "uses": "shell", "needs": ["a"], "if": "always", "with": {"run": "true"}}]})";

TEST(ExportArgoTest, RetriesAndTimeoutUseArgosFields) {
  ExportResult r = Export(kRetrying, ExportTarget::kArgo);
  ASSERT_TRUE(r.errors.empty());
  EXPECT_TRUE(Contains(r.text,
                       "      retryStrategy:\n"
                       "        limit: \"2\"\n"
                       "        retryPolicy: Always\n"
                       "        backoff:\n"
                       "          duration: \"3s\"\n"
                       "          factor: \"3\"\n"
                       "          cap: \"10m\"\n"
                       "        expression: asInt(lastRetry.exitCode) in [1, 7]\n"
                       "      activeDeadlineSeconds: \"2\"\n"))
      << r.text;
  EXPECT_TRUE(Contains(r.text,
                       "            depends: (a.Succeeded || a.Failed || a.Errored || "
                       "a.Skipped || a.Omitted)\n"))
      << r.text;
  std::vector<std::string> notes = NoteLines(r);
  EXPECT_NE(std::find(notes.begin(), notes.end(),
                      "p.json: /steps/0/retries/factor: step \"a\": Argo's backoff factor is a "
                      "whole number; 2.5 is written as 3"),
            notes.end());
  EXPECT_NE(std::find(notes.begin(), notes.end(),
                      "p.json: /steps/0/timeout: step \"a\": Argo counts whole seconds: the "
                      "timeout is 2s"),
            notes.end());
}

TEST(ExportArgoTest, ReferencesTravelAsParametersAndEnvironment) {
  ExportResult r = Export(R"({"version": 1, "name": "t",
    "params": {"who": {"type": "string", "default": "world"}},
    "secrets": {"KEY": {"from": "env"}},
    "steps": [
      {"id": "a", "uses": "shell", "with": {"run": "echo v=1 >> \"$TAME_OUTPUT\"\n"},
       "outputs": {"v": {}}},
      {"id": "b_c", "uses": "shell",
       "with": {"run": "echo \"${{ params.who }} ${{ steps.a.outputs.v }}\"\n"},
       "env": {"AUTH": "key $(x) ${{ secrets.KEY }}"}}]})",
                          ExportTarget::kArgo);
  ASSERT_TRUE(r.errors.empty());
  EXPECT_TRUE(Contains(r.text,
                       "          - name: b-c\n"
                       "            template: b-c\n"
                       "            depends: a.Succeeded\n"
                       "            arguments:\n"
                       "              parameters:\n"
                       "                - name: TAME_STEP_a_OUT_v\n"
                       "                  value: \"{{tasks.a.outputs.parameters.v}}\"\n"))
      << r.text;
  EXPECT_TRUE(Contains(r.text,
                       "        source: |\n"
                       "          echo \"${TAME_PARAM_who} ${TAME_STEP_a_OUT_v}\"\n"))
      << r.text;
  EXPECT_TRUE(Contains(r.text,
                       "          - name: TAME_SECRET_KEY\n"
                       "            valueFrom:\n"
                       "              secretKeyRef:\n"
                       "                name: t-secrets\n"
                       "                key: KEY\n"
                       "          - name: AUTH\n"
                       "            value: key $$(x) $(TAME_SECRET_KEY)\n"))
      << r.text;
  // The step's value output is published from a file the wrapper writes.
  EXPECT_TRUE(Contains(r.text, "          printf '%s' \"$value\" > \"/tmp/tame-outputs/v\"\n"))
      << r.text;
}

// ---- Tekton -----------------------------------------------------------------------

TEST(ExportTektonTest, ConditionsBecomeFinallyTasks) {
  ExportResult r = Export(kRetrying, ExportTarget::kTekton);
  ASSERT_TRUE(r.errors.empty());
  EXPECT_TRUE(Contains(r.text, "      retries: 2\n      timeout: \"1s500ms\"\n")) << r.text;
  EXPECT_TRUE(Contains(r.text, "  finally:\n    - name: b\n")) << r.text;
  EXPECT_TRUE(Contains(r.text, "---\napiVersion: tekton.dev/v1\nkind: PipelineRun\n")) << r.text;
  EXPECT_EQ(NoteLines(r),
            (std::vector<std::string>{
                "p.json: shell steps run in the image \"debian:bookworm-slim\", as none was named "
                "(x-export.image, --image or a step's x-image); the tools they call must be in it",
                "p.json: steps share the workspace through a 1Gi ReadWriteOnce volume claim that "
                "the PipelineRun binds, which starts empty (tame run starts in your folder)",
                "p.json: /steps/0/retries: step \"a\": Tekton retries at once: the wait of 3s "
                "between attempts, multiplied by 2.5 each time, is left out",
                "p.json: /steps/0/retries/on_exit_codes: step \"a\": Tekton retries after any "
                "failure, not only the exit codes listed",
                "p.json: /steps/1/if: step \"b\": if: always runs as a finally task: after every "
                "other task has ended, not as soon as the steps it needs have"}));
}

TEST(ExportTektonTest, ApprovalsUseTheManualApprovalGate) {
  ExportResult r = Export(WithSteps(R"({"id": "ok", "uses": "approval",
      "with": {"approvers": ["ann", "bo"], "required": 2, "timeout": "90m"}})"),
                          ExportTarget::kTekton);
  EXPECT_TRUE(Contains(r.text,
                       "      taskRef:\n"
                       "        apiVersion: openshift-pipelines.org/v1alpha1\n"
                       "        kind: ApprovalTask\n"
                       "      params:\n"
                       "        - name: approvers\n"
                       "          value:\n"
                       "            - ann\n"
                       "            - bo\n"
                       "        - name: numberOfApprovalsRequired\n"
                       "          value: \"2\"\n"))
      << r.text;
  EXPECT_TRUE(Contains(r.text, "        - name: timeout\n          value: \"1h30m\"\n")) << r.text;
}

// ---- GitHub Actions -----------------------------------------------------------------

TEST(ExportGitHubTest, ApprovalIsAnEnvironmentAndTheReportSaysWhatIsLost) {
  ExportResult r = Export(WithSteps(R"({"id": "build", "uses": "shell", "with": {"run": "true"}},
      {"id": "ok", "uses": "approval", "needs": ["build"],
       "with": {"approvers": ["ann", "bo", "cy"], "required": 2}})"),
                          ExportTarget::kGitHubActions);
  ASSERT_TRUE(r.errors.empty());
  EXPECT_TRUE(Contains(r.text,
                       "  ok:\n"
                       "    needs:\n"
                       "      - build\n"
                       "    runs-on: ubuntu-latest\n"
                       "    environment: ok\n"
                       "    permissions:\n"
                       "      actions: read\n"
                       "      contents: read\n"
                       "    outputs:\n"
                       "      approved_by: ${{ steps.approval.outputs.approved_by }}\n"))
      << r.text;
  std::vector<std::string> notes = NoteLines(r);
  EXPECT_NE(std::find(notes.begin(), notes.end(),
                      "p.json: /steps/1/with/required: step \"ok\": the approval is the "
                      "environment \"ok\", whose required reviewers (ann, bo and cy) are set in "
                      "the repository's settings; GitHub lets any one of them approve, not 2 of 3"),
            notes.end());
}

TEST(ExportGitHubTest, ParamsAreInputsAndSecretsStayReferences) {
  ExportResult r = Export(R"({"version": 1, "name": "t",
    "params": {"n": {"type": "number", "default": 0.5}, "on": {"type": "boolean"}},
    "secrets": {"my-token": {"from": "env"}},
    "steps": [{"id": "a", "uses": "notify",
               "with": {"webhook": "${{ secrets.my-token }}", "message": "n=${{ params.n }}"}}]})",
                          ExportTarget::kGitHubActions);
  ASSERT_TRUE(r.errors.empty());
  EXPECT_TRUE(Contains(r.text,
                       "on:\n"
                       "  workflow_dispatch:\n"
                       "    inputs:\n"
                       "      \"n\":\n"
                       "        required: false\n"
                       "        type: number\n"
                       "        default: 0.5\n"
                       "      \"on\":\n"
                       "        required: true\n"
                       "        type: boolean\n"))
      << r.text;
  EXPECT_TRUE(Contains(r.text,
                       "          TAME_PARAM_n: ${{ inputs.n }}\n"
                       "          TAME_SECRET_my_token: ${{ secrets.my_token }}\n"))
      << r.text;
  EXPECT_TRUE(Contains(r.text,
                       "          TAME_WITH: "
                       "\"{\\\"message\\\":\\\"n=${TAME_PARAM_n}\\\",\\\"webhook\\\":"
                       "\\\"${TAME_SECRET_my_token}\\\"}\"\n"))
      << r.text;
}

// ---- The same bytes natively and in the browser -----------------------------------

// "" when `text` equals the golden file, else where they first differ.
std::string GoldenDiff(const std::string& text, const std::string& golden_path) {
  std::string golden = SourceFile(golden_path);
  if (text == golden) return "";
  size_t at = 0;
  int line = 1;
  while (at < text.size() && at < golden.size() && text[at] == golden[at]) {
    if (text[at++] == '\n') ++line;
  }
  auto line_at = [&](const std::string& s) {
    size_t begin = s.rfind('\n', at == 0 ? 0 : at - 1);
    begin = begin == std::string::npos || at == 0 ? 0 : begin + 1;
    return s.substr(begin, s.find('\n', begin) - begin);
  };
  return golden_path + " differs at line " + std::to_string(line) +
         ":\n  got:    " + line_at(text) + "\n  golden: " + line_at(golden) +
         "\n(after a deliberate change, rewrite the goldens with TAME_UPDATE_GOLDEN=1 "
         "/usr/bin/python3 tests/integration/export_test.py build/bin/tame . "
         "../shared/reference-schemas)";
}

// The goldens of tests/golden/export/ are written by the native CLI and
// checked by tests/integration/export_test.py; this test holds the wasm
// build to the same bytes.
TEST(ExportTest, ExamplesMatchTheGoldens) {
  for (const char* file : {"examples/ml-to-k8s.json", "examples/local-ml.json",
                           "examples/promote.json", "tests/golden/export/features.json"}) {
    std::string name = file;
    name = name.substr(name.rfind('/') + 1);
    name = name.substr(0, name.size() - 5);
    Pipeline pipeline = MustLoad(SourceFile(file));
    for (const ExportTargetInfo& info : ExportTargets()) {
      const ExportTarget target = info.target;
      const std::string ext = info.file_suffix;
      SCOPED_TRACE(std::string(file) + " to " + ExportTargetName(target));
      ExportResult r = ExportPipeline(pipeline, target);
      ASSERT_TRUE(r.errors.empty());
      EXPECT_EQ(GoldenDiff(r.text, "tests/golden/export/" + name + ext), "");
      EXPECT_EQ(
          GoldenDiff(FormatFidelityReport(file, target, pipeline.steps.size(), r.notes),
                     "tests/golden/export/" + name + "." + ExportTargetName(target) + ".report"),
          "");
    }
  }
}

// ---- Azure Pipelines ------------------------------------------------------------------

bool HasNote(const ExportResult& r, const std::string& line) {
  std::vector<std::string> notes = NoteLines(r);
  return std::find(notes.begin(), notes.end(), line) != notes.end();
}

TEST(ExportAzureTest, JobsConditionsRetriesAndNames) {
  ExportResult r = Export(WithSteps(R"({"id": "make-data", "uses": "shell", "with": {"run": "true"},
       "retries": {"max": 12, "on_exit_codes": [75]}, "timeout": "90s"},
      {"id": "flaky", "uses": "shell", "needs": ["make-data"], "continue_on_error": true,
       "with": {"run": "false"}},
      {"id": "undo", "uses": "shell", "needs": ["flaky"], "if": "failure", "with": {"run": "true"}},
      {"id": "tidy", "uses": "shell", "needs": ["flaky"], "if": "always", "with": {"run": "true"}})"),
                          ExportTarget::kAzurePipelines);
  ASSERT_TRUE(r.errors.empty());
  EXPECT_TRUE(Contains(r.text, "      - job: make_data\n        timeoutInMinutes: 2\n")) << r.text;
  EXPECT_TRUE(Contains(r.text, "            retryCountOnTaskFailure: 10\n")) << r.text;
  EXPECT_TRUE(Contains(r.text,
                       "      - job: flaky\n        dependsOn:\n          - make_data\n"
                       "        continueOnError: true\n"))
      << r.text;
  EXPECT_TRUE(Contains(r.text,
                       "      - job: undo\n        dependsOn:\n          - flaky\n"
                       "        condition: failed()\n"))
      << r.text;
  EXPECT_TRUE(Contains(r.text, "        condition: always()\n")) << r.text;
  EXPECT_TRUE(HasNote(r,
                      "p.json: /steps/0/retries/max: step \"make-data\": Azure retries a task at "
                      "most 10 times: retries.max 12 becomes 10"));
  EXPECT_TRUE(HasNote(r,
                      "p.json: /steps/0/retries/on_exit_codes: step \"make-data\": Azure retries "
                      "on any failure, not only on the exit codes listed"));
  EXPECT_TRUE(HasNote(r,
                      "p.json: /steps/0/id: step \"make-data\": the job is named \"make_data\" "
                      "(Azure's job names take letters, digits and '_')"));
}

TEST(ExportAzureTest, MacroSyntaxInTextIsNotedButAShellSubstitutionIsNot) {
  ExportResult r = Export(WithSteps(R"json({"id": "a", "uses": "shell",
       "with": {"run": "echo $(date +%s)"}, "env": {"X": "$(Build.SourceBranch)"}})json"),
                          ExportTarget::kAzurePipelines);
  ASSERT_TRUE(r.errors.empty());
  EXPECT_TRUE(HasNote(r,
                      "p.json: /steps/0/env/X: step \"a\": the text at env/X is passed on as "
                      "written, but Azure replaces \"$(NAME)\" in it with the variable NAME when "
                      "one is defined"));
  EXPECT_FALSE(HasNote(r,
                       "p.json: /steps/0/with/run: step \"a\": the text at with/run is passed on "
                       "as written, but Azure replaces \"$(NAME)\" in it with the variable NAME "
                       "when one is defined"));
}

// ---- GitLab CI ---------------------------------------------------------------------------

TEST(ExportGitLabTest, NeedsWhenRetryAndKeywordNames) {
  ExportResult r = Export(WithSteps(R"({"id": "image", "uses": "shell", "with": {"run": "true"},
       "retries": {"max": 5, "backoff": "5s", "on_exit_codes": [75, 101]}, "timeout": "1500ms"},
      {"id": "b", "uses": "shell", "needs": ["image"], "with": {"run": "true"}},
      {"id": "undo", "uses": "shell", "needs": ["b"], "if": "failure", "with": {"run": "true"}})"),
                          ExportTarget::kGitLabCi);
  ASSERT_TRUE(r.errors.empty());
  EXPECT_TRUE(Contains(r.text,
                       "image-step:\n  stage: level-1\n  timeout: \"2s\"\n  retry:\n"
                       "    max: 2\n    exit_codes:\n      - 75\n      - 101\n"))
      << r.text;
  EXPECT_TRUE(Contains(r.text,
                       "undo:\n  stage: level-3\n  needs:\n    - job: image-step\n"
                       "      artifacts: false\n    - job: b\n      artifacts: true\n"
                       "  when: on_failure\n"))
      << r.text;
  EXPECT_TRUE(HasNote(r,
                      "p.json: /steps/0/retries/max: step \"image\": GitLab retries a job at most "
                      "2 times: retries.max 5 becomes 2"));
  EXPECT_TRUE(HasNote(r,
                      "p.json: /steps/0/id: step \"image\": the job is named \"image-step\": "
                      "GitLab reads \"image\" at the top of the file as its own keyword"));
  EXPECT_TRUE(HasNote(
      r,
      "p.json: /steps/0/timeout: step \"image\": GitLab counts whole seconds: the timeout is 2s"));
}

// ---- YAML -----------------------------------------------------------------------------

TEST(ExportYamlTest, QuotesWhatOtherReadersWouldRetype) {
  OrderedJson doc;
  for (const char* s : {"2", "1.5", "-3", ".5", "true", "On", "no", "null", "~", "", "20m", "1e3",
                        ".inf", "2024-01-01", "plain", "-e", "a: b", "#x"}) {
    doc["k" + std::to_string(doc.size())] = s;
  }
  EXPECT_EQ(EmitYaml({doc}),
            "k0: \"2\"\nk1: \"1.5\"\nk2: \"-3\"\nk3: \".5\"\nk4: \"true\"\nk5: \"On\"\n"
            "k6: \"no\"\nk7: \"null\"\nk8: \"~\"\nk9: \"\"\nk10: \"20m\"\nk11: \"1e3\"\n"
            "k12: \".inf\"\nk13: \"2024-01-01\"\nk14: plain\nk15: -e\nk16: \"a: b\"\n"
            "k17: \"#x\"\n");
}

TEST(ExportYamlTest, ScalarsKeepTheirTypes) {
  OrderedJson doc = {{"i", 2},
                     {"f", 0.1},
                     {"b", false},
                     {"e", OrderedJson::object()},
                     {"l", OrderedJson::array()}};
  EXPECT_EQ(EmitYaml({doc}), "i: 2\nf: 0.1\nb: false\ne: {}\nl: []\n");
}

TEST(ExportYamlTest, MultiLineTextIsABlockWhenItCanBe) {
  OrderedJson doc;
  doc["script"] = "echo a\n  indented\n";
  doc["no_newline"] = "a\nb";
  doc["two_newlines"] = "a\n\n";
  doc["leading_space"] = " a\nb\n";
  doc["carriage"] = "a\r\nb\n";
  EXPECT_EQ(EmitYaml({doc}, {}),
            "script: |\n  echo a\n    indented\n\n"
            "no_newline: \"a\\nb\"\n"
            "two_newlines: \"a\\n\\n\"\n"
            "leading_space: \" a\\nb\\n\"\n"
            "carriage: \"a\\r\\nb\\n\"\n");
}

TEST(ExportYamlTest, DocumentsAreSeparated) {
  EXPECT_EQ(EmitYaml({OrderedJson{{"a", 1}}, OrderedJson{{"b", 2}}}), "a: 1\n---\nb: 2\n");
  // Plain keys are plain only at the top of a document.
  EXPECT_EQ(EmitYaml({OrderedJson{{"on", {{"on", 1}}}, {"yes", 2}}}, {"on"}),
            "on:\n  \"on\": 1\n\"yes\": 2\n");
}

// ---- Reading an export's params back ---------------------------------------------

TEST(ExportParamsTest, PlaceholdersTakeTheEnvironment) {
  std::map<std::string, std::string> env = {{"TAME_PARAM_n", "0.9"},
                                            {"TAME_PARAM_img", "reg/app"},
                                            {"TAME_STEP_a_OUT_sha", "abc"},
                                            {"TAME_PARAM_flag", "true"},
                                            {"TAME_PARAM_evil", "\"}, \"x\": ${TAME_PARAM_n} $$"}};
  auto lookup = [&](const std::string& name, std::string* value) {
    auto it = env.find(name);
    if (it == env.end()) return false;
    *value = it->second;
    return true;
  };
  Json params;
  std::string error;
  ASSERT_TRUE(ResolveExportedParams(
      R"({"image": "${TAME_PARAM_img}:${TAME_STEP_a_OUT_sha}", "price": "$$5 and $x",
          "rules": [{"value": "${TAME_PARAM_n:json}"}], "wait": "${TAME_PARAM_flag:json}",
          "text": "${TAME_PARAM_evil}", "n": 3})",
      lookup, &params, &error))
      << error;
  EXPECT_EQ(params, Json::parse(R"({"image": "reg/app:abc", "price": "$5 and $x",
      "rules": [{"value": 0.9}], "wait": true,
      "text": "\"}, \"x\": ${TAME_PARAM_n} $$", "n": 3})"));

  EXPECT_FALSE(ResolveExportedParams(R"({"a": "${UNSET}"})", lookup, &params, &error));
  EXPECT_EQ(error, "TAME_WITH uses ${UNSET}, which is not set");
  EXPECT_FALSE(
      ResolveExportedParams(R"({"a": "${TAME_PARAM_img:json}"})", lookup, &params, &error));
  EXPECT_EQ(error, "${TAME_PARAM_img:json} is not a number or a boolean: \"reg/app\"");
  EXPECT_FALSE(ResolveExportedParams(R"({"a": "${open"})", lookup, &params, &error));
  EXPECT_EQ(error, "TAME_WITH holds a \"${\" without its \"}\"");
  EXPECT_FALSE(ResolveExportedParams("[1]", lookup, &params, &error));
  EXPECT_EQ(error, "TAME_WITH must hold the step's params as a JSON object");
  EXPECT_FALSE(ResolveExportedParams("{", lookup, &params, &error));
}

// What the exporter writes, the tame image reads back to what `tame run`
// would give the step.
TEST(ExportParamsTest, ExportedWithReadsBack) {
  Pipeline p = MustLoad(R"({"version": 1, "name": "t",
    "params": {"n": {"type": "integer", "default": 2}},
    "steps": [{"id": "d", "uses": "k8s.deploy",
               "with": {"image": "a$b:${{ run.id }}", "name": "x", "replicas": "${{ params.n }}"}}]})");
  ExportResult r = ExportPipeline(p, ExportTarget::kGitHubActions);
  ASSERT_TRUE(r.errors.empty());
  const std::string key = "          TAME_WITH: ";
  size_t at = r.text.find(key);
  ASSERT_NE(at, std::string::npos) << r.text;
  std::string quoted = r.text.substr(at + key.size(), r.text.find('\n', at) - at - key.size());
  Json text = Json::parse(quoted, nullptr, false);  // YAML double quotes are JSON's here
  ASSERT_TRUE(text.is_string()) << quoted;
  Json params;
  std::string error;
  auto lookup = [](const std::string& name, std::string* value) {
    if (name == "TAME_RUN_ID") *value = "run-7";
    if (name == "TAME_PARAM_n") *value = "2";
    return name == "TAME_RUN_ID" || name == "TAME_PARAM_n";
  };
  ASSERT_TRUE(ResolveExportedParams(text.get<std::string>(), lookup, &params, &error)) << error;
  EXPECT_EQ(params, Json::parse(R"({"image": "a$b:run-7", "name": "x", "replicas": 2})"));
}

}  // namespace
}  // namespace tame

namespace tame {
namespace {

TEST(ExportTest, AReleaseIsDrivenByTheStep) {
  const std::string text = WithSteps(R"({"id": "deploy", "uses": "k8s.deploy",
      "with": {"name": "iris", "image": "r/iris:2", "strategy": "canary",
               "canary_steps": [{"weight": 10, "pause": "1m"}]}})");
  for (ExportTarget target :
       {ExportTarget::kArgo, ExportTarget::kTekton, ExportTarget::kGitHubActions}) {
    ExportResult r = Export(text, target);
    std::vector<std::string> lines = NoteLines(r);
    const std::string title = target == ExportTarget::kArgo     ? "Argo Workflows"
                              : target == ExportTarget::kTekton ? "Tekton"
                                                                : "GitHub Actions";
    const std::string want =
        "p.json: /steps/0/with/strategy: step \"deploy\": the canary release "
        "is driven by the step for as long as it lasts: in " +
        title +
        " it runs through every pause and measurement, and if it is ended "
        "without a grace period the new version stays beside the old";
    EXPECT_EQ(std::count(lines.begin(), lines.end(), want), 1) << ::testing::PrintToString(lines);
  }
  ExportResult rolling = Export(WithSteps(R"({"id": "deploy", "uses": "k8s.deploy",
      "with": {"name": "iris", "image": "r/iris:2"}})"),
                                ExportTarget::kArgo);
  for (const std::string& line : NoteLines(rolling)) EXPECT_FALSE(Contains(line, "strategy"));
}

}  // namespace
}  // namespace tame
