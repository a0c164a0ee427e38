// etcd watches (etcd/watch.h) against a real etcd cluster, and what the lab builds
// on them: every committed change under the prefix reaches the watcher, in order
// and nothing outside it; a member killed under the stream costs no event (the
// stream reopens on another member from where it stopped); a standby coordinator
// campaigns when the key goes, not at its next poll; a log tailer applies a
// record when it is committed, not at its next poll.
#include "etcd/watch.h"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "etcd/keys.h"
#include "lab/etcd_fixture.h"
#include "lab/ha/election.h"
#include "lab/ha/etcd_log.h"

namespace mdrill::testing {
namespace {

using Clock = std::chrono::steady_clock;
constexpr etcd::Deadline kRpc{3000};

class WatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(etcd_.Start(&error)) << error;
    client_ = std::make_unique<etcd::EtcdClient>(etcd_.endpoints());
  }
  // Collects what a watcher on `key` reports.
  std::unique_ptr<etcd::Watcher> Watch(const std::string& key, bool prefix) {
    auto w = std::make_unique<etcd::Watcher>(*client_, key, prefix, [this](const auto& events) {
      std::lock_guard<std::mutex> lock(mu_);
      ++calls_;
      for (const auto& e : events)
        seen_.push_back((e.type() == etcdserverpb::Event::DELETE ? "-" : "+") + e.kv().key());
    });
    w->Start();
    return w;
  }
  // Waits until `n` events were seen (10 s).
  bool WaitSeen(size_t n) {
    auto until = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < until) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (seen_.size() >= n) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  std::vector<std::string> Seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

  EtcdFixture etcd_{3};
  std::unique_ptr<etcd::EtcdClient> client_;
  std::mutex mu_;
  int calls_ = 0;
  std::vector<std::string> seen_;
};

TEST_F(WatchTest, EveryChangeUnderThePrefixArrivesInOrderAndNothingElse) {
  auto w = Watch("/w/a/", true);
  while (w->opened() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::vector<std::string> want;
  for (int i = 0; i < 40; ++i) {
    std::string key = "/w/a/" + std::to_string(1000 + i);
    ASSERT_TRUE(client_->Put(key, "v", 0, kRpc).ok());
    ASSERT_TRUE(client_->Put("/w/b/" + std::to_string(i), "v", 0, kRpc).ok());  // outside the prefix
    want.push_back("+" + key);
    if (i % 10 == 9) {
      ASSERT_TRUE(client_->Delete(key, kRpc).ok());
      want.push_back("-" + key);
    }
  }
  ASSERT_TRUE(WaitSeen(want.size()));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // nothing more may come
  EXPECT_EQ(Seen(), want);
  w->Stop();
  const int calls = [this] {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }();
  ASSERT_TRUE(client_->Put("/w/a/after-stop", "v", 0, kRpc).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::lock_guard<std::mutex> lock(mu_);
  EXPECT_EQ(calls_, calls) << "on_change ran after Stop";
}

TEST_F(WatchTest, AMemberKilledUnderTheStreamCostsNoEvent) {
  auto w = Watch("/w/k/", true);
  while (w->opened() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(client_->Put("/w/k/0", "v", 0, kRpc).ok());
  ASSERT_TRUE(WaitSeen(1));
  // The watcher's channel is on the first member (pick_first); writes made while it
  // reconnects elsewhere must still reach it.
  etcd_.Kill(0);
  etcd::EtcdClient others({etcd_.endpoints()[1], etcd_.endpoints()[2]});
  for (int i = 1; i <= 5; ++i) {
    // The killed member may have led: the others elect a leader first. A put that
    // timed out may have landed, so a key may be seen twice, never out of order.
    const auto until = Clock::now() + std::chrono::seconds(20);
    while (!others.Put("/w/k/" + std::to_string(i), "v", 0, kRpc).ok()) ASSERT_LT(Clock::now(), until);
  }
  ASSERT_TRUE(WaitSeen(6)) << "events written while the stream was down were lost";
  std::vector<std::string> firsts;
  for (const auto& e : Seen())
    if (firsts.empty() || firsts.back() != e) firsts.push_back(e);
  EXPECT_EQ(firsts, (std::vector<std::string>{"+/w/k/0", "+/w/k/1", "+/w/k/2", "+/w/k/3", "+/w/k/4", "+/w/k/5"}));
  EXPECT_GE(w->opened(), 2);
}

TEST_F(WatchTest, AStandbyCampaignsWhenTheKeyGoesNotAtItsNextPoll) {
  lab::ElectionOptions o;
  o.key = etcd::ElectionKey("/w-election");
  o.ttl_seconds = 2;
  o.poll = std::chrono::seconds(60);  // only the watch can wake it in time
  o.candidate = "a";
  lab::Election a(client_.get(), o);
  o.candidate = "b";
  lab::Election b(client_.get(), o);
  a.Start([](bool) {});
  auto until = Clock::now() + std::chrono::seconds(10);
  while (!a.IsLeader() && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(a.IsLeader());
  b.Start([](bool) {});
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_FALSE(b.IsLeader());
  const auto stepped_down = Clock::now();
  a.Stop();  // revokes its lease: the key goes at once
  until = Clock::now() + std::chrono::seconds(5);
  while (!b.IsLeader() && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(b.IsLeader());
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - stepped_down).count();
  std::printf("standby active %lld ms after the leader stepped down (poll 60 s)\n", static_cast<long long>(ms));
  EXPECT_LT(ms, 2000);
  b.Stop();
}

TEST_F(WatchTest, ATailerAppliesARecordWhenCommittedNotAtItsNextPoll) {
  lab::Catalog catalog(lab::CatalogOptions{}, nullptr);
  lab::EtcdLogOptions lo;
  lo.prefix = "/w-log";
  lo.poll = std::chrono::seconds(60);
  lab::LogTailer tailer(client_.get(), &catalog, lo);
  tailer.Start();
  ASSERT_TRUE(tailer.CatchUpToCurrent());
  for (uint64_t ts = 100; ts < 105; ++ts) {
    milvusdrill::lab::WalRecord r;
    r.set_ts(ts);
    r.mutable_insert()->set_collection_id(424242);  // applied as a no-op, but counted
    const auto put = Clock::now();
    ASSERT_TRUE(client_->Put(etcd::LogKey(lo.prefix, ts), "I" + r.SerializeAsString(), 0, kRpc).ok());
    while (tailer.max_applied_ts() < ts && Clock::now() < put + std::chrono::seconds(5))
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    ASSERT_EQ(tailer.max_applied_ts(), ts) << "not applied within 5 s of its commit (poll 60 s)";
  }
  tailer.Stop();
}

}  // namespace
}  // namespace mdrill::testing
