#include "milvus/client.h"

#include <cstring>
#include <thread>

#include "util/base64.h"
#include "util/read_file.h"

namespace mdrill::milvus {

namespace {

Status FromProto(const pb::Status& s) { return Status(s.code(), static_cast<int>(s.error_code()), s.reason()); }

void AddKv(google::protobuf::RepeatedPtrField<pb::KeyValuePair>* kvs, const std::string& k, const std::string& v) {
  auto* kv = kvs->Add();
  kv->set_key(k);
  kv->set_value(v);
}

// Responses whose type is the Status itself (CreateCollection, ...).
const pb::Status& StatusOf(const pb::Status& s) { return s; }
template <typename Resp>
const pb::Status& StatusOf(const Resp& r) {
  return r.status();
}

MutationInfo ToMutation(const pb::MutationResult& r) {
  MutationInfo m;
  m.int_ids.assign(r.ids().int_id().data().begin(), r.ids().int_id().data().end());
  m.str_ids.assign(r.ids().str_id().data().begin(), r.ids().str_id().data().end());
  m.count = r.insert_cnt() + r.upsert_cnt() + r.delete_cnt();
  m.timestamp = r.timestamp();
  return m;
}

}  // namespace

pb::FieldData FloatVectorColumn(const std::string& name, int dim, const std::vector<float>& data) {
  pb::FieldData f;
  f.set_type(pb::FloatVector);
  f.set_field_name(name);
  f.mutable_vectors()->set_dim(dim);
  f.mutable_vectors()->mutable_float_vector()->mutable_data()->Add(data.begin(), data.end());
  return f;
}

pb::FieldData Int64Column(const std::string& name, const std::vector<int64_t>& values) {
  pb::FieldData f;
  f.set_type(pb::Int64);
  f.set_field_name(name);
  f.mutable_scalars()->mutable_long_data()->mutable_data()->Add(values.begin(), values.end());
  return f;
}

pb::FieldData VarCharColumn(const std::string& name, const std::vector<std::string>& values) {
  pb::FieldData f;
  f.set_type(pb::VarChar);
  f.set_field_name(name);
  auto* d = f.mutable_scalars()->mutable_string_data();
  for (const auto& v : values) d->add_data(v);
  return f;
}

pb::FieldData DoubleColumn(const std::string& name, const std::vector<double>& values) {
  pb::FieldData f;
  f.set_type(pb::Double);
  f.set_field_name(name);
  f.mutable_scalars()->mutable_double_data()->mutable_data()->Add(values.begin(), values.end());
  return f;
}

void MilvusClient::Prepare(grpc::ClientContext* ctx, Deadline d) const {
  ctx->set_deadline(std::chrono::system_clock::now() + d);
  if (!authorization_.empty()) ctx->AddMetadata("authorization", authorization_);
  if (identifier_ != 0) ctx->AddMetadata("identifier", std::to_string(identifier_));
  ctx->AddMetadata("dbname", db_name_);
}

template <typename Req, typename Resp, typename Method>
Status MilvusClient::Call(Method method, const Req& req, Resp* resp, Deadline d) {
  if (!stub_) return Status::Transport(grpc::StatusCode::FAILED_PRECONDITION, "not connected: call Connect first");
  grpc::ClientContext ctx;
  Prepare(&ctx, d);
  grpc::Status g = (stub_.get()->*method)(&ctx, req, resp);
  if (!g.ok()) return Status::Transport(g.error_code(), g.error_message());
  return FromProto(StatusOf(*resp));
}

Status MilvusClient::Connect(const ConnectOptions& o, Deadline d) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  if (o.reconnect == ReconnectProfile::kFast) {
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 20);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  }
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (o.tls) {
    grpc::SslCredentialsOptions ssl;
    if (!o.ca_file.empty()) {
      if (!ReadWholeFile(o.ca_file, &ssl.pem_root_certs) || ssl.pem_root_certs.empty())
        return Status::InvalidArgument("cannot read the CA certificate " + o.ca_file);
    }
    if (!o.server_name.empty()) args.SetSslTargetNameOverride(o.server_name);
    credentials = grpc::SslCredentials(ssl);
  }
  channel_ = grpc::CreateCustomChannel(o.address, credentials, args);
  stub_ = pb::MilvusService::NewStub(channel_);
  db_name_ = o.db_name.empty() ? "default" : o.db_name;
  if (!o.token.empty())
    authorization_ = Base64Encode(o.token);
  else if (!o.user.empty())
    authorization_ = Base64Encode(o.user + ":" + o.password);
  identifier_ = 0;
  pb::ConnectRequest req;
  req.mutable_client_info()->set_sdk_type("milvus-drill");
  req.mutable_client_info()->set_sdk_version("0.1.0");
  req.mutable_client_info()->set_user(o.user);
  pb::ConnectResponse resp;
  Status s = Call(&pb::MilvusService::Stub::Connect, req, &resp, d);
  if (s.ok()) identifier_ = resp.identifier();
  return s;
}

Result<std::string> MilvusClient::GetVersion(Deadline d) {
  pb::GetVersionResponse resp;
  Status s = Call(&pb::MilvusService::Stub::GetVersion, pb::GetVersionRequest(), &resp, d);
  if (!s.ok()) return s;
  return resp.version();
}

Result<bool> MilvusClient::CheckHealth(Deadline d) {
  pb::CheckHealthResponse resp;
  Status s = Call(&pb::MilvusService::Stub::CheckHealth, pb::CheckHealthRequest(), &resp, d);
  if (!s.ok()) return s;
  return resp.ishealthy();
}

Result<uint64_t> MilvusClient::AllocTimestamp(Deadline d) {
  pb::AllocTimestampResponse resp;
  Status s = Call(&pb::MilvusService::Stub::AllocTimestamp, pb::AllocTimestampRequest(), &resp, d);
  if (!s.ok()) return s;
  return resp.timestamp();
}

Status MilvusClient::CreateCollection(const CollectionSpec& spec, Deadline d) {
  pb::CollectionSchema schema;
  schema.set_name(spec.name);
  schema.set_description(spec.description);
  schema.set_autoid(spec.auto_id);
  auto* pk = schema.add_fields();
  pk->set_name(spec.pk_field);
  pk->set_is_primary_key(true);
  pk->set_data_type(spec.varchar_pk ? pb::VarChar : pb::Int64);
  pk->set_autoid(spec.auto_id);
  if (spec.varchar_pk) AddKv(pk->mutable_type_params(), "max_length", "256");
  auto* vec = schema.add_fields();
  vec->set_name(spec.vector_field);
  vec->set_data_type(pb::FloatVector);
  AddKv(vec->mutable_type_params(), "dim", std::to_string(spec.dim));
  for (const auto& f : spec.extra_fields) *schema.add_fields() = f;
  return CreateCollection(spec.name, schema, spec.consistency, spec.shards, d);
}

Status MilvusClient::CreateCollection(const std::string& name, const pb::CollectionSchema& schema,
                                      pb::ConsistencyLevel consistency, int shards, Deadline d) {
  pb::CreateCollectionRequest req;
  req.set_collection_name(name);
  req.set_schema(schema.SerializeAsString());
  req.set_consistency_level(consistency);
  req.set_shards_num(shards);
  pb::Status resp;
  return Call(&pb::MilvusService::Stub::CreateCollection, req, &resp, d);
}

Result<pb::DescribeCollectionResponse> MilvusClient::DescribeCollection(const std::string& name, Deadline d) {
  pb::DescribeCollectionRequest req;
  req.set_collection_name(name);
  pb::DescribeCollectionResponse resp;
  Status s = Call(&pb::MilvusService::Stub::DescribeCollection, req, &resp, d);
  if (!s.ok()) return s;
  return resp;
}

Result<bool> MilvusClient::HasCollection(const std::string& name, Deadline d) {
  auto r = DescribeCollection(name, d);
  if (r.ok()) return true;
  const Status& s = r.status();
  if (s.code() == code::kCollectionNotFound || s.error_code() == legacy::kCollectionNotExists ||
      (s.error_code() == legacy::kUnexpectedError && s.reason().find("can't find collection") != std::string::npos))
    return false;
  return s;
}

Status MilvusClient::DropCollection(const std::string& name, Deadline d) {
  pb::DropCollectionRequest req;
  req.set_collection_name(name);
  pb::Status resp;
  return Call(&pb::MilvusService::Stub::DropCollection, req, &resp, d);
}

Result<std::vector<std::string>> MilvusClient::ListCollections(Deadline d) {
  pb::ShowCollectionsResponse resp;
  Status s = Call(&pb::MilvusService::Stub::ShowCollections, pb::ShowCollectionsRequest(), &resp, d);
  if (!s.ok()) return s;
  return std::vector<std::string>(resp.collection_names().begin(), resp.collection_names().end());
}

Status MilvusClient::CreateUser(const std::string& user, const std::string& password, Deadline d) {
  pb::CreateCredentialRequest req;
  req.set_username(user);
  req.set_password(Base64Encode(password));
  pb::Status resp;
  return Call(&pb::MilvusService::Stub::CreateCredential, req, &resp, d);
}

Status MilvusClient::ResetPassword(const std::string& user, const std::string& old_password,
                                   const std::string& new_password, Deadline d) {
  pb::UpdateCredentialRequest req;
  req.set_username(user);
  req.set_oldpassword(Base64Encode(old_password));
  req.set_newpassword(Base64Encode(new_password));
  pb::Status resp;
  return Call(&pb::MilvusService::Stub::UpdateCredential, req, &resp, d);
}

Status MilvusClient::DeleteUser(const std::string& user, Deadline d) {
  pb::DeleteCredentialRequest req;
  req.set_username(user);
  pb::Status resp;
  return Call(&pb::MilvusService::Stub::DeleteCredential, req, &resp, d);
}

Result<std::vector<std::string>> MilvusClient::ListUsernames(Deadline d) {
  pb::ListCredUsersResponse resp;
  Status s = Call(&pb::MilvusService::Stub::ListCredUsers, pb::ListCredUsersRequest(), &resp, d);
  if (!s.ok()) return s;
  return std::vector<std::string>(resp.usernames().begin(), resp.usernames().end());
}

Result<int64_t> MilvusClient::RowCount(const std::string& name, Deadline d) {
  pb::GetCollectionStatisticsRequest req;
  req.set_collection_name(name);
  pb::GetCollectionStatisticsResponse resp;
  Status s = Call(&pb::MilvusService::Stub::GetCollectionStatistics, req, &resp, d);
  if (!s.ok()) return s;
  for (const auto& kv : resp.stats())
    if (kv.key() == "row_count") return static_cast<int64_t>(std::strtoll(kv.value().c_str(), nullptr, 10));
  return Status::Internal("row_count missing from the statistics");
}

Result<MutationInfo> MilvusClient::Insert(const std::string& name, const std::vector<pb::FieldData>& columns,
                                          uint32_t num_rows, Deadline d) {
  pb::InsertRequest req;
  req.set_collection_name(name);
  req.set_num_rows(num_rows);
  for (const auto& c : columns) *req.add_fields_data() = c;
  pb::MutationResult resp;
  Status s = Call(&pb::MilvusService::Stub::Insert, req, &resp, d);
  if (!s.ok()) return s;
  return ToMutation(resp);
}

Result<MutationInfo> MilvusClient::Upsert(const std::string& name, const std::vector<pb::FieldData>& columns,
                                          uint32_t num_rows, Deadline d) {
  pb::UpsertRequest req;
  req.set_collection_name(name);
  req.set_num_rows(num_rows);
  for (const auto& c : columns) *req.add_fields_data() = c;
  pb::MutationResult resp;
  Status s = Call(&pb::MilvusService::Stub::Upsert, req, &resp, d);
  if (!s.ok()) return s;
  return ToMutation(resp);
}

Result<MutationInfo> MilvusClient::Delete(const std::string& name, const std::string& expr, Deadline d) {
  pb::DeleteRequest req;
  req.set_collection_name(name);
  req.set_expr(expr);
  pb::MutationResult resp;
  Status s = Call(&pb::MilvusService::Stub::Delete, req, &resp, d);
  if (!s.ok()) return s;
  return ToMutation(resp);
}

Status MilvusClient::Flush(const std::string& name, Deadline d) {
  auto until = std::chrono::steady_clock::now() + d;
  pb::FlushRequest req;
  req.add_collection_names(name);
  pb::FlushResponse resp;
  Status s = Call(&pb::MilvusService::Stub::Flush, req, &resp, d);
  if (!s.ok()) return s;
  pb::GetFlushStateRequest state;
  state.set_collection_name(name);
  state.set_flush_ts(resp.coll_flush_ts().count(name) ? resp.coll_flush_ts().at(name) : 0);
  if (resp.coll_segids().count(name))
    for (int64_t id : resp.coll_segids().at(name).data()) state.add_segmentids(id);
  while (true) {
    auto left = std::chrono::duration_cast<Deadline>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return Status::Transport(grpc::StatusCode::DEADLINE_EXCEEDED, "flush did not finish in time");
    pb::GetFlushStateResponse st;
    if (!(s = Call(&pb::MilvusService::Stub::GetFlushState, state, &st, left)).ok()) return s;
    if (st.flushed()) return Status::OK();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

Status MilvusClient::CreateIndex(const std::string& name, const std::string& field, const IndexParams& p, Deadline d) {
  pb::CreateIndexRequest req;
  req.set_collection_name(name);
  req.set_field_name(field);
  AddKv(req.mutable_extra_params(), "index_type", p.index_type);
  AddKv(req.mutable_extra_params(), "metric_type", p.metric_type);
  AddKv(req.mutable_extra_params(), "params", p.params_json);
  pb::Status resp;
  return Call(&pb::MilvusService::Stub::CreateIndex, req, &resp, d);
}

Result<IndexInfo> MilvusClient::DescribeIndex(const std::string& name, Deadline d) {
  pb::DescribeIndexRequest req;
  req.set_collection_name(name);
  pb::DescribeIndexResponse resp;
  Status s = Call(&pb::MilvusService::Stub::DescribeIndex, req, &resp, d);
  if (!s.ok()) return s;
  if (resp.index_descriptions_size() == 0) return Status::IndexNotFound("no index description returned");
  const auto& x = resp.index_descriptions(0);
  IndexInfo info;
  info.index_name = x.index_name();
  info.field_name = x.field_name();
  for (const auto& kv : x.params()) {
    if (kv.key() == "index_type") info.index_type = kv.value();
    if (kv.key() == "metric_type") info.metric_type = kv.value();
    if (kv.key() == "params") info.params_json = kv.value();
  }
  info.state = x.state();
  info.indexed_rows = x.indexed_rows();
  info.total_rows = x.total_rows();
  info.pending_rows = x.pending_index_rows();
  info.fail_reason = x.index_state_fail_reason();
  return info;
}

Status MilvusClient::WaitIndex(const std::string& name, Deadline d) {
  auto until = std::chrono::steady_clock::now() + d;
  while (true) {
    auto left = std::chrono::duration_cast<Deadline>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Status::Transport(grpc::StatusCode::DEADLINE_EXCEEDED, "index not finished in time");
    auto r = DescribeIndex(name, left);
    if (!r.ok()) return r.status();
    if (r->state == pb::Finished) return Status::OK();
    if (r->state == pb::Failed) return Status(code::kServiceInternal, 21, "index build failed: " + r->fail_reason);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

Status MilvusClient::Load(const std::string& name, int replica_number, Deadline d) {
  pb::LoadCollectionRequest req;
  req.set_collection_name(name);
  req.set_replica_number(replica_number);
  pb::Status resp;
  return Call(&pb::MilvusService::Stub::LoadCollection, req, &resp, d);
}

Status MilvusClient::Release(const std::string& name, Deadline d) {
  pb::ReleaseCollectionRequest req;
  req.set_collection_name(name);
  pb::Status resp;
  return Call(&pb::MilvusService::Stub::ReleaseCollection, req, &resp, d);
}

Result<int64_t> MilvusClient::LoadingProgress(const std::string& name, Deadline d) {
  pb::GetLoadingProgressRequest req;
  req.set_collection_name(name);
  pb::GetLoadingProgressResponse resp;
  Status s = Call(&pb::MilvusService::Stub::GetLoadingProgress, req, &resp, d);
  if (!s.ok()) return s;
  return resp.progress();
}

Result<pb::LoadState> MilvusClient::LoadState(const std::string& name, Deadline d) {
  pb::GetLoadStateRequest req;
  req.set_collection_name(name);
  pb::GetLoadStateResponse resp;
  Status s = Call(&pb::MilvusService::Stub::GetLoadState, req, &resp, d);
  if (!s.ok()) return s;
  return resp.state();
}

Status MilvusClient::LoadAndWait(const std::string& name, int replica_number, Deadline d) {
  auto until = std::chrono::steady_clock::now() + d;
  Status s = Load(name, replica_number, d);
  if (!s.ok()) return s;
  while (true) {
    auto left = std::chrono::duration_cast<Deadline>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Status::Transport(grpc::StatusCode::DEADLINE_EXCEEDED, "load not finished in time");
    auto p = LoadingProgress(name, left);
    if (!p.ok()) return p.status();
    if (p.value() >= 100) return Status::OK();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

Result<std::vector<Replica>> MilvusClient::GetReplicas(const std::string& name, Deadline d) {
  pb::GetReplicasRequest req;
  req.set_collection_name(name);
  pb::GetReplicasResponse resp;
  Status s = Call(&pb::MilvusService::Stub::GetReplicas, req, &resp, d);
  if (!s.ok()) return s;
  std::vector<Replica> out;
  for (const auto& r : resp.replicas()) out.push_back({r.replicaid(), {r.node_ids().begin(), r.node_ids().end()}});
  return out;
}

Result<SearchResult> MilvusClient::Search(const SearchParams& p, Deadline d) {
  if (p.dim <= 0 || p.vectors.empty() || p.vectors.size() % static_cast<size_t>(p.dim) != 0)
    return Status::InvalidArgument("search vectors must be a non-empty multiple of dim");
  pb::SearchRequest req;
  req.set_collection_name(p.collection);
  req.set_dsl(p.filter);
  req.set_dsl_type(pb::BoolExprV1);
  for (const auto& f : p.output_fields) req.add_output_fields(f);
  size_t nq = p.vectors.size() / static_cast<size_t>(p.dim);
  pb::PlaceholderGroup group;
  auto* ph = group.add_placeholders();
  ph->set_tag("$0");
  ph->set_type(pb::PlaceholderFloatVector);
  for (size_t q = 0; q < nq; ++q)
    ph->add_values(std::string(reinterpret_cast<const char*>(p.vectors.data() + q * p.dim), p.dim * sizeof(float)));
  req.set_placeholder_group(group.SerializeAsString());
  req.set_nq(static_cast<int64_t>(nq));
  AddKv(req.mutable_search_params(), "topk", std::to_string(p.topk));
  AddKv(req.mutable_search_params(), "round_decimal", "-1");
  AddKv(req.mutable_search_params(), "ignore_growing", "False");
  if (!p.anns_field.empty()) AddKv(req.mutable_search_params(), "anns_field", p.anns_field);
  if (!p.metric_type.empty()) AddKv(req.mutable_search_params(), "metric_type", p.metric_type);
  AddKv(req.mutable_search_params(), "params", p.params_json);
  req.set_consistency_level(p.consistency);
  req.set_use_default_consistency(p.use_default_consistency);
  req.set_guarantee_timestamp(p.guarantee_timestamp);
  pb::SearchResults resp;
  Status s = Call(&pb::MilvusService::Stub::Search, req, &resp, d);
  if (!s.ok()) return s;
  SearchResult out;
  const auto& r = resp.results();
  size_t pos = 0;
  for (int64_t q = 0; q < r.num_queries(); ++q) {
    std::vector<Hit> hits;
    int64_t n = q < r.topks_size() ? r.topks(static_cast<int>(q)) : 0;
    for (int64_t j = 0; j < n; ++j, ++pos) {
      Hit h;
      if (pos < static_cast<size_t>(r.scores_size())) h.score = r.scores(static_cast<int>(pos));
      if (r.ids().has_int_id() && pos < static_cast<size_t>(r.ids().int_id().data_size()))
        h.id = r.ids().int_id().data(static_cast<int>(pos));
      if (r.ids().has_str_id() && pos < static_cast<size_t>(r.ids().str_id().data_size()))
        h.str_id = r.ids().str_id().data(static_cast<int>(pos));
      hits.push_back(std::move(h));
    }
    out.hits.push_back(std::move(hits));
  }
  out.raw = r;
  return out;
}

Result<pb::QueryResults> MilvusClient::Query(const std::string& name, const std::string& expr,
                                             const std::vector<std::string>& output_fields, int64_t limit,
                                             pb::ConsistencyLevel consistency, Deadline d, Freshness freshness) {
  pb::QueryRequest req;
  req.set_collection_name(name);
  req.set_expr(expr);
  for (const auto& f : output_fields) req.add_output_fields(f);
  if (limit >= 0) AddKv(req.mutable_query_params(), "limit", std::to_string(limit));
  req.set_consistency_level(consistency);
  req.set_use_default_consistency(freshness.use_default_consistency);
  req.set_guarantee_timestamp(freshness.guarantee_timestamp);
  pb::QueryResults resp;
  Status s = Call(&pb::MilvusService::Stub::Query, req, &resp, d);
  if (!s.ok()) return s;
  return resp;
}

Result<int64_t> MilvusClient::Count(const std::string& name, const std::string& expr, pb::ConsistencyLevel consistency,
                                    Deadline d, Freshness freshness) {
  auto r = Query(name, expr, {"count(*)"}, -1, consistency, d, freshness);
  if (!r.ok()) return r.status();
  for (const auto& f : r->fields_data())
    if (f.field_name() == "count(*)" && f.scalars().long_data().data_size() == 1)
      return f.scalars().long_data().data(0);
  return Status::Internal("count(*) missing from the query result");
}

}  // namespace mdrill::milvus
