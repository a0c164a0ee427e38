// Durability: inserts acknowledged before a kill -9 are all there after a restart,
// none twice, with the index and load state back.
#include <gtest/gtest.h>

#include <atomic>
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
