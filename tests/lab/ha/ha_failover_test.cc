// The HA lab failing over for real, with traffic through the front door: searches
// and inserts at 25/s each while a component is killed with SIGKILL by the lab's
// supervisor. Asserts the measured facts of each fault.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <set>
#include <thread>

#include "lab/flow_helpers.h"
#include "lab/ha/replicas.h"
#include "lab/ha_lab_fixture.h"
#include "lab/supervisor/supervisor.h"
#include "testing/server_process.h"
#include "util/subprocess.h"

namespace mdrill::testing {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kDim = 16;
constexpr milvus::Deadline kCall{10000};

struct Summary {
  int searches = 0, search_failures = 0, inserts = 0, insert_failures = 0, unknown_inserts = 0;
  double insert_outage_s = 0, search_outage_s = 0;  // fault -> first success after the last failure
  std::vector<const Op*> acked_inserts;
};

Summary Summarize(const std::vector<Op>& ops, Clock::time_point fault) {
  Summary s;
  Clock::time_point last_fail[2] = {fault, fault};
  for (const auto& op : ops) {
    int k = op.search ? 0 : 1;
    (op.search ? s.searches : s.inserts)++;
    if (!op.status.ok()) {
      (op.search ? s.search_failures : s.insert_failures)++;
      // A transport failure or the proxy's "unavailable" may come after the write was
      // sent: its outcome is unknown (it may have taken effect), as Jepsen's :info.
      if (!op.search && (op.status.IsTransport() || op.status.code() == code::kServiceUnavailable)) s.unknown_inserts++;
      if (op.start > last_fail[k]) last_fail[k] = op.start;
    } else if (!op.search) {
      s.acked_inserts.push_back(&op);
    }
  }
  for (int k = 0; k < 2; ++k) {
    double outage = 0;
    if (last_fail[k] > fault)
      for (const auto& op : ops)
        if (op.search == (k == 0) && op.status.ok() && op.start > last_fail[k]) {
          outage = std::chrono::duration<double>(op.end - fault).count();
          break;
        }
    (k == 0 ? s.search_outage_s : s.insert_outage_s) = outage;
  }
  return s;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

// Waits until `want` replicas of `collection` each sit on a distinct node, none of
// them in `not_on`; returns whether that happened within `within`.
bool WaitPlaced(milvus::MilvusClient* c, const std::string& collection, size_t want, std::set<int64_t> not_on,
                std::chrono::milliseconds within, std::vector<milvus::Replica>* last = nullptr) {
  auto until = Clock::now() + within;
  while (Clock::now() < until) {
    auto r = c->GetReplicas(collection, kCall);
    if (r.ok()) {
      if (last) *last = r.value();
      std::set<int64_t> nodes;
      for (const auto& rep : r.value())
        if (rep.node_ids.size() == 1 && !not_on.count(rep.node_ids[0])) nodes.insert(rep.node_ids[0]);
      if (r->size() == want && nodes.size() == want) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

class HaFailover : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string out;
    ASSERT_TRUE(lab_.Up(&out)) << out;
    milvus::ConnectOptions o;
    o.address = lab_.front_door();
    ASSERT_TRUE(c_.Connect(o, kCall).ok());
    milvus::CollectionSpec spec;
    spec.name = "failover_test";
    spec.dim = kDim;
    ASSERT_TRUE(c_.CreateCollection(spec, kCall).ok());
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> u(0, 1);
    seed_.resize(1000 * kDim);
    for (auto& x : seed_) x = u(rng);
    auto ins = c_.Insert("failover_test", {milvus::FloatVectorColumn("embedding", kDim, seed_)}, 1000, kCall);
    ASSERT_TRUE(ins.ok()) << ins.status().ToString();
    ASSERT_TRUE(c_.CreateIndex("failover_test", "embedding", {}, kCall).ok());
    ASSERT_TRUE(c_.WaitIndex("failover_test", milvus::Deadline(30000)).ok());
    Status s = c_.LoadAndWait("failover_test", 3, milvus::Deadline(30000));
    ASSERT_TRUE(s.ok()) << s.ToString();
    traffic_ = std::make_unique<Traffic>(lab_.front_door(), "failover_test", kDim,
                                         std::vector<float>(seed_.begin(), seed_.begin() + kDim));
  }
  // Runs traffic for `before`, applies `fault` (CLI args), keeps traffic for `after`.
  Summary RunFault(std::vector<std::vector<std::string>> faults, std::chrono::milliseconds after) {
    traffic_->Start(25, 25);
    std::this_thread::sleep_for(std::chrono::seconds(1));
    auto fault_at = Clock::now();
    for (auto& f : faults) {
      std::string out;
      EXPECT_EQ(lab_.Cli(f, &out), 0) << out;
    }
    std::this_thread::sleep_for(after);
    traffic_->Stop();
    ops_ = traffic_->ops();
    return Summarize(ops_, fault_at);
  }
  void ExpectNoLostOrDuplicatedInsert(const Summary& s) {
    std::set<int64_t> ids;
    uint64_t last_ts = 0;
    for (const Op* op : s.acked_inserts) {
      EXPECT_GT(op->ts, last_ts) << "an acknowledged insert's timestamp went backwards";
      last_ts = op->ts;
      for (int64_t id : op->ids) EXPECT_TRUE(ids.insert(id).second) << "auto_id " << id << " issued twice";
    }
    auto count = c_.Count("failover_test", "", milvus::pb::Strong, kCall);
    ASSERT_TRUE(count.ok()) << count.status().ToString();
    int64_t acked = 1000 + 5 * static_cast<int64_t>(s.acked_inserts.size());
    EXPECT_GE(count.value(), acked) << "acknowledged rows lost";
    EXPECT_LE(count.value(), acked + 5 * s.unknown_inserts) << "rows appeared that no insert could explain";
  }
  HaLabProcess lab_;
  milvus::MilvusClient c_;
  std::vector<float> seed_;
  std::unique_ptr<Traffic> traffic_;
  std::vector<Op> ops_;
};

void Print(const char* what, const Summary& s) {
  std::printf("%s: searches %d (failed %d, outage %.2f s), inserts %d (failed %d, unknown %d, outage %.2f s)\n", what,
              s.searches, s.search_failures, s.search_outage_s, s.inserts, s.insert_failures, s.unknown_inserts,
              s.insert_outage_s);
}

TEST_F(HaFailover, KillActiveCoordinator) {
  std::string before;
  for (int i = 0; i < 50 && before.empty(); ++i) {  // the supervisor's view, polled for up to 5 s
    before = lab_.ActiveCoordinator();
    if (before.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_FALSE(before.empty()) << "no coordinator reported active";
  auto s = RunFault({{"lab", "kill", "-l", "app=milvus-rootcoord", "--mode", "active"}}, std::chrono::seconds(6));
  Print("coordinator kill -9", s);
  EXPECT_FALSE(lab_.ActiveCoordinator().empty()) << "no coordinator active after the kill";
  ASSERT_FALSE(ops_.empty());
  EXPECT_TRUE(ops_.back().status.ok() || ops_[ops_.size() - 2].status.ok()) << "service did not resume";
  EXPECT_LT(s.insert_outage_s, 5.0);
  ExpectNoLostOrDuplicatedInsert(s);
}

TEST_F(HaFailover, KillQueryNodeCostsNoSearch) {
  auto s = RunFault({{"lab", "kill", "-l", "app=milvus-querynode", "--mode", "one"}}, std::chrono::seconds(4));
  Print("querynode kill -9", s);
  EXPECT_GT(s.searches, 100);
  EXPECT_EQ(s.search_failures, 0);
  ExpectNoLostOrDuplicatedInsert(s);
  // Three nodes, three replicas: the count is back (each replica on a distinct live
  // node) once the node restarts and registers again.
  EXPECT_TRUE(WaitPlaced(&c_, "failover_test", 3, {}, std::chrono::seconds(15)));
}

TEST_F(HaFailover, KillProxyAndThenProxyWithQueryNode) {
  auto s = RunFault({{"lab", "kill", "-l", "app=milvus-proxy", "--mode", "one"}}, std::chrono::seconds(4));
  Print("proxy kill -9", s);
  ASSERT_GE(ops_.size(), 10u);
  for (size_t i = ops_.size() - 10; i < ops_.size(); ++i) EXPECT_TRUE(ops_[i].status.ok()) << "not resumed";
  ExpectNoLostOrDuplicatedInsert(s);

  traffic_ = std::make_unique<Traffic>(lab_.front_door(), "failover_test", kDim,
                                       std::vector<float>(seed_.begin(), seed_.begin() + kDim));
  auto both = RunFault({{"lab", "kill", "-l", "app=milvus-proxy", "--mode", "one"},
                        {"lab", "kill", "-l", "app=milvus-querynode", "--mode", "one"}},
                       std::chrono::seconds(4));
  Print("proxy + querynode kill -9", both);
  ASSERT_GE(ops_.size(), 10u);
  for (size_t i = ops_.size() - 10; i < ops_.size(); ++i) EXPECT_TRUE(ops_[i].status.ok()) << "not resumed";
}

TEST_F(HaFailover, KillEverythingThenEveryAcknowledgedRowIsBack) {
  traffic_->Start(0, 25);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  std::string out;
  ASSERT_EQ(lab_.Cli({"lab", "kill", "-l", "", "--mode", "all"}, &out), 0) << out;
  traffic_->Stop();
  ops_ = traffic_->ops();
  Summary s = Summarize(ops_, Clock::now());
  ASSERT_GT(s.acked_inserts.size(), 10u);
  // Everything restarts; the data, index and load state come back from etcd and storage.
  auto until = Clock::now() + std::chrono::seconds(30);
  Result<int64_t> count = Status::Internal("not tried");
  milvus::MilvusClient c;
  while (Clock::now() < until) {
    milvus::ConnectOptions o;
    o.address = lab_.front_door();
    if (c.Connect(o, milvus::Deadline(1000)).ok()) {
      count = c.Count("failover_test", "", milvus::pb::Strong, milvus::Deadline(3000));
      if (count.ok()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  ASSERT_TRUE(count.ok()) << "service did not come back: " << count.status().ToString();
  int64_t acked = 1000 + 5 * static_cast<int64_t>(s.acked_inserts.size());
  EXPECT_GE(count.value(), acked);
  EXPECT_LE(count.value(), acked + 5 * (s.inserts - static_cast<int>(s.acked_inserts.size())));
  EXPECT_EQ(c.LoadState("failover_test", kCall).value(), milvus::pb::LoadStateLoaded);
  auto idx = c.DescribeIndex("failover_test", kCall);
  ASSERT_TRUE(idx.ok());
  EXPECT_EQ(idx->index_type, "IVF_FLAT");
  std::printf("kill -9 everything: %zu acknowledged inserts, count(*) %lld after restart (>= %lld)\n",
              s.acked_inserts.size(), static_cast<long long>(count.value()), static_cast<long long>(acked));
}

// One coordinator's leadership as its log reports it: wall-clock ms from winning
// to the last instant it could have served (its local lease deadline).
struct Leadership {
  std::string who;
  int64_t since = 0, until = INT64_MAX;  // until MAX: still leading
};

std::vector<Leadership> LeadershipsFromLogs(const std::string& dir) {
  std::vector<Leadership> out;
  std::regex active(R"(coordinator (\S+): active \(term \d+\) since_unix_ms=(\d+))");
  std::regex standby(R"(coordinator (\S+): standby .* served_until_unix_ms=(\d+))");
  for (int i = 0; i < 2; ++i) {
    std::ifstream in(dir + "/logs/coordinator-" + std::to_string(i) + ".log");
    for (std::string line; std::getline(in, line);) {
      std::smatch m;
      if (std::regex_search(line, m, active))
        out.push_back({m[1], std::stoll(m[2])});
      else if (std::regex_search(line, m, standby) && !out.empty() && out.back().who == m[1].str())
        out.back().until = std::stoll(m[2]);
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.since < b.since; });
  return out;
}

// Test 5 of the lab: the active coordinator cut off from everything (etcd included)
// by its network namespace's link going down, with traffic running.
TEST_F(HaFailover, PartitionActiveCoordinatorNeverTwoActives) {
  if (lab_.Status().network() != "netns") GTEST_SKIP() << "partitions need root (the lab's network namespaces)";
  std::string before = lab_.ActiveCoordinator();
  ASSERT_FALSE(before.empty());
  traffic_->Start(25, 25);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  auto fault_at = Clock::now();
  std::string out;
  ASSERT_EQ(lab_.Cli({"lab", "partition", "-l", "app=milvus-rootcoord", "--mode", "active", "--for", "6s"}, &out), 0)
      << out;
  std::string after;
  double takeover_s = -1, rejoin_s = -1;
  while (Clock::now() < fault_at + std::chrono::seconds(14) && rejoin_s < 0) {
    auto st = lab_.Status();
    for (const auto& c : st.components()) {
      if (c.state() == "active" && c.name() != before && takeover_s < 0) {
        after = c.name();
        takeover_s = std::chrono::duration<double>(Clock::now() - fault_at).count();
      }
      if (c.name() == before && c.state() == "standby" && takeover_s >= 0)
        rejoin_s = std::chrono::duration<double>(Clock::now() - fault_at).count();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));
  traffic_->Stop();
  ops_ = traffic_->ops();
  Summary s = Summarize(ops_, fault_at);
  Print("partition of the active coordinator", s);
  std::printf("standby active after %.2f s; partitioned one back as standby %.2f s after the fault (heal at 6 s)\n",
              takeover_s, rejoin_s);
  EXPECT_GT(takeover_s, 0) << "the standby never became active";
  EXPECT_LT(takeover_s, 6.0);
  EXPECT_GE(rejoin_s, 6.0) << "the partitioned coordinator cannot report before the heal";
  EXPECT_GT(rejoin_s, 0) << "the old active did not rejoin as standby after the heal";
  EXPECT_EQ(lab_.ActiveCoordinator(), after) << "the old active took over again after the heal";
  EXPECT_EQ(s.search_failures, 0) << "searches do not need the coordinator";
  EXPECT_LT(s.insert_outage_s, 5.0);
  ASSERT_GE(ops_.size(), 10u);
  for (size_t i = ops_.size() - 10; i < ops_.size(); ++i) EXPECT_TRUE(ops_[i].status.ok()) << "not resumed";
  ExpectNoLostOrDuplicatedInsert(s);
  // The coordinators' own account: leaderships never overlap in time.
  auto leaderships = LeadershipsFromLogs(lab_.dir());
  ASSERT_GE(leaderships.size(), 2u) << "expected the old and the new leadership in the logs";
  for (size_t i = 1; i < leaderships.size(); ++i) {
    EXPECT_LT(leaderships[i - 1].until, leaderships[i].since)
        << leaderships[i - 1].who << " could still serve when " << leaderships[i].who << " became active";
    std::printf("leadership %s until %lld, %s since %lld: gap %lld ms\n", leaderships[i - 1].who.c_str(),
                static_cast<long long>(leaderships[i - 1].until), leaderships[i].who.c_str(),
                static_cast<long long>(leaderships[i].since),
                static_cast<long long>(leaderships[i].since - leaderships[i - 1].until));
  }
}

// Packet loss on both proxies' links: 100 % stops every request through the front
// door, and service is back once the fault expires.
TEST_F(HaFailover, TotalPacketLossOnProxiesThenRecovery) {
  if (lab_.Status().network() != "netns") GTEST_SKIP() << "packet loss needs root (the lab's network namespaces)";
  std::string out;
  ASSERT_EQ(lab_.Cli({"lab", "loss", "-l", "app=milvus-proxy", "--mode", "all", "--loss", "100", "--for", "3s"}, &out),
            0)
      << out;
  milvus::MilvusClient c;
  milvus::ConnectOptions o;
  o.address = lab_.front_door();
  Status during = c.Connect(o, milvus::Deadline(1000));
  if (during.ok()) during = c.Count("failover_test", "", milvus::pb::Strong, milvus::Deadline(1000)).status();
  EXPECT_FALSE(during.ok()) << "a request got through 100 % packet loss";
  std::this_thread::sleep_for(std::chrono::seconds(3));
  Result<int64_t> count = Status::Internal("not tried");
  for (int i = 0; i < 20 && !count.ok(); ++i) {
    milvus::MilvusClient again;
    if (again.Connect(o, milvus::Deadline(1000)).ok())
      count = again.Count("failover_test", "", milvus::pb::Strong, milvus::Deadline(2000));
    if (!count.ok()) std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  ASSERT_TRUE(count.ok()) << "no recovery after the loss expired: " << count.status().ToString();
  EXPECT_EQ(count.value(), 1000);
}

// Without network namespaces the lab runs on loopback, and a partition request is
// refused with a reason instead of pretending.
TEST(HaLabLoopback, PartitionIsRefusedClearly) {
  HaLabProcess lab;
  std::string out;
  ASSERT_TRUE(lab.Up(
      &out, {"--network", "loopback", "--etcd", "1", "--coordinators", "1", "--querynodes", "1", "--proxies", "1"}))
      << out;
  EXPECT_EQ(lab.Status().network(), "loopback");
  out.clear();
  EXPECT_NE(lab.Cli({"lab", "partition", "-l", "app=milvus-rootcoord", "--for", "2s"}, &out), 0);
  EXPECT_NE(out.find("loopback"), std::string::npos) << out;
  auto status = lab.Status();
  for (const auto& comp : status.components()) EXPECT_NE(comp.state(), "partitioned");
}

TEST(ReplicaPlacement, MovesOffDeadNodesOntoFreeOnesFewestFirst) {
  // Replicas 100..102 on nodes 1, 2, 3; node 2 dies; node 4 is free.
  std::vector<lab::ReplicaSlot> now = {{100, 1}, {101, 2}, {102, 3}};
  auto next = lab::PlaceReplicas(now, 3, {1, 3, 4}, {{1, 1}, {3, 1}}, 100);
  ASSERT_EQ(next.size(), 3u);
  EXPECT_EQ(next[0].node, 1);
  EXPECT_EQ(next[1].node, 4);  // the only live node without one
  EXPECT_EQ(next[2].node, 3);
  // Not enough nodes: the replica waits, unplaced, never doubled up on a node.
  auto short_of = lab::PlaceReplicas(now, 3, {1, 3}, {}, 100);
  EXPECT_EQ(short_of[1].node, 0);
  // Fewest replicas overall first: node 5 (none) before node 4 (two).
  auto spread = lab::PlaceReplicas({}, 2, {3, 4, 5}, {{3, 1}, {4, 2}}, 200);
  EXPECT_EQ(spread[0].node, 5);
  EXPECT_EQ(spread[1].node, 3);
  EXPECT_EQ(spread[0].id, 200);
  std::vector<lab::ReplicaSlot> back;
  ASSERT_TRUE(lab::ParsePlacement(lab::PlacementJson(next), &back));
  EXPECT_EQ(back.size(), 3u);
  EXPECT_EQ(back[1].node, 4);
  EXPECT_FALSE(lab::ParsePlacement("{\"id\":1}", &back));
}

// Four query nodes, three replicas: when a node holding one dies and stays down,
// the active coordinator moves its replica to the fourth node.
TEST(HaReplicas, RestoredOnTheSurvivorsWhenANodeStaysDown) {
  HaLabProcess lab;
  std::string out;
  ASSERT_TRUE(lab.Up(&out, {"--etcd", "1", "--coordinators", "1", "--querynodes", "4", "--proxies", "1"})) << out;
  milvus::MilvusClient c;
  milvus::ConnectOptions o;
  o.address = lab.front_door();
  ASSERT_TRUE(c.Connect(o, kCall).ok());
  milvus::CollectionSpec spec;
  spec.name = "placement";
  spec.dim = 4;
  ASSERT_TRUE(c.CreateCollection(spec, kCall).ok());
  ASSERT_TRUE(
      c.Insert("placement", {milvus::FloatVectorColumn("embedding", 4, std::vector<float>(40, 0.5f))}, 10, kCall).ok());
  ASSERT_TRUE(c.CreateIndex("placement", "embedding", {}, kCall).ok());
  ASSERT_TRUE(c.WaitIndex("placement", milvus::Deadline(30000)).ok());
  ASSERT_TRUE(c.LoadAndWait("placement", 3, milvus::Deadline(30000)).ok());
  std::vector<milvus::Replica> placed;
  ASSERT_TRUE(WaitPlaced(&c, "placement", 3, {}, std::chrono::seconds(5), &placed));
  int64_t victim = placed[1].node_ids[0];
  // Query node N is "querynode-(N-1)"; down for 20 s (no restart meanwhile).
  auto fault_at = Clock::now();
  ASSERT_EQ(
      lab.Cli({"lab", "kill", "-l", "instance=querynode-" + std::to_string(victim - 1), "--no-restart", "--for", "20s"},
              &out),
      0)
      << out;
  bool restored = WaitPlaced(&c, "placement", 3, {victim}, std::chrono::seconds(15), &placed);
  double took = std::chrono::duration<double>(Clock::now() - fault_at).count();
  std::printf("replica count restored on the survivors %.2f s after the kill of node %lld\n", took,
              static_cast<long long>(victim));
  EXPECT_TRUE(restored) << "replicas still on node " << victim << " or unplaced";
  // `lab status` shows the placement, by node and component.
  std::string status;
  ASSERT_EQ(lab.Cli({"lab", "status"}, &status), 0) << status;
  EXPECT_NE(status.find("replicas of placement:"), std::string::npos) << status;
  for (const auto& r : placed) {
    std::string where = std::to_string(r.id) + " on node " + std::to_string(r.node_ids[0]) + " (querynode-" +
                        std::to_string(r.node_ids[0] - 1) + ")";
    EXPECT_NE(status.find(where), std::string::npos) << where << "\n" << status;
  }
  EXPECT_EQ(status.find("on node " + std::to_string(victim) + " "), std::string::npos) << status;
  // The replicas that were on live nodes did not move.
  std::string logs = ReadFile(lab.dir() + "/logs/coordinator-0.log");
  EXPECT_NE(logs.find("replica " + std::to_string(placed[1].id) + ": node " + std::to_string(victim) + " -> node"),
            std::string::npos)
      << logs;
  size_t moves = 0;
  for (size_t p = logs.find(" -> node "); p != std::string::npos; p = logs.find(" -> node ", p + 1)) ++moves;
  EXPECT_EQ(moves, 4u) << "the 3 initial placements, then one move:\n" << logs;
}

// A second lab asked for the same port range (another data directory) must not take
// over the namespaces of the running one: refused, naming the owner, and the first
// lab keeps its components (same pids) and serves.
TEST(HaLabNetns, SecondLabOnTheSameRangeIsRefused) {
  HaLabProcess lab;
  std::string out;
  ASSERT_TRUE(lab.Up(&out, {"--etcd", "1", "--coordinators", "1", "--querynodes", "1", "--proxies", "1"})) << out;
  auto before = lab.Status();
  if (before.network() != "netns") GTEST_SKIP() << "network namespaces need root";
  std::ifstream state(lab::StateFile(lab.dir()));
  auto j = nlohmann::json::parse(state, nullptr, false);
  ASSERT_FALSE(j.is_discarded());
  const int base = j.value("base_port", 0);
  ASSERT_GT(base, 0);
  std::string other = lab.dir() + "-other";
  std::string second;
  int rc = RunCapture({DrillBinary(),
                       "lab",
                       "up",
                       "--topology",
                       "ha",
                       "--base-port",
                       std::to_string(base),
                       "--etcd",
                       "1",
                       "--coordinators",
                       "1",
                       "--querynodes",
                       "1",
                       "--proxies",
                       "1",
                       "--front-door",
                       "127.0.0.1:" + std::to_string(base + 14),
                       "--data-dir",
                       other,
                       "--timeout",
                       "20"},
                      &second, std::chrono::seconds(60), true);
  EXPECT_NE(rc, 0) << second;
  EXPECT_NE(second.find(lab.dir()), std::string::npos) << second;
  EXPECT_NE(second.find("choose another --base-port"), std::string::npos) << second;
  auto after = lab.Status();
  ASSERT_EQ(after.components_size(), before.components_size());
  for (int i = 0; i < after.components_size(); ++i) {
    EXPECT_EQ(after.components(i).pid(), before.components(i).pid()) << after.components(i).name();
    EXPECT_EQ(after.components(i).restarts(), 0) << after.components(i).name();
  }
  milvus::MilvusClient c;
  milvus::ConnectOptions o;
  o.address = lab.front_door();
  EXPECT_TRUE(c.Connect(o, kCall).ok());
  std::filesystem::remove_all(other);
}

}  // namespace
}  // namespace mdrill::testing

namespace mdrill::testing {
namespace {

// A supervisor that crashes in the middle of a fault leaves none of it behind: its
// components die with it, and the next `lab up` on the same range rebuilds the
// network from nothing (namespaces, bridge, the nftables table with the loss rules),
// so traffic flows again and no rule of the old fault remains.
TEST(HaLabNetns, SupervisorCrashDuringLossLeavesNoFaultBehind) {
  HaLabProcess lab;
  std::string out;
  const std::vector<std::string> small = {"--etcd", "1", "--coordinators", "1", "--querynodes", "1", "--proxies", "1"};
  ASSERT_TRUE(lab.Up(&out, small)) << out;
  if (lab.Status().network() != "netns") GTEST_SKIP() << "packet loss needs root (the lab's network namespaces)";
  std::ifstream state(lab::StateFile(lab.dir()));
  auto j = nlohmann::json::parse(state, nullptr, false);
  ASSERT_FALSE(j.is_discarded());
  const std::string table = "mdrill_" + std::to_string(j.value("base_port", 0));
  ASSERT_EQ(lab.Cli({"lab", "loss", "-l", "app=milvus-proxy", "--mode", "all", "--loss", "100", "--for", "120s"}, &out),
            0)
      << out;
  std::string rules;
  ASSERT_EQ(RunCapture({"nft", "list", "table", "bridge", table}, &rules, std::chrono::seconds(10)), 0);
  ASSERT_NE(rules.find("drop"), std::string::npos) << rules;

  ASSERT_EQ(::kill(j.value("supervisor_pid", 0), SIGKILL), 0);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  ASSERT_TRUE(lab.Up(&out, small)) << out;
  rules.clear();
  (void)RunCapture({"nft", "list", "table", "bridge", table}, &rules, std::chrono::seconds(10));
  EXPECT_EQ(rules.find("drop"), std::string::npos) << "a loss rule outlived its supervisor:\n" << rules;
  milvus::MilvusClient c;
  Connect(&c, lab.front_door());
  auto version = c.GetVersion(kCall);
  EXPECT_TRUE(version.ok()) << version.status().ToString();
}

}  // namespace
}  // namespace mdrill::testing
