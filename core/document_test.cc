#include "core/document.h"

#include <gtest/gtest.h>

#include "core/auto_layout.h"
#include "core/save.h"
#include "core/test_util.h"

namespace tame {
namespace {

using Lines = std::vector<std::string>;

// The problems of a document as `tame validate` prints them for p.json.
Lines ProblemsOf(const Document& doc) {
  Lines out;
  for (const Diagnostic& d : doc.problems()) out.push_back(FormatDiagnostic("p.json", d));
  return out;
}

// A document opened from `text`, which must load.
void OpenOrFail(Document* doc, const std::string& text) {
  Document::OpenResult result = doc->Open(text);
  ASSERT_TRUE(result.opened) << text;
}

const char kChain[] = R"({"version": 1, "name": "chain", "steps": [
  {"id": "a", "uses": "shell", "with": {"run": "echo a"}},
  {"id": "b", "uses": "shell", "needs": ["a"], "with": {"run": "echo b"}},
  {"id": "c", "uses": "shell", "needs": ["b"], "with": {"run": "echo c"}}],
  "layout": {"a": {"x": 40, "y": 80}, "b": {"x": 280, "y": 80}, "c": {"x": 520, "y": 80}}})";

const char kDataEdge[] = R"({"version": 1, "name": "data", "steps": [
  {"id": "train", "uses": "shell", "with": {"run": "train"},
   "outputs": {"metrics": {"path": "m.json"}}},
  {"id": "gate", "uses": "metrics.gate", "with": {
     "file": "${{ steps.train.outputs.metrics }}",
     "rules": [{"metric": "accuracy", "op": ">=", "value": 0.9}]}}]})";

TEST(DocumentTest, StartsEmptyAndUntitled) {
  Document doc;
  EXPECT_EQ(doc.size(), 0u);
  EXPECT_EQ(doc.pipeline().name, "untitled");
  EXPECT_FALSE(doc.CanUndo());
  EXPECT_FALSE(doc.Modified());
  EXPECT_EQ(ProblemsOf(doc), Lines{"p.json: /steps: the pipeline has no steps"});
}

TEST(DocumentTest, AddStepPicksIdsFromTheKind) {
  Document doc;
  EditResult first = doc.AddStep("git.checkout", "", {40, 80});
  EditResult second = doc.AddStep("git.checkout", "", {40, 200});
  ASSERT_TRUE(first.ok() && second.ok());
  ASSERT_EQ(first.added.size(), 1u);
  EXPECT_EQ(doc.pipeline().steps[0].id, "checkout");
  EXPECT_EQ(doc.pipeline().steps[1].id, "checkout-2");
  EXPECT_EQ(doc.IndexOf(second.added[0]), 1);
  EXPECT_EQ(doc.Find("checkout"), first.added[0]);
  EXPECT_EQ(doc.positions()[1], (Position{40, 200}));
  EXPECT_EQ(doc.UndoLabel(), "add checkout-2");
  EXPECT_TRUE(doc.Modified());
  EXPECT_EQ(doc.Save(), R"({
  "version": 1,
  "name": "untitled",
  "steps": [
    { "id": "checkout", "uses": "git.checkout" },
    { "id": "checkout-2", "uses": "git.checkout" }
  ],
  "layout": {
    "checkout": { "x": 40, "y": 80 },
    "checkout-2": { "x": 40, "y": 200 }
  }
}
)");
}

TEST(DocumentTest, AddStepRefusals) {
  Document doc;
  ASSERT_TRUE(doc.AddStep("shell", "build", {0, 0}).ok());
  EXPECT_EQ(doc.AddStep("shell", "build", {0, 0}).error, "there is already a step \"build\"");
  EXPECT_EQ(doc.AddStep("shell", "Build", {0, 0}).error,
            "\"Build\" is not a valid step id: start with a lowercase letter, then use "
            "a-z, 0-9, _ and -, 63 characters at most");
  EXPECT_EQ(doc.AddStep("docker.biuld", "", {0, 0}).error,
            "unknown step kind \"docker.biuld\" (did you mean \"docker.build\"?)");
  EXPECT_EQ(doc.size(), 1u);
}

TEST(DocumentTest, ConnectAddsNeedsAndRefusesCyclesAndRepeats) {
  Document doc;
  OpenOrFail(&doc, kChain);
  const NodeId a = doc.Find("a"), b = doc.Find("b"), c = doc.Find("c");
  EXPECT_EQ(doc.Connect(c, a).error,
            "connecting c to a would make a dependency cycle: c -> a -> b -> c");
  EXPECT_EQ(doc.Connect(b, a).error,
            "connecting b to a would make a dependency cycle: b -> a -> b");
  EXPECT_EQ(doc.Connect(a, a).error, "cannot connect \"a\" to itself: a step cannot need itself");
  EXPECT_EQ(doc.Connect(a, b).error, "\"b\" already needs \"a\"");
  EXPECT_EQ(doc.CheckConnect(a, c), "");
  ASSERT_TRUE(doc.Connect(a, c).ok());
  EXPECT_EQ(doc.pipeline().steps[2].needs, (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(doc.UndoLabel(), "connect a to c");
  ASSERT_TRUE(doc.Undo());
  EXPECT_EQ(doc.pipeline().steps[2].needs, std::vector<std::string>{"b"});
}

TEST(DocumentTest, DataReferencesAreEdgesToo) {
  Document doc;
  OpenOrFail(&doc, kDataEdge);
  const NodeId train = doc.Find("train"), gate = doc.Find("gate");
  ASSERT_EQ(doc.edges().size(), 1u);
  EXPECT_FALSE(doc.edges()[0].needs);
  EXPECT_EQ(doc.edges()[0].outputs, std::vector<std::string>{"metrics"});
  EXPECT_EQ(doc.Connect(train, gate).error,
            "\"gate\" already depends on \"train\" through a reference to its outputs");
  EXPECT_EQ(doc.Connect(gate, train).error,
            "connecting gate to train would make a dependency cycle: gate -> train -> gate");
  EXPECT_EQ(doc.Disconnect(train, gate).error,
            "\"gate\" uses outputs of \"train\" (${{ steps.train.outputs... }}); remove the "
            "reference from its params to disconnect them");
  EXPECT_EQ(doc.Disconnect(gate, train).error, "\"train\" does not need \"gate\"");
}

TEST(DocumentTest, DisconnectRemovesTheNeed) {
  Document doc;
  OpenOrFail(&doc, kChain);
  ASSERT_TRUE(doc.Disconnect(doc.Find("a"), doc.Find("b")).ok());
  EXPECT_TRUE(doc.pipeline().steps[1].needs.empty());
  EXPECT_EQ(doc.UndoLabel(), "disconnect a from b");
  EXPECT_EQ(doc.plan()->levels.size(), 2u);
}

TEST(DocumentTest, UndoAndRedoWalkTheHistory) {
  Document doc;
  OpenOrFail(&doc, kChain);
  const std::string opened = doc.Save();
  doc.MarkSaved();
  ASSERT_TRUE(doc.AddStep("notify", "tell", {760, 80}).ok());
  ASSERT_TRUE(doc.Connect(doc.Find("c"), doc.Find("tell")).ok());
  const std::string edited = doc.Save();
  EXPECT_TRUE(doc.Modified());
  EXPECT_EQ(doc.UndoLabel(), "connect c to tell");
  ASSERT_TRUE(doc.Undo());
  ASSERT_TRUE(doc.Undo());
  EXPECT_EQ(doc.Save(), opened);
  EXPECT_FALSE(doc.Modified());
  EXPECT_EQ(doc.RedoLabel(), "add tell");
  ASSERT_TRUE(doc.Redo());
  ASSERT_TRUE(doc.Redo());
  EXPECT_EQ(doc.Save(), edited);
  EXPECT_FALSE(doc.Redo());
  // A new edit forgets what was undone.
  ASSERT_TRUE(doc.Undo());
  ASSERT_TRUE(doc.MoveSteps({{doc.Find("a"), {0, 0}}}).ok());
  EXPECT_FALSE(doc.CanRedo());
  // Undo all the way back to before the file was opened.
  while (doc.Undo()) {
  }
  EXPECT_EQ(doc.size(), 0u);
  EXPECT_EQ(doc.pipeline().name, "untitled");
}

TEST(DocumentTest, DeleteDropsNeedsButKeepsReferencesForValidation) {
  Document doc;
  OpenOrFail(&doc, kDataEdge);
  ASSERT_TRUE(doc.AddStep("shell", "after", {0, 0}).ok());
  ASSERT_TRUE(doc.Connect(doc.Find("train"), doc.Find("after")).ok());
  const std::string before = doc.Save();
  const NodeId gate = doc.Find("gate");
  ASSERT_TRUE(doc.DeleteSteps({doc.Find("train")}).ok());
  EXPECT_EQ(doc.UndoLabel(), "delete train");
  EXPECT_TRUE(doc.pipeline().steps[1].needs.empty());
  EXPECT_EQ(doc.pipeline().layout.count("train"), 0u);
  EXPECT_EQ(ProblemsOf(doc),
            (Lines{"p.json: /steps/0/with/file: step \"gate\": ${{ steps.train.outputs.metrics "
                   "}} names step \"train\", which does not exist",
                   "p.json: /steps/1/with: step \"after\": shell needs param \"run\""}));
  ASSERT_TRUE(doc.Undo());
  EXPECT_EQ(doc.Save(), before);
  EXPECT_EQ(doc.IndexOf(gate), 1);
  EXPECT_NE(doc.Find("train"), NodeId());
}

TEST(DocumentTest, DeletingManyStepsKeepsTheRestInOrder) {
  std::string steps;
  for (int i = 0; i < 2000; ++i) {
    if (i > 0) steps += ",";
    steps += R"({"id": "s)" + std::to_string(i) + R"(", "uses": "shell", "with": {"run": "x"})";
    if (i > 0) steps += R"(, "needs": ["s)" + std::to_string(i - 1) + "\"]";
    steps += "}";
  }
  Document doc;
  OpenOrFail(&doc, WithSteps(steps));
  const std::string before = doc.Save();
  std::vector<NodeId> odd;
  for (size_t i = 1; i < doc.size(); i += 2) odd.push_back(doc.node(i));
  ASSERT_TRUE(doc.DeleteSteps(odd).ok());
  ASSERT_EQ(doc.size(), 1000u);
  EXPECT_EQ(doc.pipeline().steps[1].id, "s2");
  EXPECT_TRUE(doc.pipeline().steps[1].needs.empty());
  EXPECT_EQ(doc.UndoLabel(), "delete 1000 steps");
  ASSERT_TRUE(doc.Undo());
  EXPECT_EQ(doc.Save(), before);
  EXPECT_EQ(doc.IndexOf(odd[0]), 1);
}

TEST(DocumentTest, RenameRewritesNeedsReferencesAndLayout) {
  Document doc;
  OpenOrFail(&doc, kDataEdge);
  ASSERT_TRUE(doc.MoveSteps({{doc.Find("train"), {10, 20}}}).ok());
  ASSERT_TRUE(doc.AddStep("shell", "report", {0, 0}).ok());
  Step report = doc.pipeline().steps[2];
  report.needs = {"train"};
  report.with = {{"run", "cat \"${{ steps.train.outputs.metrics }}\""}};
  report.env = {{"M", "${{ steps.train.outputs.metrics }}"}};
  ASSERT_TRUE(doc.UpdateStep(doc.Find("report"), report).ok());
  const std::string before = doc.Save();
  const NodeId train = doc.Find("train");

  ASSERT_TRUE(doc.RenameStep(train, "fit").ok());
  EXPECT_EQ(doc.UndoLabel(), "rename train to fit");
  EXPECT_EQ(doc.Find("fit"), train);
  const Pipeline& p = doc.pipeline();
  EXPECT_EQ(p.steps[1].with["file"], "${{ steps.fit.outputs.metrics }}");
  EXPECT_EQ(p.steps[2].needs, std::vector<std::string>{"fit"});
  EXPECT_EQ(p.steps[2].with["run"], "cat \"${{ steps.fit.outputs.metrics }}\"");
  EXPECT_EQ(p.steps[2].env.at("M"), "${{ steps.fit.outputs.metrics }}");
  EXPECT_EQ(p.layout.count("train"), 0u);
  EXPECT_EQ(p.layout.at("fit"), (Position{10, 20}));
  EXPECT_EQ(ProblemsOf(doc), Lines{});

  EXPECT_EQ(doc.RenameStep(train, "report").error, "there is already a step \"report\"");
  EXPECT_EQ(doc.RenameStep(train, "").error,
            "\"\" is not a valid step id: start with a lowercase letter, then use a-z, "
            "0-9, _ and -, 63 characters at most");
  ASSERT_TRUE(doc.Undo());
  EXPECT_EQ(doc.Save(), before);
}

TEST(DocumentTest, SetParamKeepsWrongTypesForValidationButRefusesCycles) {
  Document doc;
  OpenOrFail(&doc, kChain);
  const NodeId a = doc.Find("a");
  EXPECT_EQ(doc.SetParam(a, "runn", "x").error, "shell has no param \"runn\"");
  ASSERT_TRUE(doc.SetParam(a, "workdir", 5).ok());
  EXPECT_EQ(ProblemsOf(doc),
            Lines{"p.json: /steps/0/with/workdir: step \"a\": \"workdir\" must be a string"});
  ASSERT_TRUE(doc.SetParam(a, "workdir", nullptr).ok());
  EXPECT_FALSE(doc.pipeline().steps[0].with.contains("workdir"));
  EXPECT_EQ(doc.SetParam(a, "run", "echo ${{ steps.c.outputs.x }}").error,
            "step \"a\": that would make a dependency cycle: c -> a -> b -> c");
  EXPECT_EQ(doc.UndoLabel(), "edit a");
  // The same value again changes nothing and records nothing: one undo
  // goes back past both.
  ASSERT_TRUE(doc.SetParam(a, "workdir", "w").ok());
  ASSERT_TRUE(doc.SetParam(a, "workdir", "w").ok());
  ASSERT_TRUE(doc.Undo());
  EXPECT_FALSE(doc.pipeline().steps[0].with.contains("workdir"));
}

TEST(DocumentTest, UpdateStepKeepsTheId) {
  Document doc;
  OpenOrFail(&doc, kChain);
  Step step = doc.pipeline().steps[0];
  step.id = "z";
  EXPECT_EQ(doc.UpdateStep(doc.Find("a"), step).error,
            "step \"a\": a step's id changes only by renaming it");
  step.id = "a";
  step.timeout = "5m";
  step.if_condition = "always";
  ASSERT_TRUE(doc.UpdateStep(doc.Find("a"), step).ok());
  EXPECT_EQ(doc.pipeline().steps[0].timeout, "5m");
}

TEST(DocumentTest, MoveAndAutoLayout) {
  Document doc;
  OpenOrFail(&doc, kChain);
  ASSERT_TRUE(doc.MoveSteps({{doc.Find("a"), {1000, 1000}}, {doc.Find("c"), {5, 5}}}).ok());
  EXPECT_EQ(doc.UndoLabel(), "move 2 steps");
  EXPECT_EQ(doc.MoveSteps({{doc.Find("a"), {NAN, 0}}}).error, "a step's position must be finite");
  ASSERT_TRUE(doc.AutoLayout().ok());
  EXPECT_EQ(doc.UndoLabel(), "auto-layout");
  EXPECT_EQ(doc.positions(), (std::vector<Position>{{40, 80}, {280, 80}, {520, 80}}));
  EXPECT_TRUE(doc.AutoLayout().ok());
  EXPECT_EQ(doc.UndoLabel(), "auto-layout");  // nothing moved: no new entry
  ASSERT_TRUE(doc.Undo());
  EXPECT_EQ(doc.positions()[0], (Position{1000, 1000}));
}

TEST(DocumentTest, AutoLayoutOrdersColumnsByWhatStepsWaitFor) {
  Document doc;
  OpenOrFail(&doc, WithSteps(R"(
    {"id": "x", "uses": "shell", "with": {"run": "x"}},
    {"id": "y", "uses": "shell", "with": {"run": "y"}},
    {"id": "after-y", "uses": "shell", "needs": ["y"], "with": {"run": "y"}},
    {"id": "after-x", "uses": "shell", "needs": ["x"], "with": {"run": "x"}})"));
  ASSERT_TRUE(doc.AutoLayout().ok());
  EXPECT_EQ(doc.positions(), (std::vector<Position>{{40, 80}, {40, 180}, {280, 180}, {280, 80}}));
}

TEST(DocumentTest, AutoLayoutRefusesCycles) {
  Document doc;
  OpenOrFail(&doc, WithSteps(R"(
    {"id": "a", "uses": "shell", "needs": ["b"], "with": {"run": "x"}},
    {"id": "b", "uses": "shell", "needs": ["a"], "with": {"run": "y"}})"));
  EXPECT_EQ(doc.AutoLayout().error,
            "auto-layout needs a pipeline without a dependency cycle: a -> b -> a");
}

TEST(DocumentTest, OpenRefusesWhatDoesNotLoadAndKeepsTheWork) {
  Document doc;
  ASSERT_TRUE(doc.AddStep("shell", "mine", {0, 0}).ok());
  const std::string mine = doc.Save();
  Document::OpenResult result = doc.Open(R"({"version": 1, "name": "x", "stepz": []})");
  EXPECT_FALSE(result.opened);
  Lines lines;
  for (const Diagnostic& d : result.errors) lines.push_back(FormatDiagnostic("p.json", d));
  EXPECT_EQ(lines, (Lines{"p.json: /stepz: unknown key \"stepz\" (did you mean \"steps\"?)",
                          "p.json: missing \"steps\""}));
  EXPECT_EQ(doc.Save(), mine);
  EXPECT_EQ(doc.UndoLabel(), "add mine");
}

TEST(DocumentTest, OpenKeepsInvalidPipelinesToBeFixed) {
  Document doc;
  const std::string text = WithSteps(R"({"id": "a", "uses": "docker.biuld"})");
  Document::OpenResult result = doc.Open(text);
  ASSERT_TRUE(result.opened);
  const Lines expected = Problems(text);
  ASSERT_EQ(expected.size(), 1u);
  EXPECT_EQ(ProblemsOf(doc), expected);
  EXPECT_EQ(doc.UndoLabel(), "open t");
  // Steps without a position get one.
  EXPECT_EQ(doc.pipeline().layout.at("a"), (Position{kLayoutLeft, kLayoutTop}));
  ASSERT_TRUE(doc.Undo());
  EXPECT_EQ(doc.size(), 0u);
}

TEST(DocumentTest, OpenPlacesNewStepsBelowPlacedOnes) {
  Document doc;
  OpenOrFail(&doc, R"({"version": 1, "name": "t", "steps": [
      {"id": "a", "uses": "shell", "with": {"run": "x"}},
      {"id": "b", "uses": "shell", "needs": ["a"], "with": {"run": "x"}}],
      "layout": {"a": {"x": 0, "y": 500}}})");
  EXPECT_EQ(doc.pipeline().layout.at("b"), (Position{280, 80 + 500 + 100 - 80 + 40}));
}

TEST(DocumentTest, SavingAnExampleIsWhatFmtWrites) {
  for (const char* name : {"examples/ml-to-k8s.json", "examples/local-ml.json"}) {
    const std::string text = SourceFile(name);
    Document doc;
    OpenOrFail(&doc, text);
    EXPECT_EQ(ProblemsOf(doc), Lines{}) << name;
    EXPECT_EQ(doc.Save(), SavePipeline(*LoadPipeline(doc.Save()).pipeline)) << name;
    if (text.find("\"layout\"") != std::string::npos) {
      EXPECT_EQ(doc.Save(), SavePipeline(*LoadPipeline(text).pipeline)) << name;
    }
  }
}

TEST(DocumentTest, CopyAndPasteRenameWhatIsTaken) {
  Document doc;
  OpenOrFail(&doc, R"({"version": 1, "name": "t",
    "params": {"repo": {"type": "string"}, "unused": {"type": "string"}},
    "secrets": {"TOKEN": {"from": "env"}},
    "steps": [
      {"id": "co", "uses": "git.checkout",
       "with": {"repo": "${{ params.repo }}", "token": "${{ secrets.TOKEN }}"}},
      {"id": "train", "uses": "shell", "needs": ["co"],
       "with": {"run": "cd ${{ steps.co.outputs.path }}"}}],
    "layout": {"co": {"x": 40, "y": 80}, "train": {"x": 280, "y": 80}}})");
  const std::string copied = doc.Copy({doc.Find("train"), doc.Find("co")});
  EXPECT_EQ(copied, R"({
  "version": 1,
  "name": "t",
  "params": {
    "repo": { "type": "string" }
  },
  "secrets": {
    "TOKEN": { "from": "env" }
  },
  "steps": [
    {
      "id": "co",
      "uses": "git.checkout",
      "with": { "repo": "${{ params.repo }}", "token": "${{ secrets.TOKEN }}" }
    },
    {
      "id": "train",
      "uses": "shell",
      "needs": ["co"],
      "with": { "run": "cd ${{ steps.co.outputs.path }}" }
    }
  ],
  "layout": {
    "co": { "x": 40, "y": 80 },
    "train": { "x": 280, "y": 80 }
  }
}
)");
  EditResult pasted = doc.Paste(copied, Position{100, 400});
  ASSERT_TRUE(pasted.ok()) << pasted.error;
  ASSERT_EQ(pasted.added.size(), 2u);
  EXPECT_EQ(doc.UndoLabel(), "paste 2 steps");
  const Pipeline& p = doc.pipeline();
  ASSERT_EQ(p.steps.size(), 4u);
  EXPECT_EQ(p.steps[2].id, "co-2");
  EXPECT_EQ(p.steps[3].id, "train-2");
  EXPECT_EQ(p.steps[3].needs, std::vector<std::string>{"co-2"});
  EXPECT_EQ(p.steps[3].with["run"], "cd ${{ steps.co-2.outputs.path }}");
  EXPECT_EQ(p.layout.at("co-2"), (Position{100, 400}));
  EXPECT_EQ(p.layout.at("train-2"), (Position{340, 400}));
  EXPECT_EQ(ProblemsOf(doc), Lines{});

  // Into another pipeline: the declarations come along.
  Document other;
  ASSERT_TRUE(other.Paste(copied).ok());
  EXPECT_EQ(other.pipeline().params.count("repo"), 1u);
  EXPECT_EQ(other.pipeline().params.count("unused"), 0u);
  EXPECT_EQ(other.pipeline().secrets.count("TOKEN"), 1u);
  EXPECT_EQ(other.pipeline().layout.at("co"), (Position{80, 120}));
  ASSERT_TRUE(other.Undo());
  EXPECT_TRUE(other.pipeline().params.empty());
}

TEST(DocumentTest, PasteKeepsNeedsOfStepsThatExistAndDropsOthers) {
  Document doc;
  OpenOrFail(&doc, kChain);
  ASSERT_TRUE(doc.Paste(WithSteps(R"({"id": "d", "uses": "shell", "needs": ["c", "zz"],
                                      "with": {"run": "x"}})"))
                  .ok());
  EXPECT_EQ(doc.pipeline().steps[3].needs, std::vector<std::string>{"c"});
  EXPECT_EQ(doc.Paste("hello").error,
            "nothing to paste: the clipboard holds no pipeline (clipboard: line 1, "
            "column 1: invalid literal)");
  EXPECT_EQ(doc.Paste(R"({"version": 1, "name": "x", "steps": []})").error,
            "nothing to paste: the pipeline on the clipboard has no steps");
}

TEST(DocumentTest, DuplicateShiftsTheCopies) {
  Document doc;
  OpenOrFail(&doc, kChain);
  EditResult result = doc.Duplicate({doc.Find("b")});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(doc.UndoLabel(), "duplicate b-2");
  EXPECT_EQ(doc.pipeline().steps[3].needs, std::vector<std::string>{"a"});
  EXPECT_EQ(doc.pipeline().layout.at("b-2"), (Position{320, 120}));
  // Duplicating the duplicate counts on rather than stacking suffixes.
  ASSERT_TRUE(doc.Duplicate({result.added[0]}).ok());
  EXPECT_EQ(doc.pipeline().steps[4].id, "b-3");
}

TEST(DocumentTest, InfoAndNew) {
  Document doc;
  PipelineInfo info{"iris", "trains iris", {}, {}};
  info.secrets["PW"] = SecretDecl{};
  ASSERT_TRUE(doc.SetInfo(info).ok());
  EXPECT_EQ(doc.pipeline().name, "iris");
  EXPECT_EQ(doc.pipeline().secrets.count("PW"), 1u);
  EXPECT_EQ(doc.UndoLabel(), "edit pipeline settings");
  ASSERT_TRUE(doc.New().ok());
  EXPECT_EQ(doc.pipeline().name, "untitled");
  ASSERT_TRUE(doc.Undo());
  EXPECT_EQ(doc.pipeline().name, "iris");
}

TEST(DocumentTest, NodesAreNeverReused) {
  Document doc;
  const NodeId a = doc.AddStep("shell", "a", {0, 0}).added[0];
  ASSERT_TRUE(doc.DeleteSteps({a}).ok());
  EXPECT_EQ(doc.IndexOf(a), -1);
  const NodeId b = doc.AddStep("shell", "a", {0, 0}).added[0];
  EXPECT_NE(a, b);
}

TEST(DocumentTest, HistoryIsBounded) {
  Document doc;
  ASSERT_TRUE(doc.AddStep("shell", "a", {0, 0}).ok());
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(doc.MoveSteps({{doc.Find("a"), {static_cast<double>(i + 1), 0}}}).ok());
  }
  int undone = 0;
  while (doc.Undo()) ++undone;
  EXPECT_EQ(undone, static_cast<int>(Document::kHistoryLimit));
  EXPECT_EQ(doc.size(), 1u);
}

TEST(DocumentTest, TheGraphIsBuildGraphs) {
  for (const char* name : {"examples/ml-to-k8s.json", "examples/local-ml.json"}) {
    Document doc;
    OpenOrFail(&doc, SourceFile(name));
    const Graph expected = BuildGraph(doc.pipeline());
    EXPECT_EQ(doc.graph().deps, expected.deps) << name;
    EXPECT_EQ(doc.graph().dependents, expected.dependents) << name;
    EXPECT_EQ(doc.graph().index, expected.index) << name;
  }
  // Needs and references to missing steps and to the step itself, repeats.
  Document doc;
  OpenOrFail(&doc, WithSteps(R"(
    {"id": "a", "uses": "shell", "with": {"run": "x"}, "outputs": {"o": {}}},
    {"id": "b", "uses": "shell", "needs": ["a", "a", "zz", "b"],
     "with": {"run": "${{ steps.a.outputs.o }} ${{ steps.b.outputs.o }}"},
     "env": {"E": "${{ steps.a.outputs.o }}"}},
    {"id": "a", "uses": "shell", "needs": ["b"], "with": {"run": "x"}})"));
  const Graph expected = BuildGraph(doc.pipeline());
  EXPECT_EQ(doc.graph().deps, expected.deps);
  EXPECT_EQ(doc.graph().dependents, expected.dependents);
  EXPECT_EQ(doc.positions()[2], doc.positions()[0]);
}

TEST(DocumentTest, StepOfPointer) {
  Document doc;
  OpenOrFail(&doc, kChain);
  EXPECT_EQ(StepOfPointer(doc, "/steps/1/with/run"), 1);
  EXPECT_EQ(StepOfPointer(doc, "/steps/2"), 2);
  EXPECT_EQ(StepOfPointer(doc, "/steps/3"), -1);
  EXPECT_EQ(StepOfPointer(doc, "/steps/x"), -1);
  EXPECT_EQ(StepOfPointer(doc, "/layout/c"), 2);
  EXPECT_EQ(StepOfPointer(doc, "/name"), -1);
  EXPECT_EQ(StepOfPointer(doc, ""), -1);
}

TEST(DocumentTest, DefaultStepIds) {
  EXPECT_EQ(DefaultStepId("git.checkout"), "checkout");
  EXPECT_EQ(DefaultStepId("shell"), "shell");
  EXPECT_EQ(DefaultStepId("k8s.deploy"), "deploy");
  EXPECT_EQ(DefaultStepId("x.9lives"), "step-9lives");
}

}  // namespace
}  // namespace tame
