// etcd at its space quota under the HA lab: writes fail with etcd's own words
// while the NOSPACE alarm is raised, `lab status` shows the alarm, nothing
// acknowledged is lost, and the lab writes again once the supervisor compacted and
// defragmented etcd (etcd_space.h). The quota is 16 MiB so a test fills it in
// seconds; etcd's history (compacted only every 5 minutes) is what fills it.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "lab/ha_lab_fixture.h"
#include "milvus/client.h"

namespace mdrill::testing {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kDim = 16;
constexpr int kRows = 400;  // a ~26 KB record per insert
constexpr milvus::Deadline kCall{10000};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(EtcdSpace, FullEtcdRefusesWritesLosesNothingAndRecovers) {
  HaLabProcess lab;
  std::string out;
  ASSERT_TRUE(lab.Up(&out, {"--etcd", "1", "--etcd-quota-bytes", "16777216"})) << out;
  milvus::MilvusClient c;
  milvus::ConnectOptions o;
  o.address = lab.front_door();
  ASSERT_TRUE(c.Connect(o, kCall).ok());
  milvus::CollectionSpec spec;
  spec.name = "space";
  spec.dim = kDim;
  ASSERT_TRUE(c.CreateCollection(spec, kCall).ok());
  ASSERT_TRUE(c.CreateIndex("space", "embedding", {}, kCall).ok());
  ASSERT_TRUE(c.LoadAndWait("space", 1, milvus::Deadline(60000)).ok());

  std::atomic<bool> stop{false}, alarm_seen{false};
  std::thread watcher([&] {  // what `lab status` says while the test writes
    while (!stop) {
      if (!lab.Status().etcd_alarm().empty()) alarm_seen = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(0, 1);
  std::vector<float> v(static_cast<size_t>(kRows) * kDim);
  int64_t acked = 0, refusals = 0;
  std::string refused;
  const auto until = Clock::now() + std::chrono::seconds(180);
  // Fill until a write is refused, then write until one succeeds again.
  while (Clock::now() < until) {
    for (auto& x : v) x = u(rng);
    auto r = c.Insert("space", {milvus::FloatVectorColumn("embedding", kDim, v)}, kRows, kCall);
    if (r.ok()) {
      acked += kRows;
      if (!refused.empty()) break;
    } else {
      ++refusals;
      if (refused.empty()) refused = r.status().ToString();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  stop = true;
  watcher.join();
  std::string archive_lines;  // what the coordinators' log archivers did, for a failure
  for (const char* name : {"coordinator-0", "coordinator-1"}) {
    std::istringstream in(ReadFile(lab.dir() + "/logs/" + name + ".log"));
    for (std::string line; std::getline(in, line);)
      if (line.find("log archive") != std::string::npos) archive_lines += std::string(name) + ": " + line + "\n";
  }
  SCOPED_TRACE(archive_lines);
  ASSERT_FALSE(refused.empty()) << "etcd never filled: " << acked << " rows acknowledged";
  std::printf("%lld rows acknowledged, %lld inserts refused; first refusal: %s\n", static_cast<long long>(acked),
              static_cast<long long>(refusals), refused.c_str());
  EXPECT_NE(refused.find("database space exceeded"), std::string::npos) << refused;
  EXPECT_TRUE(alarm_seen) << "lab status never showed the NOSPACE alarm";
  const std::string log = ReadFile(lab.dir() + "/logs/supervisor.log");
  EXPECT_NE(log.find("etcd: alarm raised: NOSPACE"), std::string::npos) << log;
  EXPECT_NE(log.find("alarm cleared"), std::string::npos) << log;
  EXPECT_TRUE(lab.Status().etcd_alarm().empty());

  // Every acknowledged row is there (a refused write may or may not have landed: an
  // unknown outcome), and writes work again.
  auto count = c.Count("space", "", milvus::pb::Strong, milvus::Deadline(10000));
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  EXPECT_GE(count.value(), acked);
  EXPECT_LE(count.value() - acked, refusals * kRows) << "more rows than acknowledged plus every refused insert";
  auto again = c.Insert("space", {milvus::FloatVectorColumn("embedding", kDim, v)}, kRows, kCall);
  EXPECT_TRUE(again.ok()) << again.status().ToString();
}

}  // namespace
}  // namespace mdrill::testing
