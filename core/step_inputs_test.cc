#include "core/step_inputs.h"

#include <gtest/gtest.h>

#include "core/test_util.h"

namespace tame {
namespace {

std::string Values(const Reference& ref) {
  if (ref.kind == RefKind::kParam) return "\"; rm -rf ~ #";
  if (ref.kind == RefKind::kSecret) return "hunter2";
  if (ref.kind == RefKind::kRunId) return "run-1";
  return "$(touch pwned)";
}

TEST(StepInputsTest, ReferencesInTheScriptBecomeVariables) {
  Pipeline p = MustLoad(R"({"version": 1, "name": "t",
    "params": {"msg": {"default": "x"}}, "secrets": {"TOKEN": {}},
    "steps": [
      {"id": "a", "uses": "shell", "with": {"run": "echo hi"}, "outputs": {"o": {}}},
      {"id": "b", "uses": "shell", "needs": ["a"],
       "env": {"AUTH": "Bearer ${{ secrets.TOKEN }}"},
       "with": {"run": "echo \"${{ params.msg }}\" ${{steps.a.outputs.o}} ${{ run.id }}",
                "shell": "sh", "workdir": "sub/${{ params.msg }}"}}]})");
  ShellCommand cmd;
  std::string error;
  ASSERT_TRUE(PrepareShellStep(p.steps[1], Values, &cmd, &error)) << error;
  EXPECT_EQ(cmd.script, "echo \"${TAME_PARAM_msg}\" ${TAME_STEP_a_OUT_o} ${TAME_RUN_ID}");
  EXPECT_EQ(cmd.env, (std::map<std::string, std::string>{{"AUTH", "Bearer hunter2"},
                                                         {"TAME_PARAM_msg", "\"; rm -rf ~ #"},
                                                         {"TAME_RUN_ID", "run-1"},
                                                         {"TAME_STEP_a_OUT_o", "$(touch pwned)"}}));
  EXPECT_EQ(cmd.shell, "sh");
  EXPECT_EQ(cmd.flags, (std::vector<std::string>{"-e"}));
  EXPECT_EQ(cmd.workdir, "sub/\"; rm -rf ~ #");

  ASSERT_TRUE(PrepareShellStep(p.steps[0], Values, &cmd, &error)) << error;
  EXPECT_EQ(cmd.shell, "bash");
  EXPECT_EQ(cmd.flags, (std::vector<std::string>{"--noprofile", "--norc", "-e", "-o", "pipefail"}));
  EXPECT_TRUE(cmd.env.empty());
  EXPECT_EQ(StepReferences(p.steps[1]).size(), 4u);  // params.msg counts once
}

TEST(StepInputsTest, OtherInterpretersGetNoShellFlags) {
  EXPECT_TRUE(IsPosixShell("/bin/sh"));
  EXPECT_TRUE(IsPosixShell("bash"));
  EXPECT_FALSE(IsPosixShell("python3"));
}

TEST(StepInputsTest, SubstitutesElsewhereKeepingParamTypes) {
  Json with = {{"replicas", "${{ params.n }}"}, {"tags", {"img:${{ params.n }}", "x"}}};
  Json out;
  std::string error;
  ASSERT_TRUE(SubstituteReferences(
      with, [](const Reference&) { return std::string("3"); },
      [](const Reference&) { return Json(3); }, &out, &error));
  EXPECT_EQ(out, (Json{{"replicas", 3}, {"tags", {"img:3", "x"}}}));
  EXPECT_FALSE(SubstituteReferences(Json("${{ nope }}"), nullptr, nullptr, &out, &error));
}

}  // namespace
}  // namespace tame
