#include "runner/steps/docker_context.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace tame {
namespace {

TEST(CleanPathTest, AsGoPathClean) {
  EXPECT_EQ(CleanPath(""), ".");
  EXPECT_EQ(CleanPath("./a//b/"), "a/b");
  EXPECT_EQ(CleanPath("a/../../b"), "../b");
  EXPECT_EQ(CleanPath("/../a/./b/.."), "/a");
  EXPECT_EQ(CleanPath("a/.."), ".");
  EXPECT_EQ(CleanPath("/"), "/");
}

TEST(GlobMatchTest, StarsQuestionMarksAndClasses) {
  EXPECT_TRUE(GlobMatch("*.log", "debug.log"));
  EXPECT_FALSE(GlobMatch("*.log", "logs/debug.log"));  // * stops at '/'
  EXPECT_TRUE(GlobMatch("logs/*", "logs/a"));
  EXPECT_TRUE(GlobMatch("a?c", "abc"));
  EXPECT_FALSE(GlobMatch("a?c", "a/c"));
  EXPECT_TRUE(GlobMatch("[a-c]x", "bx"));
  EXPECT_FALSE(GlobMatch("[a-c]x", "dx"));
  EXPECT_TRUE(GlobMatch("[^a-c]x", "dx"));
  EXPECT_FALSE(GlobMatch("[^a-c]x", "ax"));
  EXPECT_TRUE(GlobMatch("\\*", "*"));
  EXPECT_FALSE(GlobMatch("\\*", "a"));
  EXPECT_FALSE(GlobMatch("[a-", "a"));  // malformed: matches nothing
  EXPECT_FALSE(GlobMatch("a\\", "a"));
}

TEST(GlobMatchTest, DoubleStarCrossesFolders) {
  EXPECT_TRUE(GlobMatch("**", "a/b/c"));
  EXPECT_TRUE(GlobMatch("**/*.tmp", "x.tmp"));  // "**/" also matches nothing
  EXPECT_TRUE(GlobMatch("**/*.tmp", "a/b/x.tmp"));
  EXPECT_TRUE(GlobMatch("a/**/b", "a/b"));
  EXPECT_TRUE(GlobMatch("a/**/b", "a/x/y/b"));
  EXPECT_FALSE(GlobMatch("a/**/b", "a/x/y/c"));
  EXPECT_TRUE(GlobMatch("a/**", "a/x/y"));
  EXPECT_FALSE(GlobMatch("a/**/b", "ab"));
}

TEST(DockerIgnoreTest, FoldersExceptionsAndTheLastPatternWins) {
  DockerIgnore ignore;
  std::string error;
  ASSERT_TRUE(
      ignore.Parse("# a comment\n\n  *.log  \n/build/\ndata\n!data/keep.csv\n"
                   "secrets/**\n!secrets/public\n",
                   &error))
      << error;
  EXPECT_TRUE(ignore.Excluded("debug.log"));
  EXPECT_FALSE(ignore.Excluded("logs/debug.log"));
  EXPECT_TRUE(ignore.Excluded("build"));
  EXPECT_TRUE(ignore.Excluded("build/out/x.o"));  // inside an excluded folder
  EXPECT_TRUE(ignore.Excluded("data/drop.csv"));
  EXPECT_FALSE(ignore.Excluded("data/keep.csv"));
  EXPECT_FALSE(ignore.Excluded("secrets/public"));
  EXPECT_TRUE(ignore.Excluded("secrets/private"));
  EXPECT_FALSE(ignore.Excluded("# a comment"));
  EXPECT_TRUE(ignore.MayIncludeUnder("data"));
  EXPECT_FALSE(ignore.MayIncludeUnder("build"));
}

TEST(DockerIgnoreTest, BadLinesNameTheirLine) {
  DockerIgnore ignore;
  std::string error;
  EXPECT_FALSE(ignore.Parse("ok\n!\n", &error));
  EXPECT_EQ(error, ".dockerignore line 2: \"!\" needs a pattern after it");
  EXPECT_FALSE(ignore.Parse("[z-\n", &error));
  EXPECT_EQ(error, ".dockerignore line 1: \"[z-\" is not a valid pattern");
}

class ListContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/tame-context-test-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    root_ = dir;
  }
  void TearDown() override { std::system(("rm -rf '" + root_ + "'").c_str()); }

  void Write(const std::string& path, const std::string& text) {
    std::string full = root_ + "/" + path;
    std::system(("mkdir -p \"$(dirname '" + full + "')\"").c_str());
    std::ofstream(full) << text;
  }
  std::vector<std::string> Names(const ContextListing& listing) {
    std::vector<std::string> names;
    for (const TarEntry& e : listing.entries) names.push_back(e.name);
    return names;
  }

  std::string root_;
};

TEST_F(ListContextTest, SortedIgnoredAndAlwaysTheDockerfile) {
  Write("Dockerfile", "FROM x\n");
  Write(".dockerignore", "Dockerfile\n.dockerignore\n*.log\n");
  Write("b/z.txt", "z");
  Write("a.log", "l");
  Write("a.txt", "a");
  Write(".tame/runs/R1/logs/s.log", "log");
  ASSERT_EQ(symlink("b/z.txt", (root_ + "/link").c_str()), 0);
  ContextListing listing;
  std::string error;
  ASSERT_TRUE(ListContext(root_, "./Dockerfile", &listing, &error)) << error;
  EXPECT_EQ(Names(listing), (std::vector<std::string>{".dockerignore", "Dockerfile", "a.txt", "b",
                                                      "b/z.txt", "link"}));
  EXPECT_EQ(listing.dockerfile, "Dockerfile");
  EXPECT_EQ(listing.entries[5].type, TarEntry::Type::kSymlink);
  EXPECT_EQ(listing.entries[5].link, "b/z.txt");
  EXPECT_EQ(listing.bytes, 7u + 31u + 1u + 1u);  // Dockerfile, .dockerignore, a.txt, z.txt
}

TEST_F(ListContextTest, RefusesWhatLeavesTheFolder) {
  Write("Dockerfile", "FROM x\n");
  Write("sub/f", "f");
  ContextListing listing;
  std::string error;
  ASSERT_EQ(symlink("../../outside", (root_ + "/sub/out").c_str()), 0);
  EXPECT_FALSE(ListContext(root_, "Dockerfile", &listing, &error));
  EXPECT_EQ(error,
            "\"sub/out\" is a symbolic link to \"../../outside\", outside the context "
            "folder " +
                root_ + "; a build context may not reach outside its folder");
  unlink((root_ + "/sub/out").c_str());
  // Through another link: "here" is the context itself, so here/.. is out.
  ASSERT_EQ(symlink(".", (root_ + "/here").c_str()), 0);
  ASSERT_EQ(symlink("here/../x", (root_ + "/sneaky").c_str()), 0);
  listing = ContextListing();
  EXPECT_FALSE(ListContext(root_, "Dockerfile", &listing, &error));
  EXPECT_NE(error.find("\"sneaky\" is a symbolic link"), std::string::npos) << error;
  unlink((root_ + "/sneaky").c_str());
  // A loop of links leads nowhere, so it is sent as it is.
  ASSERT_EQ(symlink("loop", (root_ + "/loop").c_str()), 0);
  listing = ContextListing();
  EXPECT_TRUE(ListContext(root_, "Dockerfile", &listing, &error)) << error;
  EXPECT_FALSE(ListContext(root_, "../Dockerfile", &listing, &error));
  EXPECT_FALSE(ListContext(root_, "/etc/passwd", &listing, &error));
  EXPECT_FALSE(ListContext(root_ + "/none", "Dockerfile", &listing, &error));
  EXPECT_EQ(error, "the context folder " + root_ + "/none does not exist");
}

}  // namespace
}  // namespace tame
