#include "lab/server/milvus_service.h"

#include <chrono>
#include <random>

#include "lab/server/convert.h"
#include "util/base64.h"

namespace mdrill::lab {

namespace {

Status DbCheck(const std::string& db) {
  if (db.empty() || db == "default") return Status::OK();
  return Status(800, legacy::kUnexpectedError, "database not found[database=" + db + "]");
}

void AddKv(google::protobuf::RepeatedPtrField<pb::KeyValuePair>* kvs, const std::string& k, const std::string& v) {
  auto* kv = kvs->Add();
  kv->set_key(k);
  kv->set_value(v);
}

}  // namespace

MilvusService::MilvusService(Catalog* catalog, ServiceOptions options)
    : catalog_(catalog), options_(std::move(options)) {
  std::random_device rd;
  next_identifier_ = static_cast<int64_t>((static_cast<uint64_t>(rd()) << 20) | 1);
}

grpc::Status AuthorizeRequest(Credentials* credentials, const grpc::ServerContext* ctx) {
  auto it = ctx->client_metadata().find("authorization");
  if (it == ctx->client_metadata().end())
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "missing authorization in header");
  Status s = credentials != nullptr ? credentials->Check(std::string(it->second.data(), it->second.size()))
                                    : Status::Internal("no users");
  if (s.ok()) return grpc::Status::OK;
  if (s.code() != code::kAuthFailed)  // the store could not be read: not the caller's fault
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "auth check failed: " + s.reason());
  return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                      "auth check failure, please check username and password are correct");
}

grpc::Status MilvusService::Authenticated(const Ctx* ctx) const {
  if (!options_.auth_enabled) return grpc::Status::OK;
  return AuthorizeRequest(options_.credentials, ctx);
}

Result<CollectionView> MilvusService::Loaded(const std::string& db, const std::string& name) const {
  Status s = DbCheck(db);
  if (!s.ok()) return s;
  auto v = catalog_->Get(name);
  if (!v.ok()) return v;
  if (!v->loaded)
    return Status(code::kCollectionNotLoaded, legacy::kUnexpectedError,
                  "collection not loaded[collection=" + name + "]");
  return v;
}

grpc::Status MilvusService::Connect(Ctx* ctx, const pb::ConnectRequest*, pb::ConnectResponse* resp) {
  return Handle(ctx, resp->mutable_status(), [&] {
    auto* info = resp->mutable_server_info();
    info->set_build_tags(kLabVersion);
    info->set_deploy_mode(options_.deploy_mode);
    resp->set_identifier(next_identifier_++);
    return Status::OK();
  });
}

grpc::Status MilvusService::GetVersion(Ctx* ctx, const pb::GetVersionRequest*, pb::GetVersionResponse* resp) {
  return Handle(ctx, resp->mutable_status(), [&] {
    resp->set_version(kLabVersion);
    return Status::OK();
  });
}

grpc::Status MilvusService::CheckHealth(Ctx* ctx, const pb::CheckHealthRequest*, pb::CheckHealthResponse* resp) {
  return Handle(ctx, resp->mutable_status(), [&] {
    resp->set_ishealthy(true);
    return Status::OK();
  });
}

grpc::Status MilvusService::AllocTimestamp(Ctx* ctx, const pb::AllocTimestampRequest*,
                                           pb::AllocTimestampResponse* resp) {
  return Handle(ctx, resp->mutable_status(), [&] {
    auto ts = catalog_->AllocTimestamp();
    if (!ts.ok()) return ts.status();
    resp->set_timestamp(ts.value());
    return Status::OK();
  });
}

grpc::Status MilvusService::ListDatabases(Ctx* ctx, const pb::ListDatabasesRequest*, pb::ListDatabasesResponse* resp) {
  return Handle(ctx, resp->mutable_status(), [&] {
    resp->add_db_names("default");
    resp->add_db_ids(1);
    resp->add_created_timestamp(0);
    return Status::OK();
  });
}

grpc::Status MilvusService::HasCollection(Ctx* ctx, const pb::HasCollectionRequest* req, pb::BoolResponse* resp) {
  return Handle(ctx, resp->mutable_status(), [&] {
    Status s = DbCheck(req->db_name());
    if (!s.ok()) return s;
    resp->set_value(catalog_->Get(req->collection_name()).ok());
    return Status::OK();
  });
}

grpc::Status MilvusService::CreateCollection(Ctx* ctx, const pb::CreateCollectionRequest* req, pb::Status* resp) {
  return Handle(ctx, resp, [&] {
    Status s = DbCheck(req->db_name());
    if (!s.ok()) return s;
    pb::CollectionSchema wire;
    if (!wire.ParseFromString(req->schema()))
      return Status::InvalidArgument("the schema bytes are not a serialized CollectionSchema");
    if (wire.name().empty()) wire.set_name(req->collection_name());
    if (wire.name() != req->collection_name())
      return Status::InvalidArgument("collection name (" + req->collection_name() +
                                     ") differs from the schema's name (" + wire.name() + ")");
    engine::CollectionSchema schema;
    if (!(s = SchemaFromProto(wire, &schema)).ok()) return s;
    return catalog_->CreateCollection(std::move(schema), req->shards_num(), req->consistency_level());
  });
}

grpc::Status MilvusService::DescribeCollection(Ctx* ctx, const pb::DescribeCollectionRequest* req,
                                               pb::DescribeCollectionResponse* resp) {
  return Handle(ctx, resp->mutable_status(), [&] {
    Status s = DbCheck(req->db_name());
    if (!s.ok()) return s;
    auto v = catalog_->Get(req->collection_name());
    if (!v.ok()) return v.status();
    SchemaToProto(v->data->schema(), resp->mutable_schema());
    resp->set_collectionid(v->id);
    resp->set_collection_name(v->name);
    resp->set_db_name("default");
    resp->set_shards_num(v->shards);
    resp->set_consistency_level(static_cast<pb::ConsistencyLevel>(v->consistency));
    resp->set_created_timestamp(v->created_ts);
    resp->set_created_utc_timestamp(PhysicalMs(v->created_ts));
    resp->set_num_partitions(1);
    for (int i = 0; i < v->shards; ++i) {
      std::string ch = "by-dev-rootcoord-dml_" + std::to_string(i);
      resp->add_physical_channel_names(ch);
      resp->add_virtual_channel_names(ch + "_" + std::to_string(v->id) + "v" + std::to_string(i));
    }
    return Status::OK();
  });
}

grpc::Status MilvusService::DropCollection(Ctx* ctx, const pb::DropCollectionRequest* req, pb::Status* resp) {
  return Handle(ctx, resp, [&] {
    Status s = DbCheck(req->db_name());
    return s.ok() ? catalog_->DropCollection(req->collection_name()) : s;
  });
}

grpc::Status MilvusService::ShowCollections(Ctx* ctx, const pb::ShowCollectionsRequest* req,
                                            pb::ShowCollectionsResponse* resp) {
  return Handle(ctx, resp->mutable_status(), [&] {
    Status s = DbCheck(req->db_name());
    if (!s.ok()) return s;
    for (const auto& v : catalog_->List()) {
      if (req->type() == 1 && !v.loaded) continue;
      resp->add_collection_names(v.name);
      resp->add_collection_ids(v.id);
      resp->add_created_timestamps(v.created_ts);
      resp->add_created_utc_timestamps(PhysicalMs(v.created_ts));
      resp->add_inmemory_percentages(v.loaded ? 100 : 0);
      resp->add_query_service_available(v.loaded);
      resp->add_shards_num(v.shards);
    }
    return Status::OK();
  });
}

grpc::Status MilvusService::GetCollectionStatistics(Ctx* ctx, const pb::GetCollectionStatisticsRequest* req,
                                                    pb::GetCollectionStatisticsResponse* resp) {
  return Handle(ctx, resp->mutable_status(), [&] {
    Status s = DbCheck(req->db_name());
    if (!s.ok()) return s;
    auto v = catalog_->Get(req->collection_name());
    if (!v.ok()) return v.status();
    AddKv(resp->mutable_stats(), "row_count", std::to_string(v->data->LiveRows()));
    return Status::OK();
  });
}

namespace {

void FillMutation(const MutationOutcome& m, pb::MutationResult* resp) {
  ColumnToIds(m.keys, resp->mutable_ids());
  resp->set_timestamp(m.ts);
  resp->set_acknowledged(true);
}

}  // namespace

// Insert and Upsert differ only in the catalog flag and the counter they fill.
template <typename Req>
Status MilvusService::Write(const Req& req, bool upsert, pb::MutationResult* resp) {
  Status s = DbCheck(req.db_name());
  if (!s.ok()) return s;
  auto v = catalog_->Get(req.collection_name());
  if (!v.ok()) return v.status();
  engine::Batch b;
  if (!(s = BatchFromFieldData(v->data->schema(), req.fields_data(), req.num_rows(), &b)).ok()) return s;
  auto r = catalog_->Insert(req.collection_name(), b, upsert);
  if (!r.ok()) return r.status();
  FillMutation(r.value(), resp);
  if (upsert)
    resp->set_upsert_cnt(r->count);
  else
    resp->set_insert_cnt(r->count);
  for (int64_t i = 0; i < r->count; ++i) resp->add_succ_index(static_cast<uint32_t>(i));
  return Status::OK();
}

grpc::Status MilvusService::Insert(Ctx* ctx, const pb::InsertRequest* req, pb::MutationResult* resp) {
  return Handle(ctx, resp->mutable_status(), [&] { return Write(*req, false, resp); });
}

grpc::Status MilvusService::Upsert(Ctx* ctx, const pb::UpsertRequest* req, pb::MutationResult* resp) {
  return Handle(ctx, resp->mutable_status(), [&] { return Write(*req, true, resp); });
}

grpc::Status MilvusService::Delete(Ctx* ctx, const pb::DeleteRequest* req, pb::MutationResult* resp) {
  return Handle(ctx, resp->mutable_status(), [&] {
    Status s = DbCheck(req->db_name());
    if (!s.ok()) return s;
    auto r = catalog_->Delete(req->collection_name(), req->expr());
    if (!r.ok()) return r.status();
    FillMutation(r.value(), resp);
    resp->set_delete_cnt(r->count);
    return Status::OK();
  });
}

grpc::Status MilvusService::Flush(Ctx* ctx, const pb::FlushRequest* req, pb::FlushResponse* resp) {
  return Handle(ctx, resp->mutable_status(), [&] {
    Status s = DbCheck(req->db_name());
    if (!s.ok()) return s;
    resp->set_db_name("default");
    for (const auto& name : req->collection_names()) {
      std::vector<int64_t> segs;
      uint64_t ts = 0;
      if (!(s = catalog_->Flush(name, &segs, &ts)).ok()) return s;
      auto& ids = (*resp->mutable_coll_segids())[name];
      ids.mutable_data()->Add(segs.begin(), segs.end());
      (*resp->mutable_flush_coll_segids())[name] = ids;
      (*resp->mutable_coll_flush_ts())[name] = ts;
      (*resp->mutable_coll_seal_times())[name] = static_cast<int64_t>(PhysicalMs(ts) / 1000);
    }
    return Status::OK();
  });
}

grpc::Status MilvusService::GetFlushState(Ctx* ctx, const pb::GetFlushStateRequest* req,
                                          pb::GetFlushStateResponse* resp) {
  return Handle(ctx, resp->mutable_status(), [&] {
    // Data is durable in the write-ahead log before any insert is acknowledged.
    if (!req->collection_name().empty()) {
      auto v = catalog_->Get(req->collection_name());
      if (!v.ok()) return v.status();
    }
    resp->set_flushed(true);
    return Status::OK();
  });
}

// Users and passwords. Both SDKs send passwords base64-encoded.
namespace {

Status DecodePassword(const std::string& field, const std::string& in, std::string* out) {
  if (!Base64Decode(in, out)) return Status::InvalidArgument(field + " is not base64, as the SDKs send it");
  return Status::OK();
}

Status NoUsers() { return Status::InvalidArgument("this server does not manage users"); }

}  // namespace

grpc::Status MilvusService::CreateCredential(Ctx* ctx, const pb::CreateCredentialRequest* req, pb::Status* resp) {
  return Handle(ctx, resp, [&] {
    if (options_.credentials == nullptr) return NoUsers();
    std::string password;
    if (Status s = DecodePassword("password", req->password(), &password); !s.ok()) return s;
    return options_.credentials->Create(req->username(), password);
  });
}

grpc::Status MilvusService::UpdateCredential(Ctx* ctx, const pb::UpdateCredentialRequest* req, pb::Status* resp) {
  return Handle(ctx, resp, [&] {
    if (options_.credentials == nullptr) return NoUsers();
    std::string old_password, new_password;
    if (Status s = DecodePassword("oldPassword", req->oldpassword(), &old_password); !s.ok()) return s;
    if (Status s = DecodePassword("newPassword", req->newpassword(), &new_password); !s.ok()) return s;
    return options_.credentials->Update(req->username(), old_password, new_password);
  });
}

grpc::Status MilvusService::DeleteCredential(Ctx* ctx, const pb::DeleteCredentialRequest* req, pb::Status* resp) {
  return Handle(ctx, resp, [&] {
    if (options_.credentials == nullptr) return NoUsers();
    return options_.credentials->Delete(req->username());
  });
}

grpc::Status MilvusService::ListCredUsers(Ctx* ctx, const pb::ListCredUsersRequest*, pb::ListCredUsersResponse* resp) {
  return Handle(ctx, resp->mutable_status(), [&] {
    if (options_.credentials == nullptr) return NoUsers();
    auto users = options_.credentials->List();
    if (!users.ok()) return users.status();
    for (const auto& u : *users) resp->add_usernames(u);
    return Status::OK();
  });
}

}  // namespace mdrill::lab
