// The pymilvus-shaped flow against the real standalone server, through the project's client.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <set>
#include <thread>

#include "lab/flow_helpers.h"
#include "testing/server_process.h"

namespace mdrill::testing {
namespace {

class StandaloneFlow : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string err;
    ASSERT_TRUE(server_.Start(&err)) << err;
    Connect(&c_, server_.address());
  }
  ServerProcess server_{"", {"--segment-rows", "1024"}};
  milvus::MilvusClient c_;
};

TEST_F(StandaloneFlow, SeedFlowCreateInsertIndexLoadSearchQueryDrop) {
  const int dim = 128;
  auto has = c_.HasCollection("failover_test", kCall);
  ASSERT_TRUE(has.ok());
  EXPECT_FALSE(has.value());
  milvus::CollectionSpec spec;
  spec.name = "failover_test";
  spec.dim = dim;
  ASSERT_TRUE(c_.CreateCollection(spec, kCall).ok());
  auto desc = c_.DescribeCollection("failover_test", kCall);
  ASSERT_TRUE(desc.ok());
  ASSERT_EQ(desc->schema().fields_size(), 2);
  EXPECT_EQ(desc->schema().fields(0).fieldid(), 100);
  EXPECT_TRUE(desc->schema().fields(0).autoid());
  EXPECT_EQ(desc->schema().fields(1).type_params(0).value(), "128");
  EXPECT_GT(desc->collectionid(), 0);

  auto vecs = Vectors(3000, dim, 9);  // 3000 rows: two sealed 1024-row segments + growing
  auto ins = c_.Insert("failover_test", {milvus::FloatVectorColumn("embedding", dim, vecs)}, 3000, kCall);
  ASSERT_TRUE(ins.ok()) << ins.status().ToString();
  ASSERT_EQ(ins->int_ids.size(), 3000u);
  EXPECT_EQ(std::set<int64_t>(ins->int_ids.begin(), ins->int_ids.end()).size(), 3000u);
  EXPECT_GT(ins->timestamp, 0u);

  auto no_index = c_.DescribeIndex("failover_test", kCall);
  EXPECT_EQ(no_index.status().code(), 700);
  EXPECT_EQ(no_index.status().error_code(), 25);
  EXPECT_EQ(c_.Load("failover_test", 3, kCall).code(), 700);  // load needs an index

  ASSERT_TRUE(c_.CreateIndex("failover_test", "embedding", {}, kCall).ok());
  ASSERT_TRUE(c_.WaitIndex("failover_test", milvus::Deadline(60000)).ok());
  auto idx = c_.DescribeIndex("failover_test", kCall);
  ASSERT_TRUE(idx.ok());
  EXPECT_EQ(idx->index_type, "IVF_FLAT");
  EXPECT_EQ(idx->metric_type, "L2");
  EXPECT_EQ(idx->total_rows, 3000);
  EXPECT_EQ(idx->state, milvus::pb::Finished);

  auto search_unloaded = c_.Search(OwnVector("failover_test", vecs, 0, dim), kCall);
  EXPECT_EQ(search_unloaded.status().code(), 101);
  ASSERT_TRUE(c_.LoadAndWait("failover_test", 3, milvus::Deadline(30000)).ok());
  EXPECT_EQ(c_.LoadState("failover_test", kCall).value(), milvus::pb::LoadStateLoaded);
  auto reps = c_.GetReplicas("failover_test", kCall);
  ASSERT_TRUE(reps.ok());
  ASSERT_EQ(reps->size(), 1u);  // one process, one in-memory copy: reported as it is
  EXPECT_EQ(reps->at(0).node_ids, std::vector<int64_t>{1});

  for (size_t row : {0u, 1500u, 2999u}) {  // sealed-indexed, sealed-indexed, growing
    auto r = c_.Search(OwnVector("failover_test", vecs, row, dim), kCall);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->hits[0].size(), 10u);
    EXPECT_EQ(r->hits[0][0].id, ins->int_ids[row]);
    EXPECT_FLOAT_EQ(r->hits[0][0].score, 0.0f);
    // The primary key column is in fields_data too (the Node SDK reads ids there).
    ASSERT_GE(r->raw.fields_data_size(), 1);
    EXPECT_EQ(r->raw.fields_data(0).field_name(), "id");
    EXPECT_EQ(r->raw.fields_data(0).scalars().long_data().data(0), ins->int_ids[row]);
  }
  auto count = c_.Count("failover_test", "", milvus::pb::Strong, kCall);
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count.value(), 3000);
  EXPECT_EQ(c_.RowCount("failover_test", kCall).value(), 3000);

  std::string ids = "id in [" + std::to_string(ins->int_ids[1]) + ", " + std::to_string(ins->int_ids[2]) + "]";
  auto q = c_.Query("failover_test", ids, {"id", "embedding"}, -1, milvus::pb::Strong, kCall);
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->fields_data_size(), 2);
  EXPECT_EQ(q->fields_data(0).scalars().long_data().data_size(), 2);
  EXPECT_EQ(q->fields_data(1).vectors().float_vector().data(0), vecs[static_cast<size_t>(dim)]);

  auto del = c_.Delete("failover_test", ids, kCall);
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(del->count, 2);
  EXPECT_EQ(c_.Count("failover_test", "", milvus::pb::Strong, kCall).value(), 2998);
  EXPECT_TRUE(c_.Flush("failover_test", milvus::Deadline(10000)).ok());
  EXPECT_EQ(c_.Count("failover_test", "", milvus::pb::Strong, kCall).value(), 2998);

  ASSERT_TRUE(c_.Release("failover_test", kCall).ok());
  EXPECT_EQ(c_.LoadState("failover_test", kCall).value(), milvus::pb::LoadStateNotLoad);
  ASSERT_TRUE(c_.DropCollection("failover_test", kCall).ok());
  EXPECT_FALSE(c_.HasCollection("failover_test", kCall).value());
  EXPECT_TRUE(c_.ListCollections(kCall)->empty());
}

TEST_F(StandaloneFlow, UpsertReplacesRowsAndVarcharKeys) {
  milvus::CollectionSpec spec;
  spec.name = "docs";
  spec.dim = 4;
  spec.auto_id = false;
  spec.varchar_pk = true;
  ASSERT_TRUE(c_.CreateCollection(spec, kCall).ok());
  std::vector<float> v = {0, 0, 0, 0, 1, 1, 1, 1};
  ASSERT_TRUE(c_.Insert("docs", {milvus::VarCharColumn("id", {"a", "b"}), milvus::FloatVectorColumn("embedding", 4, v)},
                        2, kCall)
                  .ok());
  std::vector<float> v2 = {5, 5, 5, 5};
  auto up =
      c_.Upsert("docs", {milvus::VarCharColumn("id", {"a"}), milvus::FloatVectorColumn("embedding", 4, v2)}, 1, kCall);
  ASSERT_TRUE(up.ok()) << up.status().ToString();
  EXPECT_EQ(up->str_ids, std::vector<std::string>{"a"});
  ASSERT_TRUE(c_.CreateIndex("docs", "embedding", {"FLAT", "L2", "{}"}, kCall).ok());
  ASSERT_TRUE(c_.LoadAndWait("docs", 1, milvus::Deadline(10000)).ok());
  EXPECT_EQ(c_.Count("docs", "", milvus::pb::Strong, kCall).value(), 2);
  auto q = c_.Query("docs", "id == 'a'", {"embedding"}, -1, milvus::pb::Strong, kCall);
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->fields_data(1).vectors().float_vector().data_size(), 4);
  EXPECT_EQ(q->fields_data(1).vectors().float_vector().data(0), 5.0f);
}

// What GetQuerySegmentInfo reports for a collection, and GetPersistentSegmentInfo's
// view of the same segments (the client has no call for either; pymilvus users do).
struct SegmentView {
  int sealed = 0, growing = 0, indexed = 0;
  int64_t rows = 0;
  std::vector<std::pair<int64_t, int64_t>> ids_rows;  // sealed: id, rows
  int persistent_flushed = 0;
  int64_t persistent_rows = 0;
};

SegmentView Segments(const std::string& address, const std::string& collection) {
  auto stub = milvus::pb::MilvusService::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  SegmentView v;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  milvus::pb::GetQuerySegmentInfoRequest req;
  req.set_collectionname(collection);
  milvus::pb::GetQuerySegmentInfoResponse resp;
  EXPECT_TRUE(stub->GetQuerySegmentInfo(&ctx, req, &resp).ok());
  for (const auto& i : resp.infos()) {
    v.rows += i.num_rows();
    if (i.state() == milvus::pb::Growing) {
      ++v.growing;
      continue;
    }
    ++v.sealed;
    v.indexed += i.index_name().empty() ? 0 : 1;
    v.ids_rows.emplace_back(i.segmentid(), i.num_rows());
  }
  grpc::ClientContext ctx2;
  ctx2.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  milvus::pb::GetPersistentSegmentInfoRequest preq;
  preq.set_collectionname(collection);
  milvus::pb::GetPersistentSegmentInfoResponse presp;
  EXPECT_TRUE(stub->GetPersistentSegmentInfo(&ctx2, preq, &presp).ok());
  for (const auto& i : presp.infos()) {
    v.persistent_flushed += i.state() == milvus::pb::Flushed ? 1 : 0;
    v.persistent_rows += i.num_rows();
  }
  return v;
}

// Polls `done` every 200 ms for up to `bound`; returns the time it took, or -1.
template <typename F>
double WaitFor(F done, std::chrono::seconds bound) {
  auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < bound) {
    if (done()) return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return -1;
}

// Frequent flushes (as pymilvus users do) leave many small sealed segments, each
// searched by brute force. The server merges them in the background into one
// segment big enough to index, seals a growing segment left idle, and no answer
// changes on the way, nor after a crash and replay.
TEST(StandaloneCompaction, SmallFlushedSegmentsAreMergedIndexedAndReplayed) {
  const std::string dir = TempDir("compaction");
  auto server = std::make_unique<ServerProcess>(dir);
  std::string err;
  ASSERT_TRUE(server->Start(&err)) << err;
  milvus::MilvusClient c;
  Connect(&c, server->address());
  const int dim = 32;
  const std::string name = "flushy";
  milvus::CollectionSpec spec;
  spec.name = name;
  spec.dim = dim;
  ASSERT_TRUE(c.CreateCollection(spec, kCall).ok());
  ASSERT_TRUE(c.CreateIndex(name, "embedding", {"FLAT", "L2", "{}"}, kCall).ok());  // exact: answers comparable
  ASSERT_TRUE(c.LoadAndWait(name, 1, milvus::Deadline(10000)).ok());

  const int rounds = 40, rows = 50;
  std::vector<float> all;
  auto t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < rounds; ++r) {
    auto v = Vectors(rows, dim, 1000 + static_cast<uint32_t>(r));
    ASSERT_TRUE(c.Insert(name, {milvus::FloatVectorColumn("embedding", dim, v)}, rows, kCall).ok());
    ASSERT_TRUE(c.Flush(name, milvus::Deadline(10000)).ok());
    all.insert(all.end(), v.begin(), v.end());
  }
  const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  SegmentView first = Segments(server->address(), name);
  EXPECT_EQ(first.rows, rounds * rows);
  EXPECT_EQ(first.growing, 0);

  milvus::MilvusClient* client = &c;  // replaced after the restart below
  auto search_all = [&](double* ms_per_search) {
    std::vector<std::vector<milvus::Hit>> hits;
    auto s0 = std::chrono::steady_clock::now();
    for (size_t row = 0; row < static_cast<size_t>(rounds * rows); row += 97) {
      auto r = client->Search(OwnVector(name, all, row, dim), kCall);
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      if (r.ok()) hits.push_back(r->hits[0]);
    }
    if (ms_per_search)
      *ms_per_search = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s0).count() /
                       static_cast<double>(hits.size());
    return hits;
  };
  auto same_hits = [](const auto& a, const auto& b) {
    ASSERT_EQ(a.size(), b.size());
    for (size_t q = 0; q < a.size(); ++q) {
      ASSERT_EQ(a[q].size(), b[q].size());
      for (size_t j = 0; j < a[q].size(); ++j) {
        EXPECT_EQ(a[q][j].id, b[q][j].id) << "query " << q << " hit " << j;
        EXPECT_NEAR(a[q][j].score, b[q][j].score, 1e-4);
      }
    }
  };
  double ms_before = 0, ms_after = 0;
  const auto before = search_all(&ms_before);
  ASSERT_EQ(before.size(), 21u);

  // Merged into at most a couple of segments within a generous bound (the writer
  // looks every 2 s), and the merged one indexed.
  SegmentView merged;
  double took = WaitFor(
      [&] {
        merged = Segments(server->address(), name);
        return merged.sealed <= 2 && merged.indexed >= 1 && merged.growing == 0;
      },
      std::chrono::seconds(60));
  ASSERT_GE(took, 0) << "still " << merged.sealed << " sealed segments, " << merged.indexed << " indexed";
  EXPECT_EQ(merged.rows, rounds * rows);
  EXPECT_EQ(merged.persistent_flushed, merged.sealed);
  EXPECT_EQ(merged.persistent_rows, rounds * rows);
  EXPECT_EQ(c.Count(name, "", milvus::pb::Strong, kCall).value(), rounds * rows);
  const auto after = search_all(&ms_after);
  same_hits(before, after);
  auto idx = c.DescribeIndex(name, kCall);
  ASSERT_TRUE(idx.ok());
  EXPECT_EQ(idx->total_rows, rounds * rows);
  EXPECT_EQ(idx->pending_rows, 0);
  std::printf(
      "[compaction] %d x %d-row insert+flush in %.2f s; sealed segments right after: %d; "
      "merged to %d sealed (%d indexed) %.1f s later; search %.2f ms -> %.2f ms\n",
      rounds, rows, load_s, first.sealed, merged.sealed, merged.indexed, took, ms_before, ms_after);

  // A growing segment that sees no insert is sealed once idle (10 s). Alone among the
  // exactly-searched segments, it is not merged into the indexed one.
  auto extra = Vectors(30, dim, 7);
  ASSERT_TRUE(c.Insert(name, {milvus::FloatVectorColumn("embedding", dim, extra)}, 30, kCall).ok());
  all.insert(all.end(), extra.begin(), extra.end());
  EXPECT_EQ(Segments(server->address(), name).growing, 1);
  SegmentView idle;
  double idle_took = WaitFor(
      [&] {
        idle = Segments(server->address(), name);
        return idle.growing == 0;
      },
      std::chrono::seconds(60));
  ASSERT_GE(idle_took, 0) << idle.growing << " growing, " << idle.sealed << " sealed";
  EXPECT_EQ(idle.rows, rounds * rows + 30);
  EXPECT_EQ(idle.sealed, merged.sealed + 1);
  std::printf("[compaction] idle growing segment sealed after %.1f s\n", idle_took);
  const auto settled = search_all(nullptr);

  // The merges are log records: replay after kill -9 rebuilds the same segments.
  server->Kill9();
  server = std::make_unique<ServerProcess>(dir);
  ASSERT_TRUE(server->Start(&err)) << err;
  milvus::MilvusClient c2;
  Connect(&c2, server->address());
  client = &c2;
  SegmentView replayed = Segments(server->address(), name);
  EXPECT_EQ(replayed.ids_rows, idle.ids_rows);
  EXPECT_EQ(c2.Count(name, "", milvus::pb::Strong, kCall).value(), rounds * rows + 30);
  ASSERT_TRUE(c2.WaitIndex(name, milvus::Deadline(30000)).ok());
  same_hits(settled, search_all(nullptr));
}

TEST(StandaloneAuth, RequiresRootPasswordWhenEnabled) {
  ServerProcess server("", {"--auth"});
  std::string err;
  ASSERT_TRUE(server.Start(&err)) << err;
  milvus::MilvusClient anon;
  milvus::ConnectOptions o;
  o.address = server.address();
  Status s = anon.Connect(o, kCall);
  EXPECT_TRUE(s.IsTransport());
  EXPECT_EQ(s.transport_code(), grpc::StatusCode::UNAUTHENTICATED);
  o.user = "root";
  o.password = "wrong";
  EXPECT_EQ(anon.Connect(o, kCall).transport_code(), grpc::StatusCode::UNAUTHENTICATED);
  o.password = "Milvus";
  EXPECT_TRUE(anon.Connect(o, kCall).ok());
  milvus::MilvusClient token;
  o.user.clear();
  o.token = "root:Milvus";
  EXPECT_TRUE(token.Connect(o, kCall).ok());
  EXPECT_TRUE(token.ListCollections(kCall).ok());

  // Users as pymilvus manages them: a new user signs in; a reset password replaces
  // the old one; a deleted user is refused.
  ASSERT_TRUE(token.CreateUser("app_user", "app-pass-1", kCall).ok());
  EXPECT_EQ(token.ListUsernames(kCall).value(), (std::vector<std::string>{"app_user", "root"}));
  auto sign_in = [&](const std::string& user, const std::string& password) {
    milvus::MilvusClient c;
    milvus::ConnectOptions co;
    co.address = server.address();
    co.user = user;
    co.password = password;
    return c.Connect(co, kCall);
  };
  EXPECT_TRUE(sign_in("app_user", "app-pass-1").ok());
  ASSERT_TRUE(token.ResetPassword("app_user", "app-pass-1", "app-pass-2", kCall).ok());
  EXPECT_EQ(sign_in("app_user", "app-pass-1").transport_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(sign_in("app_user", "app-pass-2").ok());
  ASSERT_TRUE(token.DeleteUser("app_user", kCall).ok());
  EXPECT_EQ(sign_in("app_user", "app-pass-2").transport_code(), grpc::StatusCode::UNAUTHENTICATED);
  // A request without the header says what is missing, as upstream.
  milvus::MilvusClient none;
  milvus::ConnectOptions bare;
  bare.address = server.address();
  Status missing = none.Connect(bare, kCall);
  EXPECT_NE(missing.reason().find("missing authorization in header"), std::string::npos) << missing.reason();
}

// `lab up --tls`: the server speaks only TLS, with a certificate the lab made in its
// data directory; a client trusting it works, a plaintext client or one that does
// not trust it is refused, and a restart keeps the same certificate.
TEST(StandaloneTls, ServesOnlyTlsWithTheLabsCertificate) {
  ServerProcess server("", {"--tls"});
  std::string err;
  ASSERT_TRUE(server.Start(&err)) << err;
  auto connect = [&](bool tls, const std::string& ca, const std::string& name = "") {
    milvus::MilvusClient c;
    milvus::ConnectOptions o;
    o.address = server.address();
    o.tls = tls;
    o.ca_file = ca;
    o.server_name = name;
    Status s = c.Connect(o, kCall);
    if (s.ok()) s = c.ListCollections(kCall).status();
    return s;
  };
  EXPECT_TRUE(connect(true, server.ca_file()).ok());
  EXPECT_FALSE(connect(false, "").ok());
  Status untrusted = connect(true, "");  // the system's roots do not know the lab
  EXPECT_FALSE(untrusted.ok());
  EXPECT_NE(untrusted.reason().find("certificate verify failed"), std::string::npos) << untrusted.reason();
  EXPECT_FALSE(connect(true, server.ca_file(), "not-the-lab.example").ok());  // the name is checked
  Status no_ca = connect(true, server.data_dir() + "/missing.pem");
  EXPECT_EQ(no_ca.code(), code::kParameterInvalid) << no_ca.ToString();
  std::ifstream before_in(server.ca_file());
  const std::string before((std::istreambuf_iterator<char>(before_in)), std::istreambuf_iterator<char>());
  server.Stop();
  ASSERT_TRUE(server.Start(&err)) << err;
  std::ifstream after_in(server.ca_file());
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(after_in)), std::istreambuf_iterator<char>()), before);
  EXPECT_TRUE(connect(true, server.ca_file()).ok());
}

// A second server started on an address already served must not share the port
// (gRPC's default SO_REUSEPORT would let it, and the kernel would split clients
// between two servers with different data): it exits with a clear error and the
// first keeps serving every client.
TEST(StandaloneListen, ASecondServerOnTheSameAddressIsRefused) {
  ServerProcess first;
  std::string err;
  ASSERT_TRUE(first.Start(&err)) << err;
  const std::string dir = TempDir("second");
  Subprocess second;
  ASSERT_TRUE(second.Start({DrillBinary(), "lab", "up", "--topology", "standalone", "--foreground", "--listen",
                            first.address(), "--data-dir", dir},
                           dir + "/server.log", &err))
      << err;
  const bool still_running = !second.Wait(std::chrono::seconds(10));
  if (still_running) second.Stop();
  EXPECT_FALSE(still_running) << "a second server is serving " << first.address();
  std::ifstream log(dir + "/server.log");
  std::string text((std::istreambuf_iterator<char>(log)), {});
  EXPECT_NE(text.find("cannot listen on " + first.address()), std::string::npos) << text;
  // Every new client still reaches the first server.
  for (int i = 0; i < 20; ++i) {
    milvus::MilvusClient c;
    milvus::ConnectOptions o;
    o.address = first.address();
    ASSERT_TRUE(c.Connect(o, kCall).ok()) << i;
  }
}

}  // namespace
}  // namespace mdrill::testing
