// The fault journal: pending/healed logic, torn lines, and journal-before-inject ordering.
#include "drill/nemesis/fault_journal.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "drill/nemesis/k8s.h"
#include "drill/nemesis/recording_cli.h"

namespace mdrill::drill {
namespace {

using testing::RecordingCli;
using Calls = std::vector<std::string>;

class FaultJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "mdrill-journal-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/faults.journal";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static AppliedFault Fault(const std::string& id, int64_t duration_ms = 0) {
    AppliedFault f;
    f.id = id;
    f.backend = "kubernetes";
    f.spec.action = "partition";
    f.spec.selector = "app=milvus-proxy";
    f.spec.id = id;
    f.spec.duration = std::chrono::milliseconds(duration_ms);
    f.targets = {{"milvus-proxy-a", "10.0.0.1"}};
    f.steps = {{{"-n", "milvus", "apply", "-f", "-"}, "kind: NetworkPolicy\n"}};
    f.undo = {{{"-n", "milvus", "delete", "networkpolicy", "milvus-drill-" + id, "--ignore-not-found"}, ""}};
    return f;
  }
  std::string Contents() const {
    std::ifstream in(path_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::string dir_, path_;
};

TEST_F(FaultJournalTest, AppliedFaultsArePendingUntilHealed) {
  auto empty = PendingFaults(path_);  // no file yet
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());

  ASSERT_TRUE(JournalApplied(path_, Fault("a", 15000)).ok());
  ASSERT_TRUE(JournalApplied(path_, Fault("b")).ok());
  ASSERT_TRUE(JournalHealed(path_, "a", "test").ok());
  ASSERT_TRUE(JournalHealed(path_, "nonexistent", "test").ok());  // ignored
  int skipped = -1;
  auto pending = PendingFaults(path_, &skipped);
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(skipped, 0);
  ASSERT_EQ(pending->size(), 1u);
  const JournalEntry& b = pending->front();
  EXPECT_EQ(b.fault.id, "b");
  EXPECT_EQ(b.deadline_unix_ms, 0);                // until healed
  EXPECT_EQ(ToJson(b.fault), ToJson(Fault("b")));  // steps, undo and stdin survive the round trip

  ASSERT_TRUE(JournalApplied(path_, Fault("c", 15000)).ok());
  auto c = PendingFaults(path_);
  ASSERT_EQ(c->size(), 2u);
  EXPECT_EQ(c->back().deadline_unix_ms - c->back().journaled_unix_ms, 15000);

  // A fault id healed and applied again is pending once.
  ASSERT_TRUE(JournalApplied(path_, Fault("a")).ok());
  auto again = PendingFaults(path_);
  ASSERT_EQ(again->size(), 3u);
  EXPECT_EQ(again->at(0).fault.id, "a");
}

TEST_F(FaultJournalTest, TornLastLineIsSkippedAndTheNextAppendStartsAFreshLine) {
  ASSERT_TRUE(JournalApplied(path_, Fault("a")).ok());
  std::string whole = nlohmann::json({{"event", "applied"}, {"fault", ToJson(Fault("torn"))}}).dump();
  std::ofstream(path_, std::ios::app) << whole.substr(0, whole.size() / 2);  // crash mid-append
  int skipped = 0;
  auto pending = PendingFaults(path_, &skipped);
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(skipped, 1);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ(pending->front().fault.id, "a");

  ASSERT_TRUE(JournalApplied(path_, Fault("b")).ok());
  ASSERT_TRUE(JournalHealed(path_, "a", "test").ok());
  pending = PendingFaults(path_, &skipped);
  EXPECT_EQ(skipped, 1);  // the fragment, alone on its line
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ(pending->front().fault.id, "b");
  std::string text = Contents();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 4);
  EXPECT_EQ(text.back(), '\n');
}

// Lines whose fields have the wrong types (found by fuzz_journal: `milvus-drill heal`
// used to die on a type error) are skipped like any damaged line.
TEST_F(FaultJournalTest, FieldsOfTheWrongTypeAreSkippedNotFatal) {
  ASSERT_TRUE(JournalApplied(path_, Fault("a")).ok());
  std::ofstream(path_, std::ios::app) << nlohmann::json({{"event", 5}, {"id", "a"}}).dump() << "\n"
                                      << nlohmann::json({{"event", "applied"},
                                                         {"fault", ToJson(Fault("b"))},
                                                         {"journaled_unix_ms", "soon"},
                                                         {"deadline_unix_ms", nullptr}})
                                             .dump()
                                      << "\n"
                                      << nlohmann::json({{"event", "healed"}, {"id", 7}}).dump() << "\n";
  int skipped = 0;
  auto pending = PendingFaults(path_, &skipped);
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(skipped, 2);  // the bad event and the bad heal; "b" is read with its times as 0
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ(pending->back().fault.id, "b");
}

TEST_F(FaultJournalTest, ApplyJournaledWritesTheFaultBeforeTouchingAnything) {
  RecordingCli cli({"kubectl"});
  cli.On("kubectl * get pods *",
         R"({"items":[{"metadata":{"name":"milvus-proxy-a"},"status":{"phase":"Running","podIP":"10.0.0.1"}}]})");
  KubectlOptions o;
  o.namespace_ = "milvus";
  KubectlNemesis n(o);
  FaultSpec s;
  s.action = "partition";
  s.selector = "app=milvus-proxy";
  s.id = "j1";

  // An unwritable journal: the fault is planned (read-only) but never injected.
  auto refused = ApplyJournaled(n, s, dir_ + "/missing-dir/faults.journal");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().reason().find("fault not applied"), std::string::npos);
  EXPECT_EQ(cli.Calls(), (Calls{"kubectl -n milvus get pods -l app=milvus-proxy -o json"}));

  cli.ClearCalls();
  auto f = ApplyJournaled(n, s, path_);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  auto pending = PendingFaults(path_);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ(pending->front().fault.undo, f->undo);

  // A later `milvus-drill heal`, with a nemesis configured for another namespace, undoes
  // the fault where it was applied: the journal's undo carries -n milvus.
  KubectlOptions other;
  other.namespace_ = "elsewhere";
  KubectlNemesis healer(other);
  cli.ClearCalls();
  for (const auto& e : pending.value()) ASSERT_TRUE(HealJournaled(healer, e.fault, path_, "milvus-drill heal").ok());
  EXPECT_EQ(cli.Calls(), (Calls{"kubectl -n milvus delete networkpolicy milvus-drill-j1 --ignore-not-found",
                                "kubectl -n milvus label pod milvus-proxy-a milvus-drill/isolate-"}));
  EXPECT_TRUE(PendingFaults(path_)->empty());
}

TEST_F(FaultJournalTest, KillIsHealedAtOnceAndAFailedHealStaysPending) {
  RecordingCli cli({"kubectl"});
  cli.On("kubectl * get pods *",
         R"({"items":[{"metadata":{"name":"milvus-proxy-a"},"status":{"phase":"Running","podIP":"10.0.0.1"}}]})");
  KubectlOptions o;
  o.namespace_ = "milvus";
  KubectlNemesis n(o);
  FaultSpec kill;
  kill.action = "kill";
  kill.selector = "app=milvus-proxy";
  ASSERT_TRUE(ApplyJournaled(n, kill, path_).ok());
  EXPECT_TRUE(PendingFaults(path_)->empty());  // nothing to undo
  EXPECT_NE(Contents().find("\"by\":\"nothing to undo\""), std::string::npos);

  // Injection fails and so does its undo: the fault stays pending for `milvus-drill heal`.
  cli.On("kubectl * apply -f -", "", 1, "error: unable to connect to the server\n");
  cli.On("kubectl * delete networkpolicy *", "", 1, "error: unable to connect to the server\n");
  FaultSpec part = kill;
  part.action = "partition";
  part.id = "j2";
  auto f = ApplyJournaled(n, part, path_);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().reason().find("keeps it pending"), std::string::npos) << f.status().reason();
  auto pending = PendingFaults(path_);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ(pending->front().fault.id, "j2");
}

}  // namespace
}  // namespace mdrill::drill
