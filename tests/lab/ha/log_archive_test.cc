// The HA log's compaction (log_archive.h) against a real etcd: old runs of the log
// move to segment files and leave etcd, and a tailer applies every record exactly
// once whether it reads the records from etcd or from the archive, including while
// the archiver deletes what it is reading, over overlapping segments, and never past
// a damaged segment.
#include "lab/ha/log_archive.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <thread>

#include "etcd/keys.h"
#include "lab/etcd_fixture.h"
#include "lab/ha/election.h"
#include "lab/ha/etcd_log.h"
#include "util/durable_append.h"

namespace mdrill::lab {
namespace {

namespace rec = ::milvusdrill::lab;
using Clock = std::chrono::steady_clock;
const std::string kRoot = "/archive-test";

// Record i: an insert into a collection that does not exist, which a catalog
// applies as a no-op but counts (records_applied) and whose timestamp it tracks.
std::string RecordValue(uint64_t ts) {
  rec::WalRecord r;
  r.set_ts(ts);
  r.mutable_insert()->set_collection_id(424242);
  r.mutable_insert()->set_num_rows(static_cast<uint32_t>(ts % 7));
  return "I" + r.SerializeAsString();
}

class LogArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(etcd_.Start(&error)) << error;
    client_ = std::make_unique<etcd::EtcdClient>(etcd_.endpoints());
    storage_ = etcd_.dir() + "/storage";
    ASSERT_EQ(::mkdir(storage_.c_str(), 0755), 0);
    ElectionOptions eo;
    eo.key = etcd::ElectionKey(kRoot);
    eo.candidate = "test@127.0.0.1:1";
    election_ = std::make_unique<Election>(client_.get(), eo);
    election_->Start([](bool) {});
    const auto until = Clock::now() + std::chrono::seconds(10);
    while (!election_->IsLeader() && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_TRUE(election_->IsLeader());
  }
  void TearDown() override {
    if (election_) election_->Stop();
  }

  void Append(uint64_t from_ts, uint64_t to_ts) {
    for (uint64_t ts = from_ts; ts <= to_ts; ++ts)
      ASSERT_TRUE(client_->Put(etcd::LogKey(kRoot, ts), RecordValue(ts), 0, etcd::Deadline(3000)).ok());
  }
  int64_t Count(const std::string& prefix) {
    auto r = client_->GetPrefix(prefix, etcd::Deadline(5000));
    return r.ok() ? static_cast<int64_t>(r->size()) : -1;
  }
  LogArchiveOptions Options(int64_t records) {
    LogArchiveOptions o;
    o.prefix = kRoot;
    o.storage_dir = storage_;
    o.segment_records = records;
    o.interval = std::chrono::milliseconds(20);
    o.max_segments_per_pass = 1000;
    return o;
  }
  std::unique_ptr<LogArchiver> Archiver(int64_t records) {
    return std::make_unique<LogArchiver>(client_.get(), election_.get(), etcd::ElectionKey(kRoot), Options(records),
                                         [] { return true; });
  }
  EtcdLogOptions TailOptions() {
    EtcdLogOptions o;
    o.prefix = kRoot;
    o.storage_dir = storage_;
    return o;
  }

  testing::EtcdFixture etcd_{1};
  std::unique_ptr<etcd::EtcdClient> client_;
  std::unique_ptr<Election> election_;
  std::string storage_;
};

// A fresh catalog fed by a tailer until it applied `want` records (or 30 s).
struct Replica {
  Replica(etcd::EtcdClient* etcd, EtcdLogOptions o) : catalog(CatalogOptions{}, nullptr), tailer(etcd, &catalog, o) {
    tailer.Start();
  }
  bool WaitFor(int64_t want, std::chrono::seconds within = std::chrono::seconds(30)) {
    const auto until = Clock::now() + within;
    while (tailer.records_applied() < want && Clock::now() < until) {
      tailer.Poke();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // anything applied twice shows now
    return tailer.records_applied() == want;
  }
  Catalog catalog;
  LogTailer tailer;
};

TEST(LogSegment, EveryByteFlipIsRefused) {
  rec::LogArchiveSegment s;
  for (int i = 1; i <= 3; ++i) {
    auto* e = s.add_entries();
    e->set_key(etcd::LogKey(kRoot, static_cast<uint64_t>(i)));
    e->set_value(RecordValue(static_cast<uint64_t>(i)));
    e->set_mod_revision(10 + i);
  }
  const std::string bytes = EncodeLogSegment(s);
  rec::LogArchiveSegment back;
  ASSERT_TRUE(DecodeLogSegment(bytes, &back).ok());
  EXPECT_EQ(back.SerializeAsString(), s.SerializeAsString());
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string damaged = bytes;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x10);
    EXPECT_FALSE(DecodeLogSegment(damaged, &back).ok()) << "flip at byte " << i << " was accepted";
  }
  EXPECT_FALSE(DecodeLogSegment(bytes.substr(0, bytes.size() - 1), &back).ok());
  EXPECT_FALSE(DecodeLogSegment("", &back).ok());
}

TEST_F(LogArchiveTest, FullRunsLeaveEtcdAndAFreshReplicaAppliesEveryRecordOnce) {
  Append(1, 1000);
  auto archiver = Archiver(100);
  auto r = archiver->ArchiveOnce();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // Nine full runs with records after them; the last 100 stay: the log's tail.
  EXPECT_EQ(r->segments, 9);
  EXPECT_EQ(r->records, 900);
  EXPECT_EQ(Count(etcd::LogPrefix(kRoot)), 100);
  EXPECT_EQ(Count(etcd::LogArchivePrefix(kRoot)), 9);
  auto again = archiver->ArchiveOnce();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->segments, 0) << "a run without records after it was archived";

  Replica fresh(client_.get(), TailOptions());
  EXPECT_TRUE(fresh.WaitFor(1000)) << fresh.tailer.records_applied();
  EXPECT_EQ(fresh.tailer.max_applied_ts(), 1000u);
  EXPECT_TRUE(fresh.tailer.CatchUpToCurrent());
}

// The archiver deletes while tailers read, at random moments: a tailer that stays
// live, one that starts in the middle, and one started at the end all apply every
// record once.
TEST_F(LogArchiveTest, TailersMissNothingWhileTheArchiverDeletesUnderThem) {
  Replica live(client_.get(), TailOptions());
  auto archiver = Archiver(37);
  archiver->Start();
  std::mt19937 rng(7);
  std::unique_ptr<Replica> middle;
  uint64_t ts = 0;
  for (int burst = 0; burst < 40; ++burst) {
    const uint64_t n = rng() % 60 + 1;
    Append(ts + 1, ts + n);
    ts += n;
    if (burst == 20) middle = std::make_unique<Replica>(client_.get(), TailOptions());
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 40));
  }
  archiver->Stop();
  const int64_t total = static_cast<int64_t>(ts);
  EXPECT_GT(Count(etcd::LogArchivePrefix(kRoot)), 10) << "the archiver hardly ran";
  EXPECT_LT(Count(etcd::LogPrefix(kRoot)), 100);
  EXPECT_TRUE(live.WaitFor(total)) << live.tailer.records_applied() << " of " << total;
  ASSERT_TRUE(middle);
  EXPECT_TRUE(middle->WaitFor(total)) << middle->tailer.records_applied() << " of " << total;
  Replica late(client_.get(), TailOptions());
  EXPECT_TRUE(late.WaitFor(total)) << late.tailer.records_applied() << " of " << total;
  EXPECT_EQ(late.tailer.max_applied_ts(), ts);
}

// A pass cut short after its put and before its delete leaves archived keys in
// etcd; the next pass deletes them and continues after them, and a segment that
// overlaps earlier ones is applied only from where the reader stood.
TEST_F(LogArchiveTest, OverlappingSegmentsAndLeftoverKeysApplyOnce) {
  Append(1, 300);
  rec::LogArchiveSegment overlap;  // records 1..150, keys left in etcd
  for (uint64_t t = 1; t <= 150; ++t) {
    auto* e = overlap.add_entries();
    e->set_key(etcd::LogKey(kRoot, t));
    e->set_value(RecordValue(t));
  }
  const std::string path = storage_ + "/cut-short.seg";
  ASSERT_TRUE(WriteFileAtomically(path, EncodeLogSegment(overlap)).ok());
  ASSERT_TRUE(client_->Put(etcd::LogArchiveKey(kRoot, etcd::LogKey(kRoot, 150)), path, 0, etcd::Deadline(3000)).ok());
  Replica early(client_.get(), TailOptions());  // reads the overlap segment, then etcd
  EXPECT_TRUE(early.WaitFor(300)) << early.tailer.records_applied();

  auto r = Archiver(100)->ArchiveOnce();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->segments, 1);  // 151..250; 251..300 stay
  EXPECT_EQ(Count(etcd::LogPrefix(kRoot)), 50) << "the leftover archived keys were not deleted";
  Replica fresh(client_.get(), TailOptions());
  EXPECT_TRUE(fresh.WaitFor(300)) << fresh.tailer.records_applied();
}

// A damaged segment stops the reader before it; it never skips to the log after it,
// and goes on once the segment reads again.
TEST_F(LogArchiveTest, ADamagedSegmentIsNeverSkipped) {
  Append(1, 250);
  auto r = Archiver(100)->ArchiveOnce();
  ASSERT_TRUE(r.ok() && r->segments == 2);
  auto segments = client_->GetPrefix(etcd::LogArchivePrefix(kRoot), etcd::Deadline(3000));
  ASSERT_TRUE(segments.ok() && segments->size() == 2);
  const std::string second = segments.value()[1].value;
  std::string bytes;
  {
    std::ifstream in(second, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::string damaged = bytes;
  damaged[damaged.size() / 2] ^= 0x01;
  ASSERT_TRUE(WriteFileAtomically(second, damaged).ok());
  Replica reader(client_.get(), TailOptions());
  EXPECT_FALSE(reader.WaitFor(250, std::chrono::seconds(2)));
  EXPECT_EQ(reader.tailer.records_applied(), 100) << "read past a damaged segment";
  ASSERT_TRUE(WriteFileAtomically(second, bytes).ok());
  EXPECT_TRUE(reader.WaitFor(250)) << reader.tailer.records_applied();
}

}  // namespace
}  // namespace mdrill::lab
