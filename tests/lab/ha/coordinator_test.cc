// Coordinator failover for real: etcd x3 and two coordinator processes; the active
// one is killed with SIGKILL or frozen with SIGSTOP while a client allocates
// timestamps and ids. Asserts: the standby takes over, timestamps never go back,
// no id is issued twice, and two coordinators are never active at once.
#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <thread>

#include "lab.grpc.pb.h"
#include "lab/etcd_fixture.h"
#include "testing/server_process.h"

namespace mdrill::testing {
namespace {

namespace rec = ::milvusdrill::lab;
using Clock = std::chrono::steady_clock;

struct Coord {
  std::string id;
  std::string address;
  Subprocess proc;
  std::unique_ptr<rec::Coordinator::Stub> stub;
};

class CoordinatorFailover : public ::testing::Test {
 protected:
  static constexpr int kTtl = 2;
  void SetUp() override {
    std::string err;
    ASSERT_TRUE(etcd_.Start(&err)) << err;
    for (int i = 0; i < 2; ++i) {
      auto c = std::make_unique<Coord>();
      c->id = "coordinator-" + std::to_string(i);
      c->address = "127.0.0.1:" + std::to_string(FreePort());
      coords_.push_back(std::move(c));
      StartCoord(i);
    }
  }
  void StartCoord(int i) {
    std::string err;
    Coord& c = *coords_[i];
    // A fresh channel: one that saw the old process die may be in a long reconnect backoff.
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 200);
    c.stub = rec::Coordinator::NewStub(grpc::CreateCustomChannel(c.address, grpc::InsecureChannelCredentials(), args));
    ASSERT_TRUE(
        c.proc.Start({DrillBinary(), "lab", "component", "coordinator", "--id", c.id, "--listen", c.address, "--etcd",
                      etcd_.endpoint_list(), "--lease-ttl", std::to_string(kTtl), "--storage", etcd_.dir()},
                     etcd_.dir() + "/" + c.id + ".log", &err))
        << err;
  }
  // -1: unreachable, 0 standby, 1 active.
  int Role(int i) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(300));
    rec::RoleResponse resp;
    if (!coords_[i]->stub->GetRole(&ctx, rec::RoleRequest(), &resp).ok()) return -1;
    return resp.active() ? 1 : 0;
  }
  int WaitActive(std::chrono::seconds limit, int not_this = -1) {
    auto until = Clock::now() + limit;
    while (Clock::now() < until) {
      for (int i = 0; i < 2; ++i)
        if (i != not_this && Role(i) == 1) return i;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }
  // Allocates from whichever coordinator answers; records what was issued.
  bool AllocOnce() {
    for (int i = 0; i < 2; ++i) {
      grpc::ClientContext c1, c2;
      c1.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(300));
      c2.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(300));
      rec::AllocRequest one, ten;
      one.set_count(1);
      ten.set_count(10);
      rec::AllocResponse ts, ids;
      if (!coords_[i]->stub->AllocTimestamp(&c1, one, &ts).ok() || ts.status().code() != 0) continue;
      timestamps_.push_back(ts.begin());
      terms_.push_back(ts.term());
      if (coords_[i]->stub->AllocIds(&c2, ten, &ids).ok() && ids.status().code() == 0)
        id_ranges_.emplace_back(ids.begin(), ids.count());
      return true;
    }
    return false;
  }
  void CheckHistory() {
    ASSERT_GT(timestamps_.size(), 20u);
    for (size_t i = 1; i < timestamps_.size(); ++i) {
      ASSERT_GT(timestamps_[i], timestamps_[i - 1]) << "timestamp went backwards at " << i;
      ASSERT_GE(terms_[i], terms_[i - 1]) << "term went backwards at " << i;
    }
    std::map<uint64_t, uint32_t> ranges(id_ranges_.begin(), id_ranges_.end());
    ASSERT_EQ(ranges.size(), id_ranges_.size()) << "an id range was issued twice";
    uint64_t end = 0;
    for (auto& [begin, count] : ranges) {
      ASSERT_GE(begin, end) << "id ranges overlap";
      end = begin + count;
    }
  }
  EtcdFixture etcd_{3};
  std::vector<std::unique_ptr<Coord>> coords_;
  std::vector<uint64_t> timestamps_;
  std::vector<int64_t> terms_;
  std::vector<std::pair<uint64_t, uint32_t>> id_ranges_;
};

TEST_F(CoordinatorFailover, KillNineActiveStandbyTakesOver) {
  int active = WaitActive(std::chrono::seconds(15));
  ASSERT_GE(active, 0) << "no coordinator became active";
  // The other one answers as standby (it may still be coming up: give it 3 s).
  int other = -1;
  for (int i = 0; i < 30 && other != 0; ++i) {
    other = Role(1 - active);
    if (other != 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(other, 0);
  for (int i = 0; i < 30; ++i) {
    EXPECT_TRUE(AllocOnce());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  auto killed_at = Clock::now();
  coords_[active]->proc.Signal(SIGKILL);
  coords_[active]->proc.Wait(std::chrono::milliseconds(2000));
  // Allocate until the survivor serves again.
  size_t before = timestamps_.size();
  while (timestamps_.size() == before && Clock::now() - killed_at < std::chrono::seconds(kTtl + 10)) {
    AllocOnce();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  double takeover_s = std::chrono::duration<double>(Clock::now() - killed_at).count();
  ASSERT_GT(timestamps_.size(), before) << "the standby never took over";
  EXPECT_EQ(Role(1 - active), 1);
  EXPECT_LT(takeover_s, kTtl + 2.0);
  std::printf("coordinator kill -9: standby served after %.2f s (lease TTL %d s)\n", takeover_s, kTtl);
  for (int i = 0; i < 30; ++i) {
    EXPECT_TRUE(AllocOnce());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // The killed one restarts and rejoins as standby.
  StartCoord(active);
  auto until = Clock::now() + std::chrono::seconds(10);
  while (Role(active) != 0 && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(Role(active), 0);
  EXPECT_EQ(Role(1 - active), 1);
  CheckHistory();
}

TEST_F(CoordinatorFailover, FrozenActiveNeverServesBesideTheNewOne) {
  int active = WaitActive(std::chrono::seconds(15));
  ASSERT_GE(active, 0);
  for (int i = 0; i < 20; ++i) AllocOnce();
  coords_[active]->proc.Signal(SIGSTOP);  // it cannot renew its lease, and does not know
  int other = WaitActive(std::chrono::seconds(kTtl + 10), active);
  ASSERT_EQ(other, 1 - active) << "the standby did not take over from a frozen active";
  for (int i = 0; i < 20; ++i) AllocOnce();
  coords_[active]->proc.Signal(SIGCONT);  // wakes up believing nothing happened
  int both = 0;
  for (int i = 0; i < 100; ++i) {  // two seconds of sampling right after it wakes
    int a = Role(active), b = Role(other);
    both += (a == 1 && b == 1) ? 1 : 0;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(300));
    rec::AllocRequest one;
    one.set_count(1);
    rec::AllocResponse ts;
    if (coords_[active]->stub->AllocTimestamp(&ctx, one, &ts).ok() && ts.status().code() == 0) {
      timestamps_.push_back(ts.begin());  // an old leader handing out values: must still be in order
      terms_.push_back(ts.term());
    }
    AllocOnce();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(both, 0) << "two coordinators reported active at the same time";
  EXPECT_EQ(Role(active), 0);
  CheckHistory();
}

}  // namespace
}  // namespace mdrill::testing
