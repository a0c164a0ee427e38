#include "drill/history/history.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace mdrill::drill {
namespace {

namespace fs = std::filesystem;

// A fresh file path under the test temp dir, removed at scope exit.
class TempFile {
 public:
  explicit TempFile(const std::string& name)
      : path_((fs::temp_directory_path() / ("mdrill_" + std::to_string(::getpid()) + "_" + name)).string()) {}
  ~TempFile() { fs::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void WriteRaw(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

std::string ReadRaw(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Op FullInsert() {
  Op op;
  op.kind = "insert";
  op.intended_us = 1'000'000;
  op.start_us = 1'000'250;
  op.end_us = 1'004'000;
  op.outcome = Outcome::kUnknown;
  op.code = 4;
  op.error = "DEADLINE_EXCEEDED: \"quoted\"\nnewline";
  op.ids = {7, -3, 9'007'199'254'740'993, 7};  // > 2^53: must not pass through a double
  op.ts = (uint64_t{1'700'000'000'000} << 18) | 5;
  op.recall = 0.123456789012345;
  op.value = 42;
  op.level = "Bounded";
  return op;
}

TEST(History, OutcomeNamesRoundTrip) {
  for (Outcome o : {Outcome::kOk, Outcome::kFail, Outcome::kUnknown}) {
    Outcome back = Outcome::kOk;
    ASSERT_TRUE(ParseOutcome(OutcomeName(o), &back));
    EXPECT_EQ(back, o);
  }
  Outcome o;
  EXPECT_FALSE(ParseOutcome("info", &o));
}

TEST(History, OpLineOmitsDefaultsAndRoundTripsEveryField) {
  Op plain;
  plain.kind = "search";
  plain.intended_us = 10;
  plain.start_us = 11;
  plain.end_us = 12;
  std::string line = ToJsonLine(plain);
  EXPECT_EQ(line.rfind("{\"type\":\"op\",\"kind\":\"search\"", 0), 0u) << line;
  for (const char* absent : {"\"ids\"", "\"ts\"", "\"recall\"", "\"value\"", "\"level\""}) {
    EXPECT_EQ(line.find(absent), std::string::npos) << absent << " in " << line;
  }
  Op back;
  ASSERT_TRUE(OpFromJson(nlohmann::json::parse(line), &back).ok());
  EXPECT_EQ(back, plain);

  Op full = FullInsert();
  ASSERT_TRUE(OpFromJson(nlohmann::json::parse(ToJsonLine(full)), &back).ok());
  EXPECT_EQ(back, full);
}

TEST(History, WriterAndReaderRoundTripEveryField) {
  TempFile f("roundtrip.jsonl");
  History h;
  h.meta = {{"scenario", "coordinator"}, {"rate", 100}, {"seed", 7}};
  Op search;
  search.kind = "search";
  search.intended_us = 5;
  search.start_us = 6;
  search.end_us = 900;
  search.recall = 1.0;
  Op failed;
  failed.kind = "count";
  failed.outcome = Outcome::kFail;
  failed.code = 503;
  failed.error = "channel not available";
  failed.value = 0;
  Op final_read;
  final_read.kind = "final";
  final_read.ids = {1, 2, 2, 3};
  h.ops = {FullInsert(), search, failed, final_read};
  h.events = {{0, "phase", "warmup"},
              {2'000'000, "fault.start", "kill coordinator"},
              {2'500'000, "target", "active coordinator before: a after: b"}};
  {
    HistoryWriter w;
    ASSERT_TRUE(w.Open(f.path()).ok());
    ASSERT_TRUE(w.WriteMeta(h.meta).ok());
    // Interleaved as a run would write them.
    ASSERT_TRUE(w.Append(h.events[0]).ok());
    ASSERT_TRUE(w.Append(h.ops[0]).ok());
    ASSERT_TRUE(w.Append(h.ops[1]).ok());
    ASSERT_TRUE(w.Append(h.events[1]).ok());
    ASSERT_TRUE(w.Append(h.ops[2]).ok());
    ASSERT_TRUE(w.Append(h.events[2]).ok());
    ASSERT_TRUE(w.Append(h.ops[3]).ok());
    ASSERT_TRUE(w.WriteMeta({{"completed", true}}).ok());
    ASSERT_TRUE(w.Close().ok());
    EXPECT_FALSE(w.Append(h.ops[0]).ok());
  }
  History back;
  Status s = ReadHistory(f.path(), &back);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_FALSE(back.truncated);
  EXPECT_EQ(back.ops, h.ops);
  EXPECT_EQ(back.events, h.events);
  EXPECT_EQ(back.meta["scenario"], "coordinator");
  EXPECT_EQ(back.meta["rate"], 100);
  EXPECT_EQ(back.meta["completed"], true);
  EXPECT_FALSE(back.meta.contains("type"));
  // Every line is a complete JSON object ending in a newline.
  std::string raw = ReadRaw(f.path());
  EXPECT_EQ(raw.back(), '\n');
  EXPECT_EQ(std::count(raw.begin(), raw.end(), '\n'), 9);

  TempFile g("whole.jsonl");
  ASSERT_TRUE(WriteHistory(g.path(), h).ok());
  History again;
  ASSERT_TRUE(ReadHistory(g.path(), &again).ok());
  EXPECT_EQ(again.ops, h.ops);
  EXPECT_EQ(again.events, h.events);
  EXPECT_EQ(again.meta, h.meta);
}

TEST(History, WriterRequiresMetaFirst) {
  TempFile f("nometa.jsonl");
  HistoryWriter w;
  ASSERT_TRUE(w.Open(f.path()).ok());
  EXPECT_FALSE(w.Append(Event{1, "phase", "warmup"}).ok());
  EXPECT_FALSE(w.WriteMeta(nlohmann::json::array()).ok());
}

TEST(History, ConcurrentAppendsNeverInterleave) {
  TempFile f("concurrent.jsonl");
  HistoryWriter w;
  ASSERT_TRUE(w.Open(f.path()).ok());
  ASSERT_TRUE(w.WriteMeta({{"threads", 4}}).ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&w, t] {
      for (int i = 0; i < 250; ++i) {
        Op op = FullInsert();
        op.value = t * 1000 + i;
        op.ids.assign(50, i);  // long lines make torn interleaving likely if unlocked
        EXPECT_TRUE(w.Append(op).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  History back;
  Status s = ReadHistory(f.path(), &back);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(back.ops.size(), 1000u);
}

TEST(History, MalformedLineIsRejectedWithItsLineNumber) {
  TempFile f("bad.jsonl");
  const std::string meta = "{\"type\":\"meta\"}\n";
  const std::string op = ToJsonLine(FullInsert()) + "\n";
  struct Case {
    std::string body;
    std::string want;  // substring of the error
  } cases[] = {
      {meta + op + "{not json\n" + op, ":3: not valid JSON"},
      {meta + "\n" + op + "{\"type\":\"op\",\"kind\":\"search\"}\n", ":4: missing field \"intended_us\""},
      {meta + "{\"type\":\"op\",\"kind\":\"x\",\"intended_us\":1,\"start_us\":1,\"end_us\":1,\"outcome\":\"info\"}\n",
       ":2: field \"outcome\" must be ok|fail|unknown"},
      {meta + "{\"type\":\"op\",\"kind\":\"x\",\"intended_us\":\"1\",\"start_us\":1,\"end_us\":1,\"outcome\":\"ok\"}\n",
       ":2: field \"intended_us\" is not an integer"},
      {meta + "{\"type\":\"event\",\"name\":\"phase\"}\n", ":2: missing field \"t_us\""},
      {meta + "{\"type\":\"op\",\"kind\":\"x\",\"intended_us\":1,\"start_us\":1,\"end_us\":1,\"outcome\":\"ok\","
              "\"values\":[\"1\"]}\n",
       ":2: field \"values\" holds a value that is not an int64"},
      {meta + "{\"type\":\"op\",\"kind\":\"x\",\"intended_us\":1,\"start_us\":1,\"end_us\":1,\"outcome\":\"ok\","
              "\"values\":[18446744073709551615]}\n",
       ":2: field \"values\" holds a value that is not an int64"},
      {meta + "{\"type\":\"op\",\"kind\":\"x\",\"intended_us\":1,\"start_us\":1,\"end_us\":1,\"outcome\":\"ok\","
              "\"values\":7}\n",
       ":2: field \"values\" is not an array"},
      {meta + "{\"type\":\"nemesis\"}\n", ":2: unknown record type \"nemesis\""},
      {meta + "[1,2]\n", ":2: record is not a JSON object"},
      {op, ":1: the first record must be"},
      {"", "no meta record"},
  };
  for (const Case& c : cases) {
    WriteRaw(f.path(), c.body);
    History h;
    Status s = ReadHistory(f.path(), &h);
    ASSERT_FALSE(s.ok()) << c.body;
    EXPECT_NE(s.reason().find(f.path()), std::string::npos) << s.reason();
    EXPECT_NE(s.reason().find(c.want), std::string::npos) << "got: " << s.reason() << "\nwant: " << c.want;
  }
  History h;
  EXPECT_FALSE(ReadHistory(f.path() + ".missing", &h).ok());
}

TEST(History, TornLastLineIsSkippedAndFlagged) {
  TempFile f("torn.jsonl");
  const std::string meta = "{\"type\":\"meta\",\"run\":1}\n";
  const std::string op = ToJsonLine(FullInsert());
  // A killed writer: the last line stops mid-record, with no newline.
  WriteRaw(f.path(), meta + op + "\n" + op + "\n" + op.substr(0, op.size() / 2));
  History h;
  Status s = ReadHistory(f.path(), &h);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(h.truncated);
  ASSERT_EQ(h.ops.size(), 2u);
  EXPECT_EQ(h.ops[1], FullInsert());

  // A complete last record that only lacks its newline is kept, not flagged.
  WriteRaw(f.path(), meta + op + "\n" + op);
  ASSERT_TRUE(ReadHistory(f.path(), &h).ok());
  EXPECT_FALSE(h.truncated);
  EXPECT_EQ(h.ops.size(), 2u);

  // The same torn text followed by a newline is damage, not a torn tail.
  WriteRaw(f.path(), meta + op.substr(0, op.size() / 2) + "\n");
  s = ReadHistory(f.path(), &h);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.reason().find(":2: not valid JSON"), std::string::npos) << s.reason();
}

}  // namespace
}  // namespace mdrill::drill
