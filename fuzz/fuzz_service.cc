// Every Milvus handler of the lab's server, in process, on a real catalog and
// write-ahead log, all 34 of them. An input is up to 8 requests: a byte choosing the handler, a
// length, and that many bytes merged (protobuf MergeFromString) into a valid
// request of that kind, so fields are mutated inside requests that otherwise reach
// deep into the handlers (bytes that would not parse on the wire are refused, as
// gRPC refuses them). A structure-aware mutator (LLVMFuzzerCustomMutator) edits
// those requests as protobuf messages: one field, found by reflection at any depth,
// set to a value chosen to hurt (limits, overflows, NaN, deep nesting, names that
// exist and that do not); a quarter of the time it leaves the bytes to libFuzzer. Properties: no handler crashes, every
// response carries a status, and everything the requests put in the log replays: a catalog opened again on the same
// directory opens, with the same collections and row counts.
#include <google/protobuf/stubs/logging.h>
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "fuzz_temp_dir.h"
#include "lab/server/catalog.h"
#include "lab/server/milvus_service.h"
#include "milvus.pb.h"
#include "proto_mutator.h"

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
template <typename Req, typename Resp>
void Call(MilvusService* service, grpc::Status (MilvusService::*handler)(grpc::ServerContext*, const Req*, Resp*),
          Req req, const std::string& bytes) {
  if (!req.MergeFromString(bytes)) return;
  grpc::ServerContext ctx;
  Resp resp;
  grpc::Status g = (service->*handler)(&ctx, &req, &resp);
  (void)g;
}

// One handler: its request type (for the mutator) and how to call it with a valid
// base request merged with the input's bytes.
struct Handler {
  const google::protobuf::Message* type;
  std::function<void(MilvusService*, const std::string&)> run;
};

template <typename Req, typename Resp>
Handler H(grpc::Status (MilvusService::*fn)(grpc::ServerContext*, const Req*, Resp*),
          std::function<void(Req*)> base = nullptr) {
  return {&Req::default_instance(), [fn, base](MilvusService* s, const std::string& bytes) {
            Req r;
            if (base) base(&r);
            Call<Req, Resp>(s, fn, r, bytes);
          }};
}

// Every handler of the service; the op byte chooses one (op % size). The first
// twelve keep their numbers from before the table grew.
const std::vector<Handler>& Handlers() {
  using S = MilvusService;
  static const std::vector<Handler> handlers = {
      H(&S::CreateCollection, std::function<void(pb::CreateCollectionRequest*)>([](auto* r) {
        r->set_collection_name("c2");
        r->set_schema(Schema("c2").SerializeAsString());
      })),
      H(&S::Insert, std::function<void(pb::InsertRequest*)>([](auto* r) {
        r->set_collection_name("c");
        uint32_t n = 0;
        Rows(r->mutable_fields_data(), &n);
        r->set_num_rows(n);
      })),
      H(&S::Upsert, std::function<void(pb::UpsertRequest*)>([](auto* r) {
        r->set_collection_name("c");
        uint32_t n = 0;
        Rows(r->mutable_fields_data(), &n);
        r->set_num_rows(n);
      })),
      H(&S::Delete, std::function<void(pb::DeleteRequest*)>([](auto* r) {
        r->set_collection_name("c");
        r->set_expr("id in [1, 2]");
      })),
      H(&S::CreateIndex, std::function<void(pb::CreateIndexRequest*)>([](auto* r) {
        r->set_collection_name("c");
        r->set_field_name("vec");
        Kv(r->mutable_extra_params(), "index_type", "IVF_FLAT");
        Kv(r->mutable_extra_params(), "metric_type", "L2");
        Kv(r->mutable_extra_params(), "params", "{\"nlist\": 4}");
      })),
      H(&S::LoadCollection,
        std::function<void(pb::LoadCollectionRequest*)>([](auto* r) { r->set_collection_name("c"); })),
      H(&S::Search, std::function<void(pb::SearchRequest*)>([](auto* r) {
        r->set_collection_name("c");
        r->set_placeholder_group(Placeholder());
        r->set_dsl("id > 0");
        r->set_nq(1);
        Kv(r->mutable_search_params(), "topk", "2");
        Kv(r->mutable_search_params(), "params", "{\"nprobe\": 2}");
      })),
      H(&S::Query, std::function<void(pb::QueryRequest*)>([](auto* r) {
        r->set_collection_name("c");
        r->set_expr("id > 0");
        r->add_output_fields("tag");
        Kv(r->mutable_query_params(), "limit", "5");
      })),
      H(&S::Flush, std::function<void(pb::FlushRequest*)>([](auto* r) { r->add_collection_names("c"); })),
      H(&S::DropCollection,
        std::function<void(pb::DropCollectionRequest*)>([](auto* r) { r->set_collection_name("c2"); })),
      H(&S::ReleaseCollection,
        std::function<void(pb::ReleaseCollectionRequest*)>([](auto* r) { r->set_collection_name("c"); })),
      H(&S::DescribeCollection,
        std::function<void(pb::DescribeCollectionRequest*)>([](auto* r) { r->set_collection_name("c"); })),
      H(&S::Connect),
      H(&S::GetVersion),
      H(&S::CheckHealth),
      H(&S::AllocTimestamp),
      H(&S::ListDatabases),
      H(&S::HasCollection,
        std::function<void(pb::HasCollectionRequest*)>([](auto* r) { r->set_collection_name("c"); })),
      H(&S::ShowCollections),
      H(&S::GetCollectionStatistics,
        std::function<void(pb::GetCollectionStatisticsRequest*)>([](auto* r) { r->set_collection_name("c"); })),
      H(&S::GetFlushState,
        std::function<void(pb::GetFlushStateRequest*)>([](auto* r) { r->set_collection_name("c"); })),
      H(&S::DescribeIndex,
        std::function<void(pb::DescribeIndexRequest*)>([](auto* r) { r->set_collection_name("c"); })),
      H(&S::GetIndexState,
        std::function<void(pb::GetIndexStateRequest*)>([](auto* r) { r->set_collection_name("c"); })),
      H(&S::GetIndexBuildProgress,
        std::function<void(pb::GetIndexBuildProgressRequest*)>([](auto* r) { r->set_collection_name("c"); })),
      H(&S::DropIndex, std::function<void(pb::DropIndexRequest*)>([](auto* r) {
        r->set_collection_name("c");
        r->set_field_name("vec");
      })),
      H(&S::GetLoadingProgress,
        std::function<void(pb::GetLoadingProgressRequest*)>([](auto* r) { r->set_collection_name("c"); })),
      H(&S::GetLoadState, std::function<void(pb::GetLoadStateRequest*)>([](auto* r) { r->set_collection_name("c"); })),
      H(&S::GetReplicas, std::function<void(pb::GetReplicasRequest*)>([](auto* r) { r->set_collection_name("c"); })),
      H(&S::GetPersistentSegmentInfo,
        std::function<void(pb::GetPersistentSegmentInfoRequest*)>([](auto* r) { r->set_collectionname("c"); })),
      H(&S::GetQuerySegmentInfo,
        std::function<void(pb::GetQuerySegmentInfoRequest*)>([](auto* r) { r->set_collectionname("c"); })),
      H(&S::CreateCredential, std::function<void(pb::CreateCredentialRequest*)>([](auto* r) {
        r->set_username("u1");
        r->set_password("cGFzc3dvcmQ=");  // "password"
      })),
      H(&S::UpdateCredential, std::function<void(pb::UpdateCredentialRequest*)>([](auto* r) {
        r->set_username("root");
        r->set_oldpassword("TWlsdnVz");  // "Milvus"
        r->set_newpassword("cGFzc3dvcmQ=");
      })),
      H(&S::DeleteCredential,
        std::function<void(pb::DeleteCredentialRequest*)>([](auto* r) { r->set_username("u1"); })),
      H(&S::ListCredUsers, std::function<void(pb::ListCredUsersRequest*)>([](auto*) {})),
  };
  return handlers;
}

void Run(MilvusService* s, uint8_t op, const std::string& bytes) { Handlers()[op % Handlers().size()].run(s, bytes); }

const google::protobuf::Message& RequestType(uint8_t op) { return *Handlers()[op % Handlers().size()].type; }

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
  static const std::string dir = FuzzTempDir("service");
  std::filesystem::remove(dir + "/wal.log");
  std::filesystem::remove(dir + "/credentials.json");
  std::map<std::string, int64_t> before;
  {
    CatalogOptions copts;
    LocalWalLog log;
    Catalog catalog(copts, &log);
    if (!log.Open(dir, &catalog).ok()) __builtin_trap();
    auto credential_store = mdrill::lab::FileCredentialStore(dir);
    mdrill::lab::Credentials credentials(credential_store.get());
    ServiceOptions service_options;
    service_options.credentials = &credentials;
    MilvusService service(&catalog, service_options);
    Run(&service, 0, "");  // c2, then rename: the base collection is "c"
    pb::CreateCollectionRequest base;
    base.set_collection_name("c");
    base.set_schema(Schema("c").SerializeAsString());
    Call(&service, &MilvusService::CreateCollection, base, "");
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

// Structure-aware mutation (proto_mutator.h): requests edited as messages.
extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  return fuzz::MutateRequests(data, size, max_size, seed, &RequestType);
}
