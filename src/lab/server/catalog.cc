#include "lab/server/catalog.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>

#include "lab/server/catalog_entry.h"
#include "lab/server/convert.h"
#include "lab/server/deliberate_bug.h"
#include "util/background_thread.h"

namespace mdrill::lab {

namespace rec = ::milvusdrill::lab;

Catalog::Catalog(CatalogOptions options, CatalogLog* log) : options_(std::move(options)), log_(log) {
  (void)DeliberateBugs::FromEnvironment();  // warns at start when any is on
}

Status LocalWalLog::Open(const std::string& data_dir, Catalog* catalog) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return Status::Internal("cannot create data directory " + data_dir + ": " + ec.message());
  Status s = wal_.Open(data_dir + "/wal.log", [&](const rec::WalRecord& r) {
    ts_.Observe(r.ts());
    if (r.next_id() > next_id_) next_id_ = r.next_id();
    return catalog->ApplyReplicated(r);
  });
  if (!s.ok()) return s;
  if (next_id_ == 0) next_id_ = static_cast<int64_t>(ComposeTs(NowMs(), 0));  // like upstream's big ids
  return Status::OK();
}

Result<int64_t> LocalWalLog::Ids(uint32_t count) {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t first = next_id_;
  next_id_ += count;
  return first;
}

Status LocalWalLog::Append(rec::WalRecord* r) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    r->set_next_id(next_id_);
  }
  return wal_.Append(*r);
}

Catalog::~Catalog() {
  {
    std::lock_guard<std::mutex> lock(build_mu_);
    stopping_ = true;
  }
  build_cv_.notify_all();
  if (builder_.joinable()) builder_.join();
}

void Catalog::Start() {
  builder_ = std::thread([this] { BuildLoop(); });
}

Result<uint64_t> Catalog::AllocTimestamp() {
  if (log_ == nullptr) return Status(code::kServiceNotReady, legacy::kNotReadyServe, "read-only replica");
  return log_->Timestamp();
}

std::shared_ptr<Catalog::Entry> Catalog::Find(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : it->second;
}

std::shared_ptr<Catalog::Entry> Catalog::FindId(int64_t id) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [name, e] : entries_)
    if (e->id == id) return e;
  return nullptr;
}

CollectionView Catalog::View(const Entry& e) {
  CollectionView v;
  v.id = e.id;
  v.name = e.data->schema().name;
  v.created_ts = e.created_ts;
  v.shards = e.shards;
  v.consistency = e.consistency;
  v.loaded = e.loaded;
  v.replicas = e.replicas;
  v.index_name = e.index_name;
  v.index_field = e.index_field;
  v.data = e.data;
  return v;
}

Result<CollectionView> Catalog::Get(const std::string& name) const {
  auto e = Find(name);
  if (!e) return Status::CollectionNotFound(name);
  std::lock_guard<std::mutex> lock(mu_);
  return View(*e);
}

std::vector<CollectionView> Catalog::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<CollectionView> out;
  for (const auto& [name, e] : entries_) out.push_back(View(*e));
  return out;
}

namespace {

Status ReadOnlyReplica() {
  return Status(code::kServiceNotReady, legacy::kNotReadyServe,
                "this node is a read-only replica: write through a proxy");
}

}  // namespace

Status Catalog::Commit(rec::WalRecord* r) {
  if (log_ == nullptr) return ReadOnlyReplica();
  auto ts = log_->Timestamp();
  if (!ts.ok()) return ts.status();
  r->set_ts(ts.value());
  Status s = log_->Append(r);
  if (!s.ok() || log_->replicated()) return s;
  return Apply(*r);
}

Status Catalog::CreateCollection(engine::CollectionSchema schema, int shards, int consistency) {
  Status s = engine::ValidateAndAssignIds(&schema);
  if (!s.ok()) return s;
  std::lock_guard<std::mutex> w(write_mu_);
  if (auto e = Find(schema.name)) {
    pb::CollectionSchema a, b;
    SchemaToProto(schema, &a);
    SchemaToProto(e->data->schema(), &b);
    if (a.SerializeAsString() == b.SerializeAsString()) return Status::OK();
    return Status(code::kParameterInvalid, legacy::kIllegalArgument,
                  "create duplicate collection with different parameters, collection: " + schema.name);
  }
  // From the id allocator, as upstream's rootcoord: unique across restarts and
  // leaders whether or not this node applied the last creation yet (a counter of
  // applied creations handed a lagging leader's next collection an id in use).
  if (log_ == nullptr) return ReadOnlyReplica();
  int64_t id = 0;
  do {
    auto ids = log_->Ids(1);
    if (!ids.ok()) return ids.status();
    id = ids.value();
  } while (FindId(id));  // a collection of a data directory older than this rule
  rec::WalRecord r;
  auto* c = r.mutable_create_collection();
  c->set_collection_id(id);
  SchemaToProto(schema, c->mutable_schema());
  c->set_shards_num(shards <= 0 ? 1 : shards);
  c->set_consistency_level(static_cast<pb::ConsistencyLevel>(consistency));
  return Commit(&r);
}

Status Catalog::DropCollection(const std::string& name) {
  std::lock_guard<std::mutex> w(write_mu_);
  auto e = Find(name);
  if (!e) return Status::CollectionNotFound(name);
  if (DeliberateBugs::FromEnvironment().Strikes(Bug::kIgnoreDrops)) {
    DeliberateBugs::ReportCollection(Bug::kIgnoreDrops, name);
    return Status::OK();
  }
  rec::WalRecord r;
  r.mutable_drop_collection()->set_collection_id(e->id);
  return Commit(&r);
}

// Commit, unless a deliberate bug (deliberate_bug.h) drops or doubles the write.
Status Catalog::CommitWrite(rec::WalRecord* r, const engine::Column& keys, bool upsert) {
  DeliberateBugs& bugs = DeliberateBugs::FromEnvironment();
  const Bug lose = upsert ? Bug::kIgnoreUpserts : Bug::kLoseInserts;
  if (bugs.Strikes(lose)) {
    DeliberateBugs::Report(lose, keys);
    return Status::OK();
  }
  rec::WalRecord copy = *r;
  if (Status s = Commit(r); !s.ok()) return s;
  if (upsert || !bugs.Strikes(Bug::kDuplicateInserts)) return Status::OK();
  DeliberateBugs::Report(Bug::kDuplicateInserts, keys);
  return Commit(&copy);
}

Result<MutationOutcome> Catalog::Insert(const std::string& name, const engine::Batch& rows, bool upsert) {
  auto e = Find(name);
  if (!e) return Status::CollectionNotFound(name);
  engine::Collection& c = *e->data;
  const engine::CollectionSchema& schema = c.schema();
  const int pk = schema.PrimaryIndex();
  if (upsert && schema.fields[static_cast<size_t>(pk)].auto_id)
    return Status(code::kParameterInvalid, legacy::kUpsertAutoIDTrue,
                  "upsert is not supported on a collection whose primary key has autoID enabled");
  Status s = c.ValidateInsert(rows);
  if (!s.ok()) return s;
  std::lock_guard<std::mutex> w(write_mu_);
  engine::Batch b = rows;
  if (schema.fields[static_cast<size_t>(pk)].auto_id) {
    if (log_ == nullptr) return Status(code::kServiceNotReady, legacy::kNotReadyServe, "read-only replica");
    auto first = log_->Ids(static_cast<uint32_t>(b.rows));
    if (!first.ok()) return first.status();
    // Int64 keys are the allocated ids; VarChar keys their decimal text, as upstream.
    auto& keys = b.columns[static_cast<size_t>(pk)];
    for (size_t i = 0; i < b.rows; ++i) {
      const int64_t id = first.value() + static_cast<int64_t>(i);
      if (keys.type == engine::DataType::kVarChar)
        keys.strs.push_back(std::to_string(id));
      else
        keys.ints.push_back(id);
    }
  }
  rec::WalRecord r;
  auto* ins = r.mutable_insert();
  ins->set_collection_id(e->id);
  ins->set_num_rows(static_cast<uint32_t>(b.rows));
  ins->set_upsert(upsert);
  for (size_t i = 0; i < schema.fields.size(); ++i)
    ColumnToFieldData(schema.fields[i], b.columns[i], ins->add_columns());
  if (Status bs = CommitWrite(&r, b.columns[static_cast<size_t>(pk)], upsert); !bs.ok()) return bs;
  MutationOutcome out;
  out.keys = b.columns[static_cast<size_t>(pk)];
  out.count = static_cast<int64_t>(b.rows);
  out.ts = r.ts();
  return out;
}

Result<MutationOutcome> Catalog::Delete(const std::string& name, const std::string& expr) {
  auto e = Find(name);
  if (!e) return Status::CollectionNotFound(name);
  std::lock_guard<std::mutex> w(write_mu_);
  std::vector<engine::Value> keys;
  Status s = e->data->MatchDelete(expr, &keys);
  if (!s.ok()) return s;
  MutationOutcome out;
  out.keys.type = e->data->schema().primary().type;
  rec::WalRecord r;
  auto* d = r.mutable_delete_();
  d->set_collection_id(e->id);
  for (const auto& k : keys) {
    if (std::holds_alternative<int64_t>(k)) {
      d->mutable_keys()->mutable_int_id()->add_data(std::get<int64_t>(k));
      out.keys.ints.push_back(std::get<int64_t>(k));
    } else {
      d->mutable_keys()->mutable_str_id()->add_data(std::get<std::string>(k));
      out.keys.strs.push_back(std::get<std::string>(k));
    }
  }
  DeliberateBugs& bugs = DeliberateBugs::FromEnvironment();
  if (bugs.Strikes(Bug::kIgnoreDeletes))
    DeliberateBugs::Report(Bug::kIgnoreDeletes, out.keys);
  else if (!(s = Commit(&r)).ok())
    return s;
  out.count = static_cast<int64_t>(keys.size());
  out.ts = r.ts();
  return out;
}

Status Catalog::CreateIndex(const std::string& name, const std::string& field, const std::string& index_name,
                            const std::map<std::string, std::string>& params) {
  auto e = Find(name);
  if (!e) return Status::CollectionNotFound(name);
  const auto& schema = e->data->schema();
  int idx = schema.FieldIndex(field);
  if (idx < 0)
    return Status(code::kFieldNotFound, legacy::kIllegalArgument, "cannot create index on non-exist field: " + field);
  if (schema.fields[static_cast<size_t>(idx)].type != engine::DataType::kFloatVector)
    return Status(code::kIndexNotSupported, legacy::kIllegalIndexType,
                  "only the vector field can be indexed here; " + field + " is " +
                      engine::DataTypeName(schema.fields[static_cast<size_t>(idx)].type));
  engine::IndexSpec spec;
  Status s = engine::ParseIndexSpec(params, &spec);
  if (!s.ok()) return s;
  std::lock_guard<std::mutex> w(write_mu_);
  if (auto cur = e->data->index()) {
    if (cur->type_name == spec.type_name && cur->metric == spec.metric && cur->params_json == spec.params_json)
      return Status::OK();
    return e->data->SetIndex(spec);  // reports the conflict
  }
  rec::WalRecord r;
  auto* ci = r.mutable_create_index();
  ci->set_collection_id(e->id);
  ci->set_field_name(field);
  ci->set_index_name(index_name.empty() ? field : index_name);
  for (const auto& [k, v] : params) {
    auto* kv = ci->add_params();
    kv->set_key(k);
    kv->set_value(v);
  }
  return Commit(&r);
}

Status Catalog::DropIndex(const std::string& name) {
  auto e = Find(name);
  if (!e) return Status::CollectionNotFound(name);
  std::lock_guard<std::mutex> w(write_mu_);
  if (!e->data->index()) return Status::IndexNotFound("index not found on collection " + name);
  if (Get(name)->loaded)
    return Status(code::kParameterInvalid, legacy::kIllegalArgument,
                  "index cannot be dropped, collection is loaded, please release it first");
  rec::WalRecord r;
  r.mutable_drop_index()->set_collection_id(e->id);
  return Commit(&r);
}

Status Catalog::SetLoaded(const std::string& name, bool loaded, int replicas) {
  auto e = Find(name);
  if (!e) return Status::CollectionNotFound(name);
  if (loaded && !e->data->index())
    return Status::IndexNotFound("index not found[collection=" + name +
                                 "]: create an index on the vector field before load");
  if (loaded && replicas < 0) return Status::InvalidArgument("replica_number must not be negative");
  std::lock_guard<std::mutex> w(write_mu_);
  rec::WalRecord r;
  auto* l = r.mutable_load();
  l->set_collection_id(e->id);
  l->set_loaded(loaded);
  l->set_replica_number(replicas <= 0 ? 1 : replicas);
  return Commit(&r);
}

Status Catalog::Flush(const std::string& name, std::vector<int64_t>* segments, uint64_t* ts) {
  auto e = Find(name);
  if (!e) return Status::CollectionNotFound(name);
  std::lock_guard<std::mutex> w(write_mu_);
  rec::WalRecord r;
  r.mutable_flush()->set_collection_id(e->id);
  Status s = Commit(&r);
  if (!s.ok()) return s;
  segments->clear();
  for (const auto& seg : e->data->Segments())
    if (seg.sealed) segments->push_back(seg.id);
  *ts = r.ts();
  return Status::OK();
}

void Catalog::BuildLoop() {
  // Builds yield the cores to the threads that apply the log and answer requests.
  (void)BecomeBackgroundThread("index-build");
  while (true) {
    bool worked = false;
    for (const auto& v : List()) worked = v.data->BuildPendingIndex() || worked;
    std::unique_lock<std::mutex> lock(build_mu_);
    if (stopping_) return;
    if (!worked) build_cv_.wait_for(lock, std::chrono::milliseconds(200));
    if (stopping_) return;
  }
}

}  // namespace mdrill::lab
