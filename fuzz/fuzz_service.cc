// Every Milvus handler of the lab's server, in process, on a real catalog and
// write-ahead log. An input is up to 8 requests: a byte choosing the handler, a
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
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

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
      return Call<pb::DescribeCollectionRequest, pb::DescribeCollectionResponse>(s, &MilvusService::DescribeCollection,
                                                                                 r, bytes);
    }
  }
}

// The request type each op byte chooses (as Run does), for the mutator.
const google::protobuf::Message& RequestType(uint8_t op) {
  switch (op % 12) {
    case 0:
      return pb::CreateCollectionRequest::default_instance();
    case 1:
      return pb::InsertRequest::default_instance();
    case 2:
      return pb::UpsertRequest::default_instance();
    case 3:
      return pb::DeleteRequest::default_instance();
    case 4:
      return pb::CreateIndexRequest::default_instance();
    case 5:
      return pb::LoadCollectionRequest::default_instance();
    case 6:
      return pb::SearchRequest::default_instance();
    case 7:
      return pb::QueryRequest::default_instance();
    case 8:
      return pb::FlushRequest::default_instance();
    case 9:
      return pb::DropCollectionRequest::default_instance();
    case 10:
      return pb::ReleaseCollectionRequest::default_instance();
    default:
      return pb::DescribeCollectionRequest::default_instance();
  }
}

std::string HurtfulString(std::mt19937* rng) {
  static const std::vector<std::string> kStrings = {"",
                                                    "c",
                                                    "c2",
                                                    "id",
                                                    "tag",
                                                    "vec",
                                                    "id > 0",
                                                    "id in [1, 2]",
                                                    "not id > 0",
                                                    std::string(120, '('),
                                                    "tag like \"%\"",
                                                    "json_field[\"a\"] > 1",
                                                    "{\"nprobe\": 1e309}",
                                                    "{\"nlist\": -1}",
                                                    "{",
                                                    "[[[[[[[[",
                                                    "9223372036854775807",
                                                    "-9223372036854775808",
                                                    "1e400",
                                                    "nan",
                                                    "IVF_FLAT",
                                                    "HNSW",
                                                    "L2",
                                                    "IP",
                                                    "COSINE",
                                                    "topk",
                                                    "offset",
                                                    "limit",
                                                    "params",
                                                    "metric_type",
                                                    "index_type",
                                                    "dim",
                                                    "max_length",
                                                    "65536",
                                                    "16385",
                                                    "count(*)",
                                                    "*",
                                                    "%",
                                                    "\xef\xbf\xbd"};
  std::string s = kStrings[(*rng)() % kStrings.size()];
  if ((*rng)() % 4 == 0) s += std::to_string(static_cast<int32_t>((*rng)()));
  return s;
}

// Sets `f` of `m` (one more element when repeated) to a value chosen to hurt.
void Hurt(google::protobuf::Message* m, const google::protobuf::FieldDescriptor* f, std::mt19937* rng) {
  using FD = google::protobuf::FieldDescriptor;
  const auto* r = m->GetReflection();
  static const int64_t kInts[] = {0,
                                  -1,
                                  1,
                                  2,
                                  16384,
                                  16385,
                                  std::numeric_limits<int32_t>::max(),
                                  std::numeric_limits<int32_t>::min(),
                                  std::numeric_limits<int64_t>::max() - 5,
                                  std::numeric_limits<int64_t>::min()};
  static const double kReals[] = {0.0, -0.0, 1e30, -1e30, std::nan(""), INFINITY, 1e-45};
  const int64_t i = (*rng)() % 3 == 0 ? static_cast<int64_t>((*rng)()) : kInts[(*rng)() % std::size(kInts)];
  const double d = kReals[(*rng)() % std::size(kReals)];
  const bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case FD::CPPTYPE_INT32:
      rep ? r->AddInt32(m, f, int32_t(i)) : r->SetInt32(m, f, int32_t(i));
      break;
    case FD::CPPTYPE_INT64:
      rep ? r->AddInt64(m, f, i) : r->SetInt64(m, f, i);
      break;
    case FD::CPPTYPE_UINT32:
      rep ? r->AddUInt32(m, f, uint32_t(i)) : r->SetUInt32(m, f, uint32_t(i));
      break;
    case FD::CPPTYPE_UINT64:
      rep ? r->AddUInt64(m, f, uint64_t(i)) : r->SetUInt64(m, f, uint64_t(i));
      break;
    case FD::CPPTYPE_FLOAT:
      rep ? r->AddFloat(m, f, float(d)) : r->SetFloat(m, f, float(d));
      break;
    case FD::CPPTYPE_DOUBLE:
      rep ? r->AddDouble(m, f, d) : r->SetDouble(m, f, d);
      break;
    case FD::CPPTYPE_BOOL:
      rep ? r->AddBool(m, f, i & 1) : r->SetBool(m, f, i & 1);
      break;
    case FD::CPPTYPE_ENUM:
      rep ? r->AddEnumValue(m, f, int(i % 200)) : r->SetEnumValue(m, f, int(i % 200));
      break;
    case FD::CPPTYPE_STRING: {
      std::string v =
          f->type() == FD::TYPE_BYTES && (*rng)() % 2 ? std::string((*rng)() % 64, char((*rng)())) : HurtfulString(rng);
      rep ? r->AddString(m, f, v) : r->SetString(m, f, v);
      break;
    }
    case FD::CPPTYPE_MESSAGE: {
      google::protobuf::Message* sub = rep ? r->AddMessage(m, f) : r->MutableMessage(m, f);
      const auto* sd = sub->GetDescriptor();
      if (sd->field_count() > 0) Hurt(sub, sd->field((*rng)() % sd->field_count()), rng);
      break;
    }
  }
}

// One field of the request (or of a message already in it) hurt; its serialization.
std::string MutateRequest(uint8_t op, const std::string& bytes, std::mt19937* rng) {
  std::unique_ptr<google::protobuf::Message> m(RequestType(op).New());
  if (!m->ParseFromString(bytes)) m->Clear();
  google::protobuf::Message* at = m.get();
  // Walk into a set sub-message now and then, so depth is reached without growing.
  for (int depth = 0; depth < 3 && (*rng)() % 2 == 0; ++depth) {
    std::vector<const google::protobuf::FieldDescriptor*> set;
    at->GetReflection()->ListFields(*at, &set);
    std::vector<google::protobuf::Message*> subs;
    for (const auto* f : set)
      if (f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
        const auto* r = at->GetReflection();
        if (f->is_repeated())
          subs.push_back(r->MutableRepeatedMessage(at, f, int((*rng)() % r->FieldSize(*at, f))));
        else
          subs.push_back(r->MutableMessage(at, f));
      }
    if (subs.empty()) break;
    at = subs[(*rng)() % subs.size()];
  }
  const auto* d = at->GetDescriptor();
  if (d->field_count() > 0) Hurt(at, d->field((*rng)() % d->field_count()), rng);
  return m->SerializeAsString();
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

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

// Structure-aware mutation: the input as its list of (op, request bytes).
extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  std::mt19937 rng(seed);
  std::vector<std::pair<uint8_t, std::string>> reqs;
  for (size_t at = 0; reqs.size() < 8 && at + 2 <= size;) {
    const size_t len = std::min<size_t>(data[at + 1], size - at - 2);
    reqs.emplace_back(data[at], std::string(reinterpret_cast<const char*>(data + at + 2), len));
    at += 2 + len;
  }
  const unsigned choice = rng() % 4;
  if (choice == 0) return LLVMFuzzerMutate(data, size, max_size);
  if (reqs.empty() || (choice == 1 && reqs.size() < 8)) {
    const uint8_t op = static_cast<uint8_t>(rng());
    reqs.insert(reqs.begin() + static_cast<long>(reqs.empty() ? 0 : rng() % (reqs.size() + 1)),
                {op, MutateRequest(op, "", &rng)});
  } else {
    auto& [op, bytes] = reqs[rng() % reqs.size()];
    bytes = MutateRequest(op, bytes, &rng);
  }
  std::string out;
  for (const auto& [op, bytes] : reqs) {
    if (bytes.size() > 255) return LLVMFuzzerMutate(data, size, max_size);  // a length byte holds 255
    out += static_cast<char>(op);
    out += static_cast<char>(bytes.size());
    out += bytes;
  }
  if (out.size() > max_size) return LLVMFuzzerMutate(data, size, max_size);
  std::copy(out.begin(), out.end(), data);
  return out.size();
}
