// The journal writes an event made as text exactly as it writes the same
// event as a JSON tree: byte for byte, masked the same way.
#include "runner/run/journal.h"

#include <gtest/gtest.h>

#include "tests/runner/tame_process.h"

namespace tame {
namespace testing {
namespace {

class JournalTest : public RunnerTest {
 protected:
  // The lines a writer with `mask` writes for `events`, each with its
  // "time" value cut out.
  template <typename Event>
  std::vector<std::string> Lines(const std::vector<Event>& events, const MaskPatterns& mask) {
    const std::string path = Path("journal-" + std::to_string(++files_) + ".jsonl");
    {
      JournalWriter journal;
      std::string error;
      EXPECT_TRUE(journal.Open(path, &mask, &error)) << error;
      for (const Event& e : events) journal.Append(e);
    }
    std::vector<std::string> lines;
    std::string text = Read(path.substr(dir_.size() + 1));
    for (size_t start = 0, end; (end = text.find('\n', start)) != std::string::npos;
         start = end + 1) {
      std::string line = text.substr(start, end - start);
      const size_t time = line.find("\"time\":\"");
      EXPECT_NE(time, std::string::npos) << line;
      if (time != std::string::npos) line.erase(time + 8, line.find('"', time + 8) - time - 8);
      lines.push_back(line);
    }
    return lines;
  }

  int files_ = 0;
};

TEST_F(JournalTest, AnEventAsTextIsWrittenAsTheSameEventAsJson) {
  const Json details = Json::parse(R"({"rows": [{"metric": "acc", "pass": true, "value": 0.5},
      {"metric": "tok-s3cret", "note": "x\ty\u00e9"}], "who": {"b": 1, "a": null}})");
  const std::map<std::string, std::string> outputs = {
      {"zeta", "plain"}, {"file", "out/x \"q\".txt"}, {"tok", "is tok-s3cret here"}};
  auto as_json = [&]() {
    std::vector<Json> events;
    events.push_back({{"event", "step_started"}, {"step", "a-1"}, {"attempt", 2}});
    Json ended{{"event", "step_ended"}, {"step", "a-1"},  {"status", "succeeded"},
               {"attempts", 1},         {"exit_code", 3}, {"duration_ms", 1234567890123},
               {"outputs", outputs},    {"cached", true}, {"secret_outputs", {"tok", "x\n"}},
               {"gate", details}};
    ended["step"] = "a-1-b";  // set twice: the last value stays
    ended["zeta"] = 1;        // two names that mask alike
    ended["tok-s3cret"] = 2;
    events.push_back(ended);
    events.push_back({{"event", "step_ended"}, {"outputs", Json::object()}, {"time", "early"}});
    return events;
  };
  auto as_text = [&](const MaskPatterns& mask) {
    std::vector<EventText> events(3, EventText(&mask));
    events[0].String("event", "step_started");
    events[0].String("step", "a-1");
    events[0].Int("attempt", 2);
    events[1].String("event", "step_ended");
    events[1].String("step", "a-1");
    events[1].String("status", "succeeded");
    events[1].Int("attempts", 1);
    events[1].Int("exit_code", 3);
    events[1].Int("duration_ms", 1234567890123);
    events[1].Strings("outputs", outputs);
    events[1].Bool("cached", true);
    events[1].List("secret_outputs", {"tok", "x\n"});
    events[1].Value("gate", details);
    events[1].String("step", "a-1-b");
    events[1].Int("zeta", 1);
    events[1].Int("tok-s3cret", 2);
    events[2].String("event", "step_ended");
    events[2].Strings("outputs", {});
    events[2].String("time", "early");  // the writer's time replaces it
    return events;
  };
  const MaskPatterns none;
  const std::vector<std::string> plain = Lines(as_json(), none);
  ASSERT_EQ(plain.size(), 3u);
  EXPECT_EQ(plain[0], R"({"attempt":2,"event":"step_started","step":"a-1","time":""})");
  EXPECT_EQ(Lines(as_text(none), none), plain);
  // A secret in values, in a member's name ("tok-s3cret" is a metric) and
  // in an output's name: masked alike, and sorted by their masked names.
  const MaskPatterns mask({"tok-s3cret", "zeta"});
  const std::vector<std::string> masked = Lines(as_json(), mask);
  ASSERT_EQ(masked.size(), 3u);
  EXPECT_EQ(masked[1].find("s3cret"), std::string::npos) << masked[1];
  EXPECT_NE(masked[1].find(R"("outputs":{"***":"plain","file":)"), std::string::npos) << masked[1];
  EXPECT_EQ(masked[1].find(R"({"***":1,"attempts":)"), 0u) << masked[1];
  EXPECT_EQ(Lines(as_text(mask), mask), masked);
}

}  // namespace
}  // namespace testing
}  // namespace tame
