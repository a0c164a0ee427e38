// Every Milvus handler of the lab's server, in process, on a real catalog and
// write-ahead log. An input is up to 8 requests: a byte choosing the handler, a
// length, and that many bytes merged (protobuf MergeFromString) into a valid
// request of that kind, so fields are mutated inside requests that otherwise reach
// deep into the handlers (bytes that would not parse on the wire are refused, as
// gRPC refuses them). Properties: no handler crashes, every response carries a
// status, and everything the requests put in the log replays: a catalog opened
// again on the same directory opens, with the same collections and row counts.
#include <google/protobuf/stubs/logging.h>
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>

#include "lab/server/catalog.h"
#include "lab/server/milvus_service.h"
#include "milvus.pb.h"

namespace pb = ::milvus::proto::milvus;
using mdrill::lab::Catalog;
using mdrill::lab::CatalogOptions;
using mdrill::lab::LocalWalLog;
using mdrill::lab::MilvusService;
using mdrill::lab::ServiceOptions;

namespace {

constexpr int kDim = 4;

void Kv(google::protobuf::RepeatedPtrField<pb::KeyValuePair>* kvs, const std::string& k, const std::string& v) {
  auto* kv = kvs->Add();
  kv->set_key(k);
  kv->set_value(v);
}

pb::CollectionSchema Schema(const std::string& name) {
  pb::CollectionSchema s;
  s.set_name(name);
  auto* pk = s.add_fields();
  pk->set_name("id");
  pk->set_is_primary_key(true);
  pk->set_data_type(pb::Int64);
  auto* tag = s.add_fields();
  tag->set_name("tag");
  tag->set_data_type(pb::VarChar);
  Kv(tag->mutable_type_params(), "max_length", "16");
  auto* vec = s.add_fields();
  vec->set_name("vec");
  vec->set_data_type(pb::FloatVector);
  Kv(vec->mutable_type_params(), "dim", std::to_string(kDim));
  return s;
}

void Rows(google::protobuf::RepeatedPtrField<pb::FieldData>* fields, uint32_t* num_rows) {
  auto* id = fields->Add();
  id->set_field_name("id");
  id->set_type(pb::Int64);
  for (int64_t i : {1, 2, 3}) id->mutable_scalars()->mutable_long_data()->add_data(i);
  auto* tag = fields->Add();
  tag->set_field_name("tag");
  tag->set_type(pb::VarChar);
  for (const char* t : {"a", "b", "c"}) tag->mutable_scalars()->mutable_string_data()->add_data(t);
  auto* vec = fields->Add();
  vec->set_field_name("vec");
  vec->set_type(pb::FloatVector);
  vec->mutable_vectors()->set_dim(kDim);
  for (int i = 0; i < 3 * kDim; ++i) vec->mutable_vectors()->mutable_float_vector()->add_data(0.1f * i);
  *num_rows = 3;
}

std::string Placeholder() {
  pb::PlaceholderGroup g;
  auto* ph = g.add_placeholders();
  ph->set_tag("$0");
  ph->set_type(pb::PlaceholderFloatVector);
  float v[kDim] = {0.1f, 0.2f, 0.3f, 0.4f};
  ph->add_values(std::string(reinterpret_cast<const char*>(v), sizeof v));
  return g.SerializeAsString();
}

// What gRPC would hand the handler: bytes that do not parse as the request (a string
// field with invalid UTF-8, say) are refused before any handler runs.
template <typename Req, typename Resp, typename Handler>
void Call(MilvusService* service, Handler handler, Req req, const std::string& bytes) {
  if (!req.MergeFromString(bytes)) return;
  grpc::ServerContext ctx;
  Resp resp;
  grpc::Status g = (service->*handler)(&ctx, &req, &resp);
  (void)g;
}

void Run(MilvusService* s, uint8_t op, const std::string& bytes) {
  switch (op % 12) {
    case 0: {
      pb::CreateCollectionRequest r;
      r.set_collection_name("c2");
      r.set_schema(Schema("c2").SerializeAsString());
      return Call<pb::CreateCollectionRequest, pb::Status>(s, &MilvusService::CreateCollection, r, bytes);
    }
    case 1: {
      pb::InsertRequest r;
      r.set_collection_name("c");
      uint32_t n = 0;
      Rows(r.mutable_fields_data(), &n);
      r.set_num_rows(n);
      return Call<pb::InsertRequest, pb::MutationResult>(s, &MilvusService::Insert, r, bytes);
    }
    case 2: {
      pb::UpsertRequest r;
      r.set_collection_name("c");
      uint32_t n = 0;
      Rows(r.mutable_fields_data(), &n);
      r.set_num_rows(n);
      return Call<pb::UpsertRequest, pb::MutationResult>(s, &MilvusService::Upsert, r, bytes);
    }
    case 3: {
      pb::DeleteRequest r;
      r.set_collection_name("c");
      r.set_expr("id in [1, 2]");
      return Call<pb::DeleteRequest, pb::MutationResult>(s, &MilvusService::Delete, r, bytes);
    }
    case 4: {
      pb::CreateIndexRequest r;
      r.set_collection_name("c");
      r.set_field_name("vec");
      Kv(r.mutable_extra_params(), "index_type", "IVF_FLAT");
      Kv(r.mutable_extra_params(), "metric_type", "L2");
      Kv(r.mutable_extra_params(), "params", "{\"nlist\": 4}");
      return Call<pb::CreateIndexRequest, pb::Status>(s, &MilvusService::CreateIndex, r, bytes);
    }
    case 5: {
      pb::LoadCollectionRequest r;
      r.set_collection_name("c");
      return Call<pb::LoadCollectionRequest, pb::Status>(s, &MilvusService::LoadCollection, r, bytes);
    }
    case 6: {
      pb::SearchRequest r;
      r.set_collection_name("c");
      r.set_placeholder_group(Placeholder());
      r.set_dsl("id > 0");
      r.set_nq(1);
      Kv(r.mutable_search_params(), "topk", "2");
      Kv(r.mutable_search_params(), "params", "{\"nprobe\": 2}");
      return Call<pb::SearchRequest, pb::SearchResults>(s, &MilvusService::Search, r, bytes);
    }
    case 7: {
      pb::QueryRequest r;
      r.set_collection_name("c");
      r.set_expr("id > 0");
      r.add_output_fields("tag");
      Kv(r.mutable_query_params(), "limit", "5");
      return Call<pb::QueryRequest, pb::QueryResults>(s, &MilvusService::Query, r, bytes);
    }
    case 8: {
      pb::FlushRequest r;
      r.add_collection_names("c");
      return Call<pb::FlushRequest, pb::FlushResponse>(s, &MilvusService::Flush, r, bytes);
    }
    case 9: {
      pb::DropCollectionRequest r;
      r.set_collection_name("c2");
      return Call<pb::DropCollectionRequest, pb::Status>(s, &MilvusService::DropCollection, r, bytes);
    }
    case 10: {
      pb::ReleaseCollectionRequest r;
      r.set_collection_name("c");
      return Call<pb::ReleaseCollectionRequest, pb::Status>(s, &MilvusService::ReleaseCollection, r, bytes);
    }
    default: {
      pb::DescribeCollectionRequest r;
      r.set_collection_name("c");
      return Call<pb::DescribeCollectionRequest, pb::DescribeCollectionResponse>(
          s, &MilvusService::DescribeCollection, r, bytes);
    }
  }
}

std::map<std::string, int64_t> Contents(Catalog* catalog) {
  std::map<std::string, int64_t> out;
  for (const auto& v : catalog->List()) out[v.name] = v.data ? v.data->LiveRows() : -1;
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = [] {
    google::protobuf::SetLogHandler(nullptr);  // refused parses are expected here
    return true;
  }();
  (void)quiet;
  static const std::string dir = [] {
    char tmpl[] = "/tmp/mdrill-fuzz-service-XXXXXX";
    return std::string(::mkdtemp(tmpl));
  }();
  std::filesystem::remove(dir + "/wal.log");
  std::map<std::string, int64_t> before;
  {
    CatalogOptions copts;
    LocalWalLog log;
    Catalog catalog(copts, &log);
    if (!log.Open(dir, &catalog).ok()) __builtin_trap();
    MilvusService service(&catalog, ServiceOptions());
    Run(&service, 0, "");  // c2, then rename: the base collection is "c"
    pb::CreateCollectionRequest base;
    base.set_collection_name("c");
    base.set_schema(Schema("c").SerializeAsString());
    Call<pb::CreateCollectionRequest, pb::Status>(&service, &MilvusService::CreateCollection, base, "");
    size_t at = 0;
    for (int n = 0; n < 8 && at + 2 <= size; ++n) {
      uint8_t op = data[at];
      size_t len = std::min<size_t>(data[at + 1], size - at - 2);
      Run(&service, op, std::string(reinterpret_cast<const char*>(data + at + 2), len));
      at += 2 + len;
    }
    before = Contents(&catalog);
  }
  CatalogOptions copts;
  LocalWalLog log;
  Catalog again(copts, &log);
  mdrill::Status replayed = log.Open(dir, &again);
  if (!replayed.ok()) {
    std::fprintf(stderr, "replay failed: %s\n", replayed.reason().c_str());
    __builtin_trap();  // an accepted request wrote a record that does not replay
  }
  if (Contents(&again) != before) __builtin_trap();
  return 0;
}
