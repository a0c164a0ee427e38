// Bad input: each gets a clear Milvus-style error, and the server keeps serving.
// Inputs tried: unknown collection, duplicate collection with another schema, wrong
// dim, wrong field type, missing field, unknown field, NaN and Inf vector values,
// topk 0 and 16385, nprobe 0 and > nlist, unknown index type and metric, malformed
// placeholder group (garbage, wrong vector size, no vectors), malformed expression,
// a 100 MB message, a method outside the subset (UNIMPLEMENTED), and the matrix of
// lab/bad_input_matrix.h (deep nesting, nq, limit + offset, VarChar autoID).
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include <cmath>

#include "lab/bad_input_matrix.h"
#include "lab/flow_helpers.h"
#include "testing/server_process.h"

namespace mdrill::testing {
namespace {

namespace pb = milvus::pb;

class BadInput : public ::testing::Test {
 protected:
  static constexpr int kDim = 8;
  void SetUp() override {
    std::string err;
    ASSERT_TRUE(server_.Start(&err)) << err;
    Connect(&c_, server_.address());
    ids_ = SeedCollection(&c_, "good", kDim, 500, &vecs_);
    channel_ = grpc::CreateChannel(server_.address(), grpc::InsecureChannelCredentials());
    stub_ = pb::MilvusService::NewStub(channel_);
  }
  void TearDown() override {
    // The server is still alive and still answers correctly.
    EXPECT_TRUE(server_.process().running());
    auto r = c_.Search(OwnVector("good", vecs_, 3, kDim), kCall);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->hits[0][0].id, ids_[3]);
    EXPECT_EQ(c_.Count("good", "", pb::Strong, kCall).value(), 500);
  }
  pb::SearchResults RawSearch(const std::string& placeholder, std::vector<std::pair<std::string, std::string>> params,
                              const std::string& dsl = "") {
    pb::SearchRequest req;
    req.set_collection_name("good");
    req.set_placeholder_group(placeholder);
    req.set_dsl(dsl);
    for (auto& [k, v] : params) {
      auto* kv = req.add_search_params();
      kv->set_key(k);
      kv->set_value(v);
    }
    grpc::ClientContext ctx;
    pb::SearchResults resp;
    EXPECT_TRUE(stub_->Search(&ctx, req, &resp).ok());
    EXPECT_TRUE(resp.has_status());
    return resp;
  }
  std::string Placeholder(const std::vector<float>& v, int dim) {
    pb::PlaceholderGroup g;
    auto* ph = g.add_placeholders();
    ph->set_tag("$0");
    ph->set_type(pb::PlaceholderFloatVector);
    for (size_t i = 0; i < v.size() / dim; ++i)
      ph->add_values(std::string(reinterpret_cast<const char*>(v.data() + i * dim), dim * sizeof(float)));
    return g.SerializeAsString();
  }
  ServerProcess server_;
  milvus::MilvusClient c_;
  std::vector<int64_t> ids_;
  std::vector<float> vecs_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<pb::MilvusService::Stub> stub_;
};

#define EXPECT_REASON(status, needle) \
  EXPECT_NE((status).reason().find(needle), std::string::npos) << (status).ToString()

TEST_F(BadInput, UnknownAndDuplicateCollections) {
  auto d = c_.DescribeCollection("nope", kCall);
  EXPECT_EQ(d.status().code(), 100);
  EXPECT_EQ(d.status().error_code(), 4);
  EXPECT_REASON(d.status(), "can't find collection");
  EXPECT_EQ(
      c_.Insert("nope", {milvus::FloatVectorColumn("embedding", kDim, Vectors(1, kDim, 1))}, 1, kCall).status().code(),
      100);
  EXPECT_EQ(c_.DropCollection("nope", kCall).code(), 100);
  milvus::CollectionSpec same;
  same.name = "good";
  same.dim = kDim;
  EXPECT_TRUE(c_.CreateCollection(same, kCall).ok());  // identical: idempotent, as upstream
  milvus::CollectionSpec other = same;
  other.dim = kDim * 2;
  Status s = c_.CreateCollection(other, kCall);
  EXPECT_FALSE(s.ok());
  EXPECT_REASON(s, "duplicate collection");
}

TEST_F(BadInput, InsertShapeAndValues) {
  Status s =
      c_.Insert("good", {milvus::FloatVectorColumn("embedding", kDim + 1, Vectors(2, kDim + 1, 1))}, 2, kCall).status();
  EXPECT_EQ(s.error_code(), 7);  // IllegalDimension
  EXPECT_REASON(s, "dim");
  s = c_.Insert("good", {milvus::Int64Column("embedding", {1, 2})}, 2, kCall).status();
  EXPECT_EQ(s.error_code(), 62);  // SchemaMismatch
  EXPECT_REASON(s, "expected FloatVector");
  s = c_.Insert("good", {}, 2, kCall).status();
  EXPECT_REASON(s, "missed a field `embedding`");
  s = c_.Insert("good",
                {milvus::FloatVectorColumn("embedding", kDim, Vectors(1, kDim, 1)), milvus::Int64Column("extra", {1})},
                1, kCall)
          .status();
  EXPECT_REASON(s, "field extra does not exist");
  s = c_.Insert("good",
                {milvus::Int64Column("id", {1}), milvus::FloatVectorColumn("embedding", kDim, Vectors(1, kDim, 1))}, 1,
                kCall)
          .status();
  EXPECT_REASON(s, "autoID");
  for (float bad : {std::nanf(""), INFINITY, -INFINITY}) {
    auto v = Vectors(2, kDim, 1);
    v[kDim + 3] = bad;
    s = c_.Insert("good", {milvus::FloatVectorColumn("embedding", kDim, v)}, 2, kCall).status();
    EXPECT_REASON(s, "NaN or Inf");
  }
}

TEST_F(BadInput, SearchParameters) {
  std::string ph = Placeholder(std::vector<float>(vecs_.begin(), vecs_.begin() + kDim), kDim);
  auto r = RawSearch(ph, {{"topk", "0"}});
  EXPECT_EQ(r.status().error_code(), pb::IllegalTOPK);
  EXPECT_NE(r.status().reason().find("[1, 16384]"), std::string::npos);
  r = RawSearch(ph, {{"topk", "16385"}});
  EXPECT_EQ(r.status().error_code(), pb::IllegalTOPK);
  r = RawSearch(ph, {{"topk", "10"}, {"params", "{\"nprobe\": 0}"}});
  EXPECT_NE(r.status().reason().find("nprobe"), std::string::npos) << r.status().reason();
  r = RawSearch(ph, {{"topk", "10"}, {"params", "{\"nprobe\": 129}"}});
  EXPECT_NE(r.status().reason().find("nlist=128"), std::string::npos) << r.status().reason();
  r = RawSearch(ph, {{"topk", "10"}, {"metric_type", "IP"}});
  EXPECT_NE(r.status().reason().find("metric type not match"), std::string::npos);
  r = RawSearch(ph, {{"topk", "10"}, {"params", "{not json"}});
  EXPECT_NE(r.status().reason().find("JSON"), std::string::npos);
  r = RawSearch(ph, {{"topk", "10"}}, "embedding > 3");
  EXPECT_NE(r.status().reason().find("vector field"), std::string::npos);
  r = RawSearch(ph, {{"topk", "10"}}, "id in [1, 2");
  EXPECT_NE(r.status().reason().find("cannot parse expression"), std::string::npos);
  auto nan = std::vector<float>(kDim, std::nanf(""));
  r = RawSearch(Placeholder(nan, kDim), {{"topk", "10"}});
  EXPECT_NE(r.status().reason().find("NaN"), std::string::npos);
}

TEST_F(BadInput, MalformedPlaceholderGroup) {
  auto r = RawSearch("\xff\xff garbage", {{"topk", "10"}});
  EXPECT_NE(r.status().reason().find("malformed placeholder group"), std::string::npos) << r.status().reason();
  r = RawSearch(Placeholder(Vectors(1, kDim - 1, 1), kDim - 1), {{"topk", "10"}});
  EXPECT_EQ(r.status().error_code(), pb::IllegalDimension);
  r = RawSearch(pb::PlaceholderGroup().SerializeAsString(), {{"topk", "10"}});
  EXPECT_NE(r.status().reason().find("malformed placeholder group"), std::string::npos);
  r = RawSearch("", {{"topk", "10"}});
  EXPECT_NE(r.status().reason().find("malformed placeholder group"), std::string::npos);
}

TEST_F(BadInput, IndexTypeAndMetric) {
  milvus::CollectionSpec spec;
  spec.name = "fresh";
  spec.dim = kDim;
  ASSERT_TRUE(c_.CreateCollection(spec, kCall).ok());
  Status s = c_.CreateIndex("fresh", "embedding", {"IVF_SQ9", "L2", "{}"}, kCall);
  EXPECT_EQ(s.error_code(), 8);  // IllegalIndexType
  EXPECT_REASON(s, "invalid index type: IVF_SQ9");
  s = c_.CreateIndex("fresh", "embedding", {"IVF_FLAT", "JACCARD", "{}"}, kCall);
  EXPECT_EQ(s.error_code(), 23);  // IllegalMetricType
  s = c_.CreateIndex("fresh", "embedding", {"IVF_FLAT", "L2", "{\"nlist\": 0}"}, kCall);
  EXPECT_REASON(s, "nlist");
  s = c_.CreateIndex("fresh", "id", {"IVF_FLAT", "L2", "{}"}, kCall);
  EXPECT_FALSE(s.ok());
  s = c_.CreateIndex("fresh", "nofield", {"IVF_FLAT", "L2", "{}"}, kCall);
  EXPECT_REASON(s, "non-exist field");
}

TEST_F(BadInput, MalformedQueryExpression) {
  for (const char* expr : {"id >", "id in [1,", "nosuch == 1", "id == 'x'", "((id > 1)"}) {
    auto q = c_.Query("good", expr, {"id"}, -1, pb::Strong, kCall);
    EXPECT_EQ(q.status().code(), 1100) << expr << " -> " << q.status().ToString();
  }
  auto q = c_.Query("good", "", {"id"}, -1, pb::Strong, kCall);
  EXPECT_REASON(q.status(), "empty expression should be used with limit");
  auto d = c_.Delete("good", "", kCall);
  EXPECT_FALSE(d.ok());
}

// Deep nesting, upstream's limits (nq, limit + offset), nested JSON, VarChar autoID.
TEST_F(BadInput, UpstreamLimitsAndDeepInputs) { RunBadInputMatrix(server_.address(), kDim); }

TEST_F(BadInput, HundredMegabyteMessage) {
  size_t n = (100u << 20) / (kDim * sizeof(float));
  std::vector<float> big(n * kDim, 0.5f);
  milvus::MilvusClient c;
  Connect(&c, server_.address());
  auto r = c.Insert("good", {milvus::FloatVectorColumn("embedding", kDim, big)}, static_cast<uint32_t>(n),
                    milvus::Deadline(30000));
  EXPECT_TRUE(r.status().IsTransport());
  EXPECT_EQ(r.status().transport_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << r.status().ToString();
}

TEST_F(BadInput, MethodOutsideTheSubsetIsUnimplemented) {
  grpc::GenericStub generic(channel_);
  grpc::ClientContext ctx;
  grpc::ByteBuffer out;
  grpc::Slice empty("");
  grpc::ByteBuffer in(&empty, 1);
  grpc::CompletionQueue cq;
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> call =
      generic.PrepareUnaryCall(&ctx, "/milvus.proto.milvus.MilvusService/CreateAlias", in, &cq);
  call->StartCall();
  grpc::Status status;
  call->Finish(&out, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  ASSERT_TRUE(cq.Next(&tag, &ok));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
}

}  // namespace
}  // namespace mdrill::testing
