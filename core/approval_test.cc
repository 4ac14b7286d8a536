#include "core/approval.h"

#include <gtest/gtest.h>

namespace tame {
namespace {

ApprovalStatement Make(const std::string& signer, bool approve = true) {
  ApprovalStatement s;
  s.pipeline = std::string(64, 'a');
  s.run = "20261124T040000Z-abcd";
  s.step = "signoff";
  s.approve = approve;
  s.signer = signer;
  s.time = "2026-11-24T04:00:00Z";
  return s;
}

SignedStatement Signed(ApprovalStatement s, const std::string& file, bool verified = true,
                       const std::string& key = "") {
  return SignedStatement{std::move(s), file, verified, key};
}

ApprovalSpec Spec() {
  ApprovalSpec spec;
  spec.pipeline = std::string(64, 'a');
  spec.run = "20261124T040000Z-abcd";
  spec.step = "signoff";
  spec.approvers = {"alice", "bob", "carol"};
  spec.required = 2;
  spec.initiator_principals = {"alice"};
  spec.initiator_key = "SHA256:alice";
  return spec;
}

TEST(ApprovalTest, StatementRoundTrip) {
  ApprovalStatement s = Make("bob", false);
  s.comment = "metrics look off\non two lines";
  std::string text = StatementText(s);
  EXPECT_EQ(text, "tame-approval 1\npipeline: " + std::string(64, 'a') +
                      "\nrun: 20261124T040000Z-abcd\nstep: signoff\ndecision: reject\nsigner: bob\n"
                      "time: 2026-11-24T04:00:00Z\ncomment: metrics look off on two lines\n");
  ApprovalStatement back;
  std::string error;
  ASSERT_TRUE(ParseStatement(text, &back, &error)) << error;
  EXPECT_EQ(back.signer, "bob");
  EXPECT_FALSE(back.approve);
  EXPECT_EQ(back.comment, "metrics look off on two lines");
}

TEST(ApprovalTest, ParseRefusesAnythingElse) {
  std::string good = StatementText(Make("bob"));
  ApprovalStatement out;
  std::string error;
  EXPECT_FALSE(ParseStatement("hello\n", &out, &error));
  EXPECT_EQ(error, "not a tame approval statement (the first line is not \"tame-approval 1\")");
  EXPECT_FALSE(ParseStatement(good + "extra: 1\n", &out, &error));
  EXPECT_EQ(error, "the statement has 9 lines; expected 8");
  std::string bad = good;
  bad.replace(bad.find("approve"), 7, "maybe");
  EXPECT_FALSE(ParseStatement(bad, &out, &error));
  EXPECT_EQ(error, "decision must be approve or reject, not \"maybe\"");
  EXPECT_FALSE(ParseStatement(good.substr(0, good.size() - 1), &out, &error));
  EXPECT_EQ(error, "the statement does not end with a line break");
  std::string swapped = good;
  swapped.replace(swapped.find("run:"), 4, "ran:");
  EXPECT_FALSE(ParseStatement(swapped, &out, &error));
  EXPECT_EQ(error, "line 3 should start with \"run: \"");
}

TEST(ApprovalTest, TwoOfThree) {
  ApprovalTally t = TallyApprovals(Spec(), {Signed(Make("bob"), "1"), Signed(Make("carol"), "2")});
  EXPECT_EQ(t.state, ApprovalTally::State::kApproved);
  EXPECT_EQ(t.approved_by, (std::vector<std::string>{"bob", "carol"}));
  EXPECT_TRUE(t.refused.empty());
}

TEST(ApprovalTest, OneIsNotEnoughAndDuplicatesCountOnce) {
  ApprovalTally t = TallyApprovals(Spec(), {Signed(Make("bob"), "1"), Signed(Make("bob"), "2")});
  EXPECT_EQ(t.state, ApprovalTally::State::kPending);
  EXPECT_EQ(t.refused,
            std::vector<std::string>{"2: \"bob\" has approved already; one approval a person"});
}

TEST(ApprovalTest, ForgedReplayedUnlistedAndInitiator) {
  ApprovalSpec spec = Spec();
  spec.exclude_initiator = true;
  ApprovalStatement other_run = Make("bob");
  other_run.run = "20261101T000000Z-0000";
  ApprovalStatement other_step = Make("carol");
  other_step.step = "deploy";
  ApprovalStatement other_pipeline = Make("carol");
  other_pipeline.pipeline = std::string(64, 'b');
  ApprovalTally t =
      TallyApprovals(spec, {Signed(Make("carol"), "forged", false), Signed(other_run, "run"),
                            Signed(other_step, "step"), Signed(other_pipeline, "pipeline"),
                            Signed(Make("mallory"), "unlisted"), Signed(Make("alice"), "self")});
  EXPECT_EQ(t.state, ApprovalTally::State::kPending);
  EXPECT_EQ(t.refused, (std::vector<std::string>{
                           "forged: the signature does not verify for \"carol\"",
                           "run: signed for run 20261101T000000Z-0000, not 20261124T040000Z-abcd",
                           "step: signed for step \"deploy\", not \"signoff\"",
                           "pipeline: signed for another pipeline (bbbbbbbbbbbb...)",
                           "unlisted: \"mallory\" is not one of the approvers",
                           "self: \"alice\" started this run and may not approve it"}));
  std::vector<std::string> reasons;
  for (const StatementVerdict& v : t.verdicts) reasons.push_back(v.file + " " + v.reason);
  EXPECT_EQ(reasons,
            (std::vector<std::string>{"forged forged", "run replayed", "step replayed",
                                      "pipeline replayed", "unlisted unlisted", "self initiator"}));
  EXPECT_EQ(t.verdicts[0].message, "the signature does not verify for \"carol\"");
}

TEST(ApprovalTest, VerdictsSayWhatCountedAndWhatCameTooLate) {
  ApprovalTally t =
      TallyApprovals(Spec(), {Signed(Make("bob"), "1"), Signed(Make("bob"), "2"),
                              Signed(Make("carol"), "3"), Signed(Make("alice"), "4")});
  EXPECT_EQ(t.state, ApprovalTally::State::kApproved);
  ASSERT_EQ(t.verdicts.size(), 4u);
  EXPECT_TRUE(t.verdicts[0].accepted);
  EXPECT_FALSE(t.verdicts[1].accepted);
  EXPECT_EQ(t.verdicts[1].reason, "duplicate");
  EXPECT_TRUE(t.verdicts[2].accepted);
  EXPECT_EQ(t.verdicts[2].reason, "");
  EXPECT_FALSE(t.verdicts[3].accepted);
  EXPECT_EQ(t.verdicts[3].reason, "late");
}

TEST(ApprovalTest, ARejectionEndsIt) {
  ApprovalTally t = TallyApprovals(
      Spec(),
      {Signed(Make("bob"), "1"), Signed(Make("carol", false), "2"), Signed(Make("alice"), "3")});
  EXPECT_EQ(t.state, ApprovalTally::State::kRejected);
  EXPECT_EQ(t.rejected_by, "carol");
  EXPECT_EQ(t.approved_by, std::vector<std::string>{"bob"});
  ASSERT_EQ(t.verdicts.size(), 3u);
  EXPECT_TRUE(t.verdicts[1].accepted) << "the rejection that decided is part of the trail";
  EXPECT_EQ(t.verdicts[2].reason, "late");
}

TEST(ApprovalTest, OneKeyUnderTwoNamesCountsOnce) {
  ApprovalSpec spec = Spec();
  spec.approvers = {"alice", "bob", "bobby", "carol"};
  ApprovalTally t = TallyApprovals(spec, {Signed(Make("bob"), "1", true, "SHA256:bob"),
                                          Signed(Make("bobby"), "2", true, "SHA256:bob")});
  EXPECT_EQ(t.state, ApprovalTally::State::kPending);
  EXPECT_EQ(t.approved_by, std::vector<std::string>{"bob"});
  EXPECT_EQ(t.refused, std::vector<std::string>{"2: the key SHA256:bob has approved already as "
                                                "\"bob\"; one approval a key"});
  EXPECT_EQ(t.verdicts[1].reason, "duplicate");
}

TEST(ApprovalTest, TheInitiatorsKeyCannotApproveUnderAnyName) {
  ApprovalSpec spec = Spec();
  spec.exclude_initiator = true;
  spec.approvers = {"alice", "al", "bob", "carol"};
  ApprovalTally t = TallyApprovals(
      spec, {Signed(Make("al"), "1", true, "SHA256:alice"), Signed(Make("alice"), "2", true, "x"),
             Signed(Make("bob"), "3", true, "SHA256:bob")});
  EXPECT_EQ(t.state, ApprovalTally::State::kPending);
  EXPECT_EQ(t.refused,
            (std::vector<std::string>{"1: \"al\" started this run and may not approve it",
                                      "2: \"alice\" started this run and may not approve it"}));
  // The initiator may still reject.
  ApprovalTally r = TallyApprovals(spec, {Signed(Make("alice", false), "1", true, "SHA256:alice")});
  EXPECT_EQ(r.state, ApprovalTally::State::kRejected);
}

}  // namespace
}  // namespace tame
