// Durability: inserts acknowledged before a kill -9 are all there after a restart,
// none twice, with the index and load state back.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <iterator>
#include <set>
#include <thread>

#include "lab/flow_helpers.h"
#include "testing/server_process.h"

namespace mdrill::testing {
namespace {

TEST(Durability, KillNineMidStreamLosesNoAcknowledgedRow) {
  const int dim = 16;
  std::string dir = TempDir("durability");
  std::vector<int64_t> acked;
  size_t batch = 50;
  {
    ServerProcess server(dir);
    std::string err;
    ASSERT_TRUE(server.Start(&err)) << err;
    milvus::MilvusClient c;
    Connect(&c, server.address());
    acked = SeedCollection(&c, "ledger", dim, 200);
    std::atomic<bool> stop{false};
    std::atomic<int> failures{0};
    std::atomic<size_t> acked_rows{0};
    std::thread writer([&] {
      milvus::MilvusClient w;
      milvus::ConnectOptions o;
      o.address = server.address();
      if (!w.Connect(o, kCall).ok()) return;
      for (int i = 0; i < 300 && !stop; ++i) {  // at most 15000 rows: one query reads them all
        auto r = w.Insert("ledger", {milvus::FloatVectorColumn("embedding", dim, Vectors(batch, dim, 100 + i))},
                          static_cast<uint32_t>(batch), milvus::Deadline(2000));
        if (r.ok()) {
          acked.insert(acked.end(), r->int_ids.begin(), r->int_ids.end());
          acked_rows = acked.size();
        } else {
          ++failures;
        }
      }
    });
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (acked_rows < 3000 && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    server.Kill9();  // mid-stream
    stop = true;
    writer.join();
    EXPECT_GE(failures.load(), 1) << "the kill should have cut the stream";
  }
  ASSERT_GT(acked.size(), 1000u) << "too few inserts acknowledged before the kill to mean anything";

  ServerProcess again(dir);
  std::string err;
  ASSERT_TRUE(again.Start(&err)) << err;
  milvus::MilvusClient c;
  Connect(&c, again.address());
  EXPECT_EQ(c.LoadState("ledger", kCall).value(), milvus::pb::LoadStateLoaded);
  auto idx = c.DescribeIndex("ledger", kCall);
  ASSERT_TRUE(idx.ok());
  EXPECT_EQ(idx->index_type, "IVF_FLAT");
  auto all = c.Query("ledger", "", {"id"}, 16384, milvus::pb::Strong, kCall);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  const auto& got = all->fields_data(0).scalars().long_data().data();
  std::set<int64_t> present(got.begin(), got.end());
  EXPECT_EQ(present.size(), static_cast<size_t>(got.size())) << "an id came back twice";
  size_t lost = 0;
  for (int64_t id : acked) lost += present.count(id) == 0 ? 1 : 0;
  EXPECT_EQ(lost, 0u) << "acknowledged rows lost after kill -9";
  // At most the one batch in flight at the kill may be present without an ack.
  EXPECT_LE(present.size() - acked.size(), batch);
  EXPECT_EQ(c.Count("ledger", "", milvus::pb::Strong, kCall).value(), static_cast<int64_t>(present.size()));
  std::printf("durability: %zu acknowledged rows before kill -9, %zu present after restart, 0 lost\n", acked.size(),
              present.size());
  // Searchable without loading again.
  auto s = c.Search(OwnVector("ledger", Vectors(200, dim, 5), 3, dim), kCall);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_FLOAT_EQ(s->hits[0][0].score, 0.0f);
}

}  // namespace
}  // namespace mdrill::testing

namespace mdrill::testing {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A VarChar primary key with autoID: generated text ids, and the log replays after
// a kill (the record once crashed the server on every replay).
TEST(Durability, VarCharAutoIdInsertReplaysAfterKill) {
  const int dim = 8;
  std::string dir = TempDir("varchar-auto");
  std::vector<std::string> ids;
  {
    ServerProcess server(dir);
    std::string err;
    ASSERT_TRUE(server.Start(&err)) << err;
    milvus::MilvusClient c;
    Connect(&c, server.address());
    milvus::CollectionSpec spec;
    spec.name = "v";
    spec.dim = dim;
    spec.varchar_pk = true;
    ASSERT_TRUE(c.CreateCollection(spec, kCall).ok());
    auto ins = c.Insert("v", {milvus::FloatVectorColumn("embedding", dim, Vectors(5, dim, 1))}, 5, kCall);
    ASSERT_TRUE(ins.ok()) << ins.status().ToString();
    ids = ins->str_ids;
    server.Kill9();
  }
  ASSERT_EQ(ids.size(), 5u);
  ServerProcess again(dir);
  std::string err;
  ASSERT_TRUE(again.Start(&err)) << err << "\n" << ReadAll(dir + "/server.log");
  milvus::MilvusClient c;
  Connect(&c, again.address());
  ASSERT_TRUE(c.CreateIndex("v", "embedding", {"FLAT", "L2", "{}"}, kCall).ok());
  ASSERT_TRUE(c.LoadAndWait("v", 1, milvus::Deadline(30000)).ok());
  auto q = c.Query("v", "id in [\"" + ids[0] + "\", \"" + ids[4] + "\"]", {"id"}, -1, milvus::pb::Strong, kCall);
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->fields_data(0).scalars().string_data().data_size(), 2);
}

// One byte flipped in the middle of the log: the server refuses to start, naming
// the offset and the repair; nothing is dropped until the repair is run, and then
// exactly the records before the damage come back.
TEST(Durability, DamageInTheMiddleOfTheLogRefusesToStart) {
  const int dim = 8;
  std::string dir = TempDir("wal-damage");
  {
    ServerProcess server(dir);
    std::string err;
    ASSERT_TRUE(server.Start(&err)) << err;
    milvus::MilvusClient c;
    Connect(&c, server.address());
    milvus::CollectionSpec spec;
    spec.name = "d";
    spec.dim = dim;
    ASSERT_TRUE(c.CreateCollection(spec, kCall).ok());
    for (int i = 0; i < 10; ++i)
      ASSERT_TRUE(
          c.Insert("d", {milvus::FloatVectorColumn("embedding", dim, Vectors(100, dim, 10 + i))}, 100, kCall).ok());
    // A second server on the same data directory is refused, not a second writer.
    ServerProcess second(dir);
    EXPECT_FALSE(second.Start(&err));
    EXPECT_NE(ReadAll(dir + "/server.log").find("in use by another process"), std::string::npos);
    server.Stop();
  }
  const std::string wal = dir + "/wal.log";
  std::string bytes = ReadAll(wal);
  ASSERT_GT(bytes.size(), 1000u);
  const size_t flip = bytes.size() / 2;
  {
    std::fstream f(wal, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(flip));
    f.put(static_cast<char>(bytes[flip] ^ 0x5a));
  }
  ServerProcess refused(dir);
  std::string err;
  EXPECT_FALSE(refused.Start(&err));
  std::string log = ReadAll(dir + "/server.log");
  auto at = log.find("damaged at byte ");
  ASSERT_NE(at, std::string::npos) << log;
  EXPECT_NE(log.find("milvus-drill lab repair-wal --wal " + wal + " --truncate-at "), std::string::npos) << log;
  EXPECT_EQ(ReadAll(wal).size(), bytes.size()) << "nothing is dropped before the repair";
  const std::string offset = log.substr(at + 16, log.find_first_not_of("0123456789", at + 16) - at - 16);
  ASSERT_LT(std::stoull(offset), flip + 1);

  // A wrong offset (not a record boundary) is refused; the named one works.
  std::string out;
  EXPECT_NE(RunCapture({DrillBinary(), "lab", "repair-wal", "--wal", wal, "--truncate-at", "3"}, &out,
                       std::chrono::seconds(30)),
            0);
  EXPECT_EQ(RunCapture({DrillBinary(), "lab", "repair-wal", "--wal", wal, "--truncate-at", offset}, &out,
                       std::chrono::seconds(30)),
            0)
      << out;
  EXPECT_NE(out.find("bytes after it dropped"), std::string::npos) << out;
  ServerProcess repaired(dir);
  ASSERT_TRUE(repaired.Start(&err)) << err;
  milvus::MilvusClient c;
  Connect(&c, repaired.address());
  auto n = c.RowCount("d", kCall);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_LT(n.value(), 1000);
  EXPECT_EQ(n.value() % 100, 0) << "whole inserts only";
  std::printf("wal damage at byte %zu: refused; repaired at %s, %lld rows of 1000 kept\n", flip, offset.c_str(),
              static_cast<long long>(n.value()));
}

}  // namespace
}  // namespace mdrill::testing
