#include "runner/steps/tar_writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "runner/steps/command.h"

namespace tame {
namespace {

unsigned Checksum(const std::string& block) {
  unsigned sum = 0;
  for (size_t i = 0; i < 512; ++i) {
    sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(block[i]);
  }
  return sum;
}

TEST(TarHeaderTest, UstarFields) {
  TarEntry e;
  e.name = "app/model.bin";
  e.size = 1234;
  e.mode = 0750;
  e.mtime = 1700000000;
  std::string h = TarHeader(e);
  ASSERT_EQ(h.size(), 512u);
  EXPECT_EQ(h.substr(0, 14), std::string("app/model.bin\0", 14));
  EXPECT_EQ(h.substr(100, 8), std::string("0000750\0", 8));
  EXPECT_EQ(h.substr(124, 12), std::string("00000002322\0", 12));
  EXPECT_EQ(h[156], '0');
  EXPECT_EQ(h.substr(257, 8), std::string("ustar\0"
                                          "00",
                                          8));
  EXPECT_EQ(std::strtoul(h.substr(148, 7).c_str(), nullptr, 8), Checksum(h));
}

TEST(TarHeaderTest, LongNamesUsePrefixThenPax) {
  TarEntry e;
  e.type = TarEntry::Type::kDirectory;
  e.name = std::string(120, 'd') + "/" + std::string(90, 'n');
  std::string h = TarHeader(e);
  ASSERT_EQ(h.size(), 512u);  // fits prefix (155) + name (100)
  EXPECT_EQ(h.substr(345, 120), std::string(120, 'd'));
  EXPECT_EQ(h.substr(0, 91), std::string(90, 'n') + "/");
  e.name = std::string(300, 'x');
  h = TarHeader(e);
  ASSERT_EQ(h.size(), 512u * 3);  // PAX header, its records, the entry
  EXPECT_EQ(h[156], 'x');
  std::string record = std::string(h.data() + 512, 512);
  std::string expected = "path=" + std::string(300, 'x') + "/\n";
  size_t length = std::to_string(expected.size() + 5).size() + 1 + expected.size();
  EXPECT_EQ(record.substr(0, length), std::to_string(length) + " " + expected);
}

// The archive as GNU tar reads it: an independent reader.
TEST(TarStreamTest, GnuTarReadsWhatItMakes) {
  char dir[] = "/tmp/tame-tar-test-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string root = dir;
  std::string content(70000, 'c');
  std::ofstream(root + "/big") << content;
  std::ofstream(root + "/small") << "small\n";
  std::vector<TarEntry> entries;
  TarEntry d;
  d.type = TarEntry::Type::kDirectory;
  d.name = "folder";
  d.mode = 0755;
  entries.push_back(d);
  TarEntry f;
  f.name = "folder/" + std::string(150, 'f');
  f.source = root + "/big";
  f.size = content.size();
  entries.push_back(f);
  TarEntry shrunk;  // listed at 10 bytes, then the file shrank to 6
  shrunk.name = "shrunk";
  shrunk.source = root + "/small";
  shrunk.size = 10;
  entries.push_back(shrunk);
  TarEntry link;
  link.type = TarEntry::Type::kSymlink;
  link.name = "link";
  link.link = "folder/" + std::string(150, 'f');
  entries.push_back(link);

  TarStream stream(entries);
  std::string archive;
  char buffer[777];  // not a multiple of the block size, on purpose
  for (long n; (n = stream.Read(buffer, sizeof buffer)) > 0;) archive.append(buffer, n);
  ASSERT_TRUE(stream.error().empty()) << stream.error();
  EXPECT_EQ(archive.size() % 512, 0u);
  EXPECT_EQ(stream.bytes(), archive.size());
  std::ofstream(root + "/out.tar", std::ios::binary) << archive;

  CommandResult list;
  std::string error;
  ASSERT_TRUE(RunCommand({"tar", "-tvf", root + "/out.tar"}, "", &list, &error)) << error;
  EXPECT_EQ(list.exit_code, 0) << list.err;
  std::istringstream lines(list.out);
  std::vector<std::string> names;
  for (std::string line; std::getline(lines, line);) {
    names.push_back(line.substr(line.rfind(' ') + 1));
  }
  EXPECT_EQ(names, (std::vector<std::string>{"folder/", "folder/" + std::string(150, 'f'), "shrunk",
                                             link.link}));
  CommandResult extracted;
  ASSERT_TRUE(RunCommand({"tar", "-xOf", root + "/out.tar", f.name}, "", &extracted, &error));
  EXPECT_EQ(extracted.out, content);
  ASSERT_TRUE(RunCommand({"tar", "-xOf", root + "/out.tar", "shrunk"}, "", &extracted, &error));
  EXPECT_EQ(extracted.out, std::string("small\n") + std::string(4, '\0'));
  std::system(("rm -rf '" + root + "'").c_str());
}

TEST(TarStreamTest, AFileThatVanishedIsAnError) {
  TarEntry f;
  f.name = "gone";
  f.source = "/nonexistent/tame-test";
  f.size = 3;
  TarStream stream({f});
  char buffer[4096];
  EXPECT_EQ(stream.Read(buffer, sizeof buffer), -1);
  EXPECT_EQ(stream.error(), "gone: cannot open: No such file or directory");
}

}  // namespace
}  // namespace tame
