#include "report/history_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "drill/history/history.h"
#include "report/recorded_run.h"

namespace mdrill::report {
namespace {

using nlohmann::json;

TestFilter Scenario(const std::string& s, std::optional<int> last = std::nullopt) {
  TestFilter f;
  f.scenario = s;
  f.last_runs = last;
  return f;
}

TestFilter Runs(std::vector<int64_t> ids) {
  TestFilter f;
  f.run_ids = std::move(ids);
  return f;
}

class HistoryStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("mdrill-store-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::unique_ptr<HistoryStore> Open() {
    auto s = HistoryStore::Open((dir_ / "sub" / "history.db").string());
    EXPECT_TRUE(s.ok()) << s.status().reason();
    return s.ok() ? std::move(s.value()) : nullptr;
  }
  static std::vector<json> Results() {
    std::vector<json> out;
    for (auto& t : testing::RecordedRun()) out.push_back(t.result);
    return out;
  }
  static RunInfo Info(int64_t started) {
    RunInfo i;
    i.started_unix_ms = started;
    i.finished_unix_ms = started + 160000;
    i.target = "lab";
    i.address = "127.0.0.1:29530";
    i.out_dir = "/tmp/rec/out";
    i.config = {{"search_rate", 10}};
    return i;
  }
  std::filesystem::path dir_;
};

// The stored figures of the recorded run are the result JSON's, and the search
// counts agree with the history files counted here independently.
TEST_F(HistoryStoreTest, RecordedRunIsStoredWithEveryFigure) {
  auto store = Open();
  ASSERT_TRUE(store);
  auto recorded = testing::RecordedRun();
  ASSERT_EQ(recorded.size(), 5u);
  auto id = store->AddRun(Info(1795823406592), 0, Results());
  ASSERT_TRUE(id.ok()) << id.status().reason();
  auto tests = store->Tests({});
  ASSERT_TRUE(tests.ok());
  ASSERT_EQ(tests->size(), 5u);
  for (size_t i = 0; i < recorded.size(); ++i) {
    const json& r = recorded[i].result;
    const StoredTest& t = tests.value()[i];
    SCOPED_TRACE(r["test"].get<std::string>());
    EXPECT_EQ(t.point.run_id, id.value());
    EXPECT_EQ(t.point.test, r["test"]);
    EXPECT_EQ(t.point.started_unix_ms, 1795823406592);
    EXPECT_EQ(t.point.target, "lab");
    EXPECT_EQ(t.point.exit_code, r["exit_code"].get<int>());
    ASSERT_TRUE(t.point.strict_rto_s.has_value());
    EXPECT_DOUBLE_EQ(*t.point.strict_rto_s, r["strict_rto"]["rto_s"].get<double>());
    EXPECT_EQ(t.point.seed_rto_s.has_value(), r["seed_rto"]["rto_s"].is_number());
    EXPECT_DOUBLE_EQ(t.point.availability_pct, r["availability"]["request"]["pct"].get<double>());
    EXPECT_EQ(t.point.total, r["availability"]["request"]["total"].get<int64_t>());
    EXPECT_EQ(t.point.lost, r["consistency"]["lost_count"].get<int64_t>());
    EXPECT_DOUBLE_EQ(t.elapsed_s, r["elapsed_s"].get<double>());
    for (const auto& c : r["checks"]) {
      if (c["name"] == "failed_requests") {
        EXPECT_EQ(t.point.failed, c["measured"].get<int64_t>());
      }
    }

    drill::History h;
    ASSERT_TRUE(drill::ReadHistory(recorded[i].history_path, &h).ok());
    int64_t searches = 0, ok = 0, workload = 0;
    for (const auto& op : h.ops) {
      if (op.kind == drill::kKindSearch) {
        ++searches;
        ok += op.outcome == drill::Outcome::kOk;
      }
      workload += op.kind != drill::kKindFinal;
    }
    EXPECT_EQ(t.search_total, searches);
    EXPECT_EQ(t.search_ok, ok);
    EXPECT_EQ(t.point.total, workload);  // every op but the final read, the base load included
  }
  auto back = store->Results(id.value());
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->size(), 5u);
  EXPECT_EQ(back.value()[2], recorded[2].result);

  auto runs = store->Runs(0);
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ(runs.value()[0].tests, 5);
  EXPECT_EQ(runs.value()[0].passed, 5);
  EXPECT_EQ(runs.value()[0].info.config["search_rate"], 10);
}

// Three stored runs of the coordinator scenario come back in order, with their
// own figures; --last and the scenario filter select the right ones.
TEST_F(HistoryStoreTest, TrendOverThreeRuns) {
  auto store = Open();
  ASSERT_TRUE(store);
  const double rtos[] = {3.0, 17.5, 2.0};
  const int64_t failed[] = {0, 40, 2};
  for (int k = 0; k < 3; ++k) {
    auto results = Results();
    json& coord = results[0];
    coord["strict_rto"]["rto_s"] = rtos[k];
    coord["checks"][1]["measured"] = failed[k];
    coord["availability"]["request"]["pct"] = 100.0 - k;
    coord["exit_code"] = rtos[k] > 15 ? 1 : 0;
    ASSERT_TRUE(store->AddRun(Info(1000 * (k + 1)), rtos[k] > 15 ? 1 : 0, results).ok());
  }
  auto trend = store->Tests(Scenario("coordinator"));
  ASSERT_TRUE(trend.ok());
  ASSERT_EQ(trend->size(), 3u);
  for (int k = 0; k < 3; ++k) {
    const auto& p = trend.value()[k].point;
    EXPECT_EQ(p.started_unix_ms, 1000 * (k + 1));
    EXPECT_DOUBLE_EQ(*p.strict_rto_s, rtos[k]);
    EXPECT_EQ(p.failed, failed[k]);
    EXPECT_DOUBLE_EQ(p.availability_pct, 100.0 - k);
    EXPECT_EQ(p.exit_code, k == 1 ? 1 : 0);
  }
  auto last2 = store->Tests(Scenario("coordinator", 2));
  ASSERT_TRUE(last2.ok());
  ASSERT_EQ(last2->size(), 2u);
  EXPECT_DOUBLE_EQ(*last2.value()[0].point.strict_rto_s, 17.5);
  auto worker = store->Tests(Scenario("worker"));
  ASSERT_TRUE(worker.ok());
  ASSERT_EQ(worker->size(), 6u);  // worker.proxy and worker.querynode, three runs
  EXPECT_EQ(worker.value()[0].point.test, "worker.proxy");
  EXPECT_EQ(worker.value()[1].point.test, "worker.querynode");
  auto runs = store->Runs(2);
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ(runs.value()[0].info.started_unix_ms, 3000);  // newest first
  EXPECT_EQ(runs.value()[1].exit_code, 1);
  auto only = store->Tests(Runs({runs.value()[1].id}));
  ASSERT_TRUE(only.ok());
  EXPECT_EQ(only->size(), 5u);
}

TEST_F(HistoryStoreTest, NotADatabaseIsAClearError) {
  std::filesystem::create_directories(dir_);
  std::string path = (dir_ / "junk.db").string();
  std::ofstream(path) << "this is not a database, it is a text file with some length to it........";
  auto s = HistoryStore::Open(path);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().reason().find(path), std::string::npos);
  EXPECT_NE(s.status().reason().find("not a database"), std::string::npos) << s.status().reason();
  // Untouched.
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text.rfind("this is not a database", 0), 0u);
}

TEST_F(HistoryStoreTest, ScenarioOfATest) {
  EXPECT_EQ(ScenarioOf("worker.proxy"), "worker");
  EXPECT_EQ(ScenarioOf("coordinator"), "coordinator");
  EXPECT_EQ(DefaultHistoryPath("runs"), "runs/history.db");
}

}  // namespace
}  // namespace mdrill::report
