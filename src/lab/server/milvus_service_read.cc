// MilvusService handlers for indexes, loading, search, query and segment info.
#include <algorithm>
#include <cstring>

#include "lab/server/milvus_service.h"

namespace mdrill::lab {

namespace {

std::map<std::string, std::string> ToMap(const google::protobuf::RepeatedPtrField<pb::KeyValuePair>& kvs) {
  std::map<std::string, std::string> m;
  for (const auto& kv : kvs) m[kv.key()] = kv.value();
  return m;
}

void AddKv(google::protobuf::RepeatedPtrField<pb::KeyValuePair>* kvs, const std::string& k, const std::string& v) {
  auto* kv = kvs->Add();
  kv->set_key(k);
  kv->set_value(v);
}

pb::IndexState StateOf(const engine::IndexProgress& p) {
  return p.failed ? pb::Failed : p.pending_rows > 0 ? pb::InProgress : pb::Finished;
}

Status NoIndex(const std::string& collection) {
  return Status::IndexNotFound("index not found[collection=" + collection + "]");
}

// Decodes the placeholder group of a search into nq * dim floats.
Status DecodePlaceholders(const std::string& bytes, int dim, std::vector<float>* out, size_t* nq) {
  pb::PlaceholderGroup group;
  if (bytes.empty() || !group.ParseFromString(bytes))
    return Status::InvalidArgument("malformed placeholder group: not a serialized PlaceholderGroup");
  if (group.placeholders_size() != 1)
    return Status::InvalidArgument("malformed placeholder group: expected exactly one placeholder, got " +
                                   std::to_string(group.placeholders_size()));
  const auto& ph = group.placeholders(0);
  if (ph.type() != pb::PlaceholderFloatVector)
    return Status::InvalidArgument("malformed placeholder group: only FloatVector (101) queries are supported, got " +
                                   std::to_string(ph.type()));
  if (ph.values_size() == 0) return Status::InvalidArgument("malformed placeholder group: no query vectors");
  if (ph.values_size() > engine::kMaxNq)
    return Status(code::kParameterInvalid, legacy::kIllegalArgument,
                  "nq (number of search vectors per request) should be in range [1, " + std::to_string(engine::kMaxNq) +
                      "], but got " + std::to_string(ph.values_size()));
  const size_t bytes_per = static_cast<size_t>(dim) * sizeof(float);
  out->resize(static_cast<size_t>(ph.values_size()) * static_cast<size_t>(dim));
  for (int i = 0; i < ph.values_size(); ++i) {
    const std::string& v = ph.values(i);
    if (v.size() != bytes_per)
      return Status(code::kParameterInvalid, legacy::kIllegalDimension,
                    "query vector " + std::to_string(i) + " has " + std::to_string(v.size() / 4) +
                        " dimensions, the collection's vector field has " + std::to_string(dim));
    std::memcpy(out->data() + static_cast<size_t>(i) * dim, v.data(), bytes_per);
  }
  *nq = static_cast<size_t>(ph.values_size());
  return Status::OK();
}

}  // namespace

grpc::Status MilvusService::CreateIndex(Ctx* ctx, const pb::CreateIndexRequest* req, pb::Status* resp) {
  return Handle(ctx, resp, [&] {
    return catalog_->CreateIndex(req->collection_name(), req->field_name(), req->index_name(),
                                 ToMap(req->extra_params()));
  });
}

grpc::Status MilvusService::DescribeIndex(Ctx* ctx, const pb::DescribeIndexRequest* req,
                                          pb::DescribeIndexResponse* resp) {
  return Handle(ctx, resp->mutable_status(), [&] {
    auto v = catalog_->Get(req->collection_name());
    if (!v.ok()) return v.status();
    auto spec = v->data->index();
    if (!spec || (!req->index_name().empty() && req->index_name() != v->index_name) ||
        (!req->field_name().empty() && req->field_name() != v->index_field))
      return NoIndex(req->collection_name());
    engine::IndexProgress p = v->data->GetIndexProgress();
    auto* d = resp->add_index_descriptions();
    d->set_index_name(v->index_name);
    d->set_indexid(v->id + 1);
    d->set_field_name(v->index_field);
    AddKv(d->mutable_params(), "index_type", spec->type_name);
    AddKv(d->mutable_params(), "metric_type", engine::MetricName(spec->metric));
    AddKv(d->mutable_params(), "params", spec->params_json);
    d->set_indexed_rows(p.indexed_rows);
    d->set_total_rows(p.total_rows);
    d->set_pending_index_rows(p.pending_rows);
    d->set_state(StateOf(p));
    d->set_index_state_fail_reason(p.fail_reason);
    return Status::OK();
  });
}

grpc::Status MilvusService::GetIndexState(Ctx* ctx, const pb::GetIndexStateRequest* req,
                                          pb::GetIndexStateResponse* resp) {
  return Handle(ctx, resp->mutable_status(), [&] {
    auto v = catalog_->Get(req->collection_name());
    if (!v.ok()) return v.status();
    if (!v->data->index()) return NoIndex(req->collection_name());
    engine::IndexProgress p = v->data->GetIndexProgress();
    resp->set_state(StateOf(p));
    resp->set_fail_reason(p.fail_reason);
    return Status::OK();
  });
}

grpc::Status MilvusService::GetIndexBuildProgress(Ctx* ctx, const pb::GetIndexBuildProgressRequest* req,
                                                  pb::GetIndexBuildProgressResponse* resp) {
  return Handle(ctx, resp->mutable_status(), [&] {
    auto v = catalog_->Get(req->collection_name());
    if (!v.ok()) return v.status();
    if (!v->data->index()) return NoIndex(req->collection_name());
    engine::IndexProgress p = v->data->GetIndexProgress();
    resp->set_indexed_rows(p.indexed_rows);
    resp->set_total_rows(p.total_rows);
    return Status::OK();
  });
}

grpc::Status MilvusService::DropIndex(Ctx* ctx, const pb::DropIndexRequest* req, pb::Status* resp) {
  return Handle(ctx, resp, [&] { return catalog_->DropIndex(req->collection_name()); });
}

grpc::Status MilvusService::LoadCollection(Ctx* ctx, const pb::LoadCollectionRequest* req, pb::Status* resp) {
  return Handle(ctx, resp, [&] { return catalog_->SetLoaded(req->collection_name(), true, req->replica_number()); });
}

grpc::Status MilvusService::ReleaseCollection(Ctx* ctx, const pb::ReleaseCollectionRequest* req, pb::Status* resp) {
  return Handle(ctx, resp, [&] { return catalog_->SetLoaded(req->collection_name(), false, 0); });
}

grpc::Status MilvusService::GetLoadingProgress(Ctx* ctx, const pb::GetLoadingProgressRequest* req,
                                               pb::GetLoadingProgressResponse* resp) {
  return Handle(ctx, resp->mutable_status(), [&] {
    auto v = Loaded(req->db_name(), req->collection_name());
    if (!v.ok()) return v.status();
    resp->set_progress(100);  // standalone loading is synchronous
    resp->set_refresh_progress(100);
    return Status::OK();
  });
}

grpc::Status MilvusService::GetLoadState(Ctx* ctx, const pb::GetLoadStateRequest* req, pb::GetLoadStateResponse* resp) {
  return Handle(ctx, resp->mutable_status(), [&] {
    auto v = catalog_->Get(req->collection_name());
    if (!v.ok()) {
      resp->set_state(pb::LoadStateNotExist);
      return v.status();
    }
    resp->set_state(v->loaded ? pb::LoadStateLoaded : pb::LoadStateNotLoad);
    return Status::OK();
  });
}

grpc::Status MilvusService::GetReplicas(Ctx* ctx, const pb::GetReplicasRequest* req, pb::GetReplicasResponse* resp) {
  return Handle(ctx, resp->mutable_status(), [&] {
    Result<CollectionView> v = Status::CollectionNotFound(req->collection_name());
    if (!req->collection_name().empty()) {
      v = Loaded(req->db_name(), req->collection_name());
    } else {
      for (const auto& c : catalog_->List())
        if (c.id == req->collectionid()) v = Loaded(req->db_name(), c.name);
    }
    if (!v.ok()) return v.status();
    // Standalone: one process holds one copy in memory, whatever replica_number
    // asked for, and reports the single replica it really has. HA: the placement the
    // active coordinator keeps, each replica on a distinct live node; a replica no
    // node could be given is listed without nodes.
    std::vector<std::pair<int64_t, int64_t>> placed = {{v->id + 100, 1}};
    if (options_.replica_placement) placed = options_.replica_placement(v->id, std::max(1, v->replicas));
    for (const auto& [replica, node] : placed) {
      auto* r = resp->add_replicas();
      r->set_replicaid(replica);
      r->set_collectionid(v->id);
      if (node == 0) continue;
      r->add_node_ids(node);
      r->set_resource_group_name("__default_resource_group");
      for (int i = 0; i < v->shards; ++i) {
        auto* sh = r->add_shard_replicas();
        sh->set_leaderid(node);
        sh->set_leader_addr("localhost");
        sh->set_dm_channel_name("by-dev-rootcoord-dml_" + std::to_string(i) + "_" + std::to_string(v->id) + "v" +
                                std::to_string(i));
        sh->add_node_ids(node);
      }
    }
    return Status::OK();
  });
}

namespace {

// The consistency wait of an HA query node (ServiceOptions::before_read).
template <typename Req>
Status BeforeRead(const ServiceOptions& o, const grpc::ServerContext* ctx, const Req& req) {
  if (!o.before_read) return Status::OK();
  ReadRequest r;
  r.db = req.db_name();
  r.collection = req.collection_name();
  r.consistency_level = static_cast<int>(req.consistency_level());
  r.use_default_consistency = req.use_default_consistency();
  r.guarantee_timestamp = req.guarantee_timestamp();
  return o.before_read(ctx, r);
}

}  // namespace

grpc::Status MilvusService::Search(Ctx* ctx, const pb::SearchRequest* req, pb::SearchResults* resp) {
  return Handle(ctx, resp->mutable_status(), [&] {
    resp->set_collection_name(req->collection_name());
    if (Status fresh = BeforeRead(options_, ctx, *req); !fresh.ok()) return fresh;
    auto v = Loaded(req->db_name(), req->collection_name());
    if (!v.ok()) return v.status();
    const auto& schema = v->data->schema();
    auto params = ToMap(req->search_params());
    auto anns = params.find("anns_field");
    if (anns != params.end() && !anns->second.empty() && anns->second != schema.vector().name)
      return Status(code::kFieldNotFound, legacy::kIllegalArgument,
                    "anns_field " + anns->second + " is not the vector field of " + schema.name);
    auto spec = v->data->index();
    engine::SearchArgs args;
    Status s = engine::ParseSearchKnobs(params, spec ? &*spec : nullptr, &args.knobs);
    if (!s.ok()) return s;
    if (!(s = DecodePlaceholders(req->placeholder_group(), schema.vector().dim, &args.queries, &args.nq)).ok())
      return s;
    args.filter = req->dsl();
    args.output_fields.assign(req->output_fields().begin(), req->output_fields().end());
    engine::SearchOutput out;
    if (!(s = v->data->Search(args, &out)).ok()) return s;
    auto* r = resp->mutable_results();
    r->set_num_queries(static_cast<int64_t>(out.nq));
    r->set_top_k(out.topk);
    r->mutable_scores()->Add(out.scores.begin(), out.scores.end());
    r->mutable_topks()->Add(out.topks.begin(), out.topks.end());
    ColumnToIds(out.ids, r->mutable_ids());
    r->set_primary_field_name(schema.primary().name);
    // The primary key always travels in fields_data too: the Node SDK reads hit ids there.
    for (size_t i = 0; i < out.output_fields.size(); ++i) {
      const auto& f = schema.fields[static_cast<size_t>(out.output_fields[i])];
      ColumnToFieldData(f, out.fields[i], r->add_fields_data());
      r->add_output_fields(f.name);
    }
    resp->set_session_ts(v->data->last_ts());
    return Status::OK();
  });
}

grpc::Status MilvusService::Query(Ctx* ctx, const pb::QueryRequest* req, pb::QueryResults* resp) {
  return Handle(ctx, resp->mutable_status(), [&] {
    resp->set_collection_name(req->collection_name());
    if (Status fresh = BeforeRead(options_, ctx, *req); !fresh.ok()) return fresh;
    auto v = Loaded(req->db_name(), req->collection_name());
    if (!v.ok()) return v.status();
    const auto& schema = v->data->schema();
    engine::QueryArgs args;
    args.filter = req->expr();
    args.output_fields.assign(req->output_fields().begin(), req->output_fields().end());
    auto params = ToMap(req->query_params());
    for (const char* key : {"limit", "offset"}) {
      auto it = params.find(key);
      if (it == params.end() || it->second.empty()) continue;
      char* end = nullptr;
      long long n = std::strtoll(it->second.c_str(), &end, 10);
      if (*end != '\0' || n < 0) return Status::InvalidArgument(std::string(key) + " must be a non-negative integer");
      (std::string(key) == "limit" ? args.limit : args.offset) = n;
    }
    engine::QueryOutput out;
    Status s = v->data->Query(args, &out);
    if (!s.ok()) return s;
    resp->set_primary_field_name(schema.primary().name);
    if (out.is_count) {
      auto* fd = resp->add_fields_data();
      fd->set_type(pb::Int64);
      fd->set_field_name("count(*)");
      fd->mutable_scalars()->mutable_long_data()->add_data(out.count);
      resp->add_output_fields("count(*)");
      return Status::OK();
    }
    for (size_t i = 0; i < out.output_fields.size(); ++i) {
      const auto& f = schema.fields[static_cast<size_t>(out.output_fields[i])];
      ColumnToFieldData(f, out.fields[i], resp->add_fields_data());
      resp->add_output_fields(f.name);
    }
    resp->set_session_ts(v->data->last_ts());
    return Status::OK();
  });
}

grpc::Status MilvusService::GetPersistentSegmentInfo(Ctx* ctx, const pb::GetPersistentSegmentInfoRequest* req,
                                                     pb::GetPersistentSegmentInfoResponse* resp) {
  return Handle(ctx, resp->mutable_status(), [&] {
    auto v = catalog_->Get(req->collectionname());
    if (!v.ok()) return v.status();
    for (const auto& seg : v->data->Segments()) {
      auto* i = resp->add_infos();
      i->set_segmentid(seg.id);
      i->set_collectionid(v->id);
      i->set_num_rows(seg.rows);
      i->set_state(seg.sealed ? pb::Flushed : pb::Growing);
      i->set_level(pb::L1);
    }
    return Status::OK();
  });
}

grpc::Status MilvusService::GetQuerySegmentInfo(Ctx* ctx, const pb::GetQuerySegmentInfoRequest* req,
                                                pb::GetQuerySegmentInfoResponse* resp) {
  return Handle(ctx, resp->mutable_status(), [&] {
    auto v = Loaded("", req->collectionname());
    if (!v.ok()) return v.status();
    for (const auto& seg : v->data->Segments()) {
      auto* i = resp->add_infos();
      i->set_segmentid(seg.id);
      i->set_collectionid(v->id);
      i->set_num_rows(seg.rows);
      i->set_mem_size(static_cast<int64_t>(seg.mem_bytes));
      i->set_index_name(seg.indexed ? v->index_name : "");
      i->set_nodeid(1);
      i->add_nodeids(1);
      i->set_state(seg.sealed ? pb::Sealed : pb::Growing);
      i->set_level(pb::L1);
    }
    return Status::OK();
  });
}

}  // namespace mdrill::lab
