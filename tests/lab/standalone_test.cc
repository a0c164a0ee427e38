// The pymilvus-shaped flow against the real standalone server, through the project's client.
#include <gtest/gtest.h>

#include <set>

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
  ASSERT_TRUE(c_.Insert("docs", {milvus::VarCharColumn("id", {"a", "b"}), milvus::FloatVectorColumn("embedding", 4, v)}, 2, kCall).ok());
  std::vector<float> v2 = {5, 5, 5, 5};
  auto up = c_.Upsert("docs", {milvus::VarCharColumn("id", {"a"}), milvus::FloatVectorColumn("embedding", 4, v2)}, 1, kCall);
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
}

}  // namespace
}  // namespace mdrill::testing
