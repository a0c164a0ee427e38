// Components restarted on a long replicated log catch up. A restarted coordinator
// or query node once read the whole log from etcd in one read; past one reply (4 MB)
// it never caught up, and a coordinator elected in that state refused every write
// for good (found by a soak: writes dead from the fourth coordinator kill on). Now
// most of such a log is read back from its archive (log_archive.h).
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <thread>

#include "lab/ha_lab_fixture.h"
#include "milvus/client.h"
#include "testing/server_process.h"

namespace mdrill::testing {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kDim = 16;
constexpr int kRows = 400;     // per insert: 400 x 16 floats, a ~26 KB record, kept inline in etcd
constexpr int kInserts = 240;  // ~6 MB of log
constexpr milvus::Deadline kCall{10000};

// Retries an insert of one row until it succeeds or `within` passes; the seconds it took.
int64_t failed_writes = 0;  // one-row inserts that failed: each may or may not have landed

double SecondsUntilAWriteSucceeds(milvus::MilvusClient* c, std::chrono::seconds within, int64_t* acked) {
  const auto start = Clock::now();
  while (Clock::now() - start < within) {
    auto r = c->Insert("long_log", {milvus::FloatVectorColumn("embedding", kDim, std::vector<float>(kDim, 0.5f))}, 1,
                       milvus::Deadline(2000));
    if (r.ok()) {
      ++*acked;
      return std::chrono::duration<double>(Clock::now() - start).count();
    }
    ++failed_writes;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return -1;
}

int CountFiles(const std::string& dir, const std::string& suffix) {
  std::error_code ec;
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) ++n;
  }
  return n;
}

TEST(LongLog, RestartedCoordinatorsAndQueryNodesCatchUp) {
  HaLabProcess lab;
  std::string out;
  ASSERT_TRUE(lab.Up(&out)) << out;
  milvus::MilvusClient c;
  milvus::ConnectOptions o;
  o.address = lab.front_door();
  ASSERT_TRUE(c.Connect(o, kCall).ok());
  milvus::CollectionSpec spec;
  spec.name = "long_log";
  spec.dim = kDim;
  ASSERT_TRUE(c.CreateCollection(spec, kCall).ok());
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(0, 1);
  std::vector<float> v(static_cast<size_t>(kRows) * kDim);
  int64_t acked = 0;
  for (int i = 0; i < kInserts; ++i) {
    for (auto& x : v) x = u(rng);
    auto r = c.Insert("long_log", {milvus::FloatVectorColumn("embedding", kDim, v)}, kRows, kCall);
    ASSERT_TRUE(r.ok()) << i << ": " << r.status().ToString();
    acked += kRows;
  }
  ASSERT_TRUE(c.CreateIndex("long_log", "embedding", {}, kCall).ok());
  ASSERT_TRUE(c.WaitIndex("long_log", milvus::Deadline(60000)).ok());
  Status load = c.LoadAndWait("long_log", 2, milvus::Deadline(60000));
  ASSERT_TRUE(load.ok()) << load.ToString();

  // The active coordinator moves full runs of the log out of etcd (log_archive.h):
  // the restarted components below read most of the log from segment files.
  const std::string archive = lab.dir() + "/storage/log-archive";
  int segments = 0;
  for (int i = 0; i < 150 && segments == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    segments = CountFiles(archive, ".seg");
  }
  EXPECT_GE(segments, 1) << "no segment of the log archived in " << archive;
  // Kill the active coordinator twice: the second time, the one restarted after
  // the first kill (which had to read the whole log) must take over and write.
  for (int round = 0; round < 2; ++round) {
    ASSERT_EQ(lab.Cli({"lab", "kill", "-l", "app=milvus-rootcoord", "--mode", "active"}, &out), 0) << out;
    double s = SecondsUntilAWriteSucceeds(&c, std::chrono::seconds(30), &acked);
    std::printf("kill %d of the active coordinator: a write succeeded %.2f s later\n", round + 1, s);
    ASSERT_GE(s, 0) << "no write succeeded within 30 s of kill " << round + 1;
    std::this_thread::sleep_for(std::chrono::seconds(3));  // the killed one restarts and catches up
  }
  // Every query node restarted: each reads the whole log before it serves.
  ASSERT_EQ(lab.Cli({"lab", "kill", "-l", "app=milvus-querynode", "--mode", "all"}, &out), 0) << out;
  const auto until = Clock::now() + std::chrono::seconds(60);
  int64_t count = -1;
  // A write that failed (timed out) during a kill may still have landed: one row each.
  while (Clock::now() < until && !(count >= acked && count <= acked + failed_writes)) {
    auto r = c.Count("long_log", "", milvus::pb::Strong, milvus::Deadline(5000));
    count = r.ok() ? r.value() : -1;
    if (!(count >= acked && count <= acked + failed_writes))
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  EXPECT_GE(count, acked) << "the restarted query nodes did not serve every acknowledged row within 60 s";
  EXPECT_LE(count, acked + failed_writes) << "more rows than written";
}

}  // namespace
}  // namespace mdrill::testing
