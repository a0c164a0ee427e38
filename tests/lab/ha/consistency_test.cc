// Consistency levels on the HA lab, with Milvus's meaning, measured on a lab whose
// query nodes read the log only every 10 s when idle (so staleness is visible) and
// whose Bounded staleness (common.gracefulTime) is 1 s:
//   Strong sees every write acknowledged before the read began;
//   Session sees the client's own last write (guarantee_timestamp);
//   Bounded sees every write acknowledged more than 1 s before the read;
//   Eventually may miss recent writes (and here does);
//   use_default_consistency takes the collection's level.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>
#include <tuple>

#include "lab/ha_lab_fixture.h"

namespace mdrill::testing {
namespace {

constexpr int kDim = 8;
constexpr milvus::Deadline kCall{10000};
using milvus::pb::ConsistencyLevel;

class Consistency : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    lab_ = new HaLabProcess();
    std::string out;
    up_ = lab_->Up(&out, {"--network", "loopback", "--etcd", "1", "--coordinators", "1", "--querynodes", "2",
                          "--proxies", "1", "--log-poll", "10000", "--no-log-watch", "--graceful-time", "1000"});
    if (!up_) std::fprintf(stderr, "lab up failed:\n%s\n", out.c_str());
  }
  static void TearDownTestSuite() {
    delete lab_;
    lab_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(up_);
    milvus::ConnectOptions o;
    o.address = lab_->front_door();
    ASSERT_TRUE(c_.Connect(o, kCall).ok());
  }
  // A loaded collection of 10 rows with `level` as its consistency.
  void Make(const std::string& name, ConsistencyLevel level) {
    milvus::CollectionSpec spec;
    spec.name = name;
    spec.dim = kDim;
    spec.consistency = level;
    ASSERT_TRUE(c_.CreateCollection(spec, kCall).ok());
    ASSERT_TRUE(Insert(name, 10) > 0);
    ASSERT_TRUE(c_.CreateIndex(name, "embedding", {}, kCall).ok());
    ASSERT_TRUE(c_.WaitIndex(name, milvus::Deadline(30000)).ok());
    Status s = c_.LoadAndWait(name, 2, milvus::Deadline(30000));
    ASSERT_TRUE(s.ok()) << s.ToString();
    rows_ = 10;
  }
  // Inserts `n` rows; returns the write's timestamp (0 on failure).
  uint64_t Insert(const std::string& name, int n) {
    std::vector<float> v(static_cast<size_t>(n) * kDim, 0.5f);
    auto r = c_.Insert(name, {milvus::FloatVectorColumn("embedding", kDim, v)}, n, kCall);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return 0;
    rows_ += n;
    return r->timestamp;
  }
  int64_t Count(const std::string& name, ConsistencyLevel level, milvus::Freshness f = {}) {
    auto r = c_.Count(name, "", level, kCall, f);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r.value() : -1;
  }

  static HaLabProcess* lab_;
  static bool up_;
  milvus::MilvusClient c_;
  int64_t rows_ = 0;
};

HaLabProcess* Consistency::lab_ = nullptr;
bool Consistency::up_ = false;

TEST_F(Consistency, StrongAndSessionSeeTheWriteJustAcknowledged) {
  Make("c_strong_session", milvus::pb::Bounded);
  for (int i = 0; i < 5; ++i) {
    ASSERT_GT(Insert("c_strong_session", 1), 0u);
    EXPECT_EQ(Count("c_strong_session", milvus::pb::Strong), rows_) << "Strong missed an acknowledged write";
    uint64_t ts = Insert("c_strong_session", 1);
    ASSERT_GT(ts, 0u);
    EXPECT_EQ(Count("c_strong_session", milvus::pb::Session, {false, ts}), rows_)
        << "Session missed the client's own write";
  }
}

TEST_F(Consistency, EventuallyMayMissRecentWritesBoundedNotOlderOnes) {
  Make("c_bounded", milvus::pb::Bounded);
  int stale = 0;
  for (int i = 0; i < 5; ++i) {
    ASSERT_GT(Insert("c_bounded", 1), 0u);
    // At once, Eventually answers from what the node applied: with no watch and a 10 s idle poll
    // the write just acknowledged is almost never there yet.
    if (Count("c_bounded", milvus::pb::Eventually) < rows_) ++stale;
  }
  std::printf("Eventually reads that missed the write just acknowledged: %d of 5\n", stale);
  EXPECT_GE(stale, 1) << "every Eventually read was fresh: the levels are not distinct";
  for (int i = 0; i < 5; ++i) {
    ASSERT_GT(Insert("c_bounded", 1), 0u);
    std::this_thread::sleep_for(std::chrono::milliseconds(1300));  // > gracefulTime (1 s)
    EXPECT_EQ(Count("c_bounded", milvus::pb::Bounded), rows_)
        << "Bounded missed a write acknowledged more than gracefulTime ago";
  }
}

TEST_F(Consistency, DefaultConsistencyIsTheCollections) {
  Make("c_default_strong", milvus::pb::Strong);
  for (int i = 0; i < 5; ++i) {
    ASSERT_GT(Insert("c_default_strong", 1), 0u);
    // The request says Eventually but asks for the collection's level (Strong).
    EXPECT_EQ(Count("c_default_strong", milvus::pb::Eventually, {true, 0}), rows_);
  }
}

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Merges are decided by the active coordinator and reach every query node through the
// log: after many small flushed segments are merged, every node reports the same
// segments (same ids) and returns the same search answers. The proxy sends reads round
// robin, so repeating a call visits every node.
// Ready means ready everywhere: the moment the front door first says the index is
// built (what pymilvus's wait_for_index_building_complete polls), every query node
// says so too, asked directly; each node builds its own copy, and they finish at
// different times on 2 cores.
TEST_F(Consistency, TheIndexIsReportedBuiltOnlyOnceEveryQueryNodeBuiltIt) {
  const std::string name = "ready_everywhere";
  milvus::CollectionSpec spec;
  spec.name = name;
  spec.dim = 64;
  ASSERT_TRUE(c_.CreateCollection(spec, kCall).ok());
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(0, 1);
  for (int batch = 0; batch < 4; ++batch) {
    std::vector<float> v(10000 * 64);
    for (auto& x : v) x = u(rng);
    auto r = c_.Insert(name, {milvus::FloatVectorColumn("embedding", 64, v)}, 10000, kCall);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  ASSERT_TRUE(c_.Flush(name, kCall).ok());
  milvus::IndexParams ip;
  ip.index_type = "IVF_FLAT";
  ip.params_json = R"({"nlist": 256})";
  ASSERT_TRUE(c_.CreateIndex(name, "embedding", ip, kCall).ok());
  std::vector<std::string> nodes;
  const auto status = lab_->Status();
  for (const auto& c : status.components())
    if (c.role() == "querynode") nodes.push_back(c.address());
  ASSERT_EQ(nodes.size(), 2u);
  int polls = 0;
  for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);; ++polls) {
    ASSERT_LT(std::chrono::steady_clock::now(), until) << "the index was never reported built";
    auto front = c_.DescribeIndex(name, kCall);
    ASSERT_TRUE(front.ok()) << front.status().ToString();
    if (front->state == milvus::pb::Finished) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (const auto& address : nodes) {
    milvus::MilvusClient node;
    milvus::ConnectOptions o;
    o.address = address;
    ASSERT_TRUE(node.Connect(o, kCall).ok());
    auto d = node.DescribeIndex(name, kCall);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_EQ(d->state, milvus::pb::Finished) << address << " was still building (" << d->indexed_rows << " of "
                                              << d->total_rows << ") when the front door said built";
    EXPECT_EQ(d->indexed_rows, 40000) << address;
  }
  std::printf("index reported built after %d polls\n", polls);
  EXPECT_GT(polls, 0) << "built before the first poll: the test saw no build in progress";
}

TEST(HaCompaction, EveryQueryNodeHoldsTheSameMergedSegments) {
  HaLabProcess lab;
  std::string out;
  ASSERT_TRUE(lab.Up(
      &out, {"--network", "loopback", "--etcd", "1", "--coordinators", "2", "--querynodes", "3", "--proxies", "1"}))
      << out;
  milvus::MilvusClient c;
  milvus::ConnectOptions o;
  o.address = lab.front_door();
  ASSERT_TRUE(c.Connect(o, kCall).ok());
  const int dim = 16, rounds = 30, rows = 50;
  milvus::CollectionSpec spec;
  spec.name = "merged";
  spec.dim = dim;
  ASSERT_TRUE(c.CreateCollection(spec, kCall).ok());
  ASSERT_TRUE(c.CreateIndex("merged", "embedding", {"FLAT", "L2", "{}"}, kCall).ok());
  ASSERT_TRUE(c.LoadAndWait("merged", 1, milvus::Deadline(30000)).ok());
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(0, 1);
  std::vector<float> probe(static_cast<size_t>(dim));
  for (int r = 0; r < rounds; ++r) {
    std::vector<float> v(static_cast<size_t>(rows) * dim);
    for (auto& x : v) x = u(rng);
    if (r == 7) probe.assign(v.begin(), v.begin() + dim);
    ASSERT_TRUE(c.Insert("merged", {milvus::FloatVectorColumn("embedding", dim, v)}, rows, kCall).ok());
    ASSERT_TRUE(c.Flush("merged", milvus::Deadline(10000)).ok());
  }
  // One GetQuerySegmentInfo answer: sealed (id, rows, indexed) in order.
  auto segments = [&] {
    auto stub =
        milvus::pb::MilvusService::NewStub(grpc::CreateChannel(lab.front_door(), grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    milvus::pb::GetQuerySegmentInfoRequest req;
    req.set_collectionname("merged");
    milvus::pb::GetQuerySegmentInfoResponse resp;
    std::vector<std::tuple<int64_t, int64_t, bool>> v;
    if (!stub->GetQuerySegmentInfo(&ctx, req, &resp).ok() || resp.status().code() != 0) return v;
    for (const auto& i : resp.infos())
      if (i.state() == milvus::pb::Sealed) v.emplace_back(i.segmentid(), i.num_rows(), !i.index_name().empty());
    return v;
  };
  auto start = std::chrono::steady_clock::now();
  std::vector<std::tuple<int64_t, int64_t, bool>> merged;
  bool settled = false;
  while (!settled && std::chrono::steady_clock::now() - start < std::chrono::seconds(60)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    merged = segments();
    // At most two (a pass may fall between two flushes); the big ones indexed.
    int64_t total = 0;
    bool indexed = false;
    for (const auto& [id, n, has_index] : merged) {
      total += n;
      indexed = indexed || has_index;
      if (n >= 1024 && !has_index) total = -1;
    }
    settled = !merged.empty() && merged.size() <= 2 && total == rounds * rows && indexed;
    for (int i = 0; settled && i < 5; ++i) settled = segments() == merged;  // every node, twice over
  }
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(settled) << merged.size() << " sealed segments after 60 s";
  std::printf("%d flushed segments merged into %zu (indexed) on every query node in %.1f s\n", rounds, merged.size(),
              took);
  milvus::SearchParams p;
  p.collection = "merged";
  p.dim = dim;
  p.vectors = probe;
  p.topk = 10;
  p.anns_field = "embedding";
  p.metric_type = "L2";
  p.params_json = "{}";
  std::vector<std::pair<int64_t, float>> first;
  for (int i = 0; i < 9; ++i) {
    auto r = c.Search(p, kCall);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::pair<int64_t, float>> hits;
    for (const auto& h : r->hits[0]) hits.emplace_back(h.id, h.score);
    ASSERT_EQ(hits.size(), 10u);
    EXPECT_FLOAT_EQ(hits[0].second, 0.0f);
    if (i == 0) first = hits;
    EXPECT_EQ(hits, first) << "search " << i;
  }
  EXPECT_EQ(c.Count("merged", "", milvus::pb::Strong, kCall).value(), rounds * rows);
  // Decided once, by the active coordinator, and logged there.
  std::string log0 = ReadFileOrEmpty(lab.dir() + "/logs/coordinator-0.log");
  std::string log1 = ReadFileOrEmpty(lab.dir() + "/logs/coordinator-1.log");
  EXPECT_NE((log0 + log1).find("compaction: collection merged"), std::string::npos);
}

}  // namespace
}  // namespace mdrill::testing
