// Requests that once took a server down or were accepted where upstream refuses
// them, each answered with a clear error (or, where valid, a right answer). Shared
// by the standalone server's test and the HA lab's (through its front door): the
// caller checks afterwards that every component is still up and serving.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lab/flow_helpers.h"
#include "milvus.grpc.pb.h"

namespace mdrill::testing {

inline std::string RepeatText(const std::string& piece, int n) {
  std::string out;
  out.reserve(piece.size() * static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) out += piece;
  return out;
}

// Runs the matrix against `address`, where collection `good` (dim `dim`, 500 rows,
// loaded) exists.
inline void RunBadInputMatrix(const std::string& address, int dim) {
  namespace pb = milvus::pb;
  milvus::MilvusClient c;
  Connect(&c, address);
  auto stub = pb::MilvusService::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  auto raw_query = [&](const std::string& expr, std::vector<std::pair<std::string, std::string>> params) {
    pb::QueryRequest req;
    req.set_collection_name("good");
    req.set_expr(expr);
    req.add_output_fields("id");
    req.set_consistency_level(pb::Strong);
    for (auto& [k, v] : params) {
      auto* kv = req.add_query_params();
      kv->set_key(k);
      kv->set_value(v);
    }
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    pb::QueryResults resp;
    grpc::Status g = stub->Query(&ctx, req, &resp);
    EXPECT_TRUE(g.ok()) << g.error_message();
    return resp.status();
  };
  // 1. Nesting: 100000 parentheses, 100000 nots (both crashed the server).
  for (const std::string& expr :
       {RepeatText("(", 100000) + "id > 0" + RepeatText(")", 100000), RepeatText("not ", 100000) + "id > 0"}) {
    pb::Status st = raw_query(expr, {{"limit", "10"}});
    EXPECT_EQ(st.code(), 1100);
    EXPECT_NE(st.reason().find("nested deeper than"), std::string::npos) << st.reason().substr(0, 200);
  }
  // 2. A long flat chain is fine: 20000 terms of "or".
  std::string ors = "id == -1";
  for (int i = 0; i < 20000; ++i) ors += " or id == " + std::to_string(-2 - i);
  EXPECT_EQ(raw_query(ors, {{"limit", "10"}}).code(), 0);
  // 3. offset 2^63 - 5 with a limit (it overflowed into an accepted window).
  pb::Status st = raw_query("id > 0", {{"limit", "10"}, {"offset", "9223372036854775802"}});
  EXPECT_EQ(st.code(), 1100);
  EXPECT_NE(st.reason().find("limit + offset"), std::string::npos) << st.reason();
  // 4. nq 20000 (upstream's cap is 16384).
  pb::SearchRequest sreq;
  sreq.set_collection_name("good");
  pb::PlaceholderGroup g;
  auto* ph = g.add_placeholders();
  ph->set_tag("$0");
  ph->set_type(pb::PlaceholderFloatVector);
  std::vector<float> v(static_cast<size_t>(dim), 0.5f);
  for (int i = 0; i < 20000; ++i) ph->add_values(std::string(reinterpret_cast<const char*>(v.data()), dim * 4));
  sreq.set_placeholder_group(g.SerializeAsString());
  sreq.set_nq(20000);
  auto* kv = sreq.add_search_params();
  kv->set_key("topk");
  kv->set_value("10");
  {
    grpc::ClientContext ctx;
    pb::SearchResults resp;
    ASSERT_TRUE(stub->Search(&ctx, sreq, &resp).ok());
    EXPECT_EQ(resp.status().code(), 1100);
    EXPECT_NE(resp.status().reason().find("nq"), std::string::npos) << resp.status().reason();
  }
  // 5. Search params nested 100000 deep in JSON.
  ph->mutable_values()->DeleteSubrange(1, ph->values_size() - 1);
  sreq.set_placeholder_group(g.SerializeAsString());
  sreq.set_nq(1);
  kv = sreq.add_search_params();
  kv->set_key("params");
  kv->set_value(RepeatText("[", 100000) + RepeatText("]", 100000));
  {
    grpc::ClientContext ctx;
    pb::SearchResults resp;
    ASSERT_TRUE(stub->Search(&ctx, sreq, &resp).ok());
    EXPECT_NE(resp.status().code(), 0);
  }
  // 6. VarChar primary key with autoID: ids generated as text, as upstream (one
  //    insert of it crashed the server, and every restart crashed on replay).
  milvus::CollectionSpec spec;
  spec.name = "varchar_auto";
  spec.dim = dim;
  spec.varchar_pk = true;
  spec.auto_id = true;
  Status s = c.CreateCollection(spec, kCall);
  ASSERT_TRUE(s.ok()) << s.ToString();
  auto ins = c.Insert("varchar_auto", {milvus::FloatVectorColumn("embedding", dim, Vectors(3, dim, 9))}, 3, kCall);
  ASSERT_TRUE(ins.ok()) << ins.status().ToString();
  EXPECT_EQ(ins->str_ids.size(), 3u);
  for (const auto& id : ins->str_ids) EXPECT_FALSE(id.empty());
  EXPECT_EQ(c.RowCount("varchar_auto", kCall).value(), 3);
  EXPECT_TRUE(c.DropCollection("varchar_auto", kCall).ok());
}

}  // namespace mdrill::testing
