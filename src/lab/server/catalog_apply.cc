// The Catalog's state machine: one function per record kind, the same for the
// standalone server's replay and the HA log's tailers (catalog.h).
#include <cstdio>
#include <optional>

#include "lab/server/catalog.h"
#include "lab/server/catalog_entry.h"
#include "lab/server/convert.h"

namespace mdrill::lab {

namespace rec = ::milvusdrill::lab;

namespace {

// The collection a record other than CreateCollection and DropCollection changes;
// nullopt for a record kind this build does not know.
std::optional<int64_t> TargetCollection(const rec::WalRecord& r) {
  switch (r.op_case()) {
    case rec::WalRecord::kInsert:
      return r.insert().collection_id();
    case rec::WalRecord::kDelete:
      return r.delete_().collection_id();
    case rec::WalRecord::kCreateIndex:
      return r.create_index().collection_id();
    case rec::WalRecord::kDropIndex:
      return r.drop_index().collection_id();
    case rec::WalRecord::kLoad:
      return r.load().collection_id();
    case rec::WalRecord::kFlush:
      return r.flush().collection_id();
    case rec::WalRecord::kCompact:
      return r.compact().collection_id();
    default:
      return std::nullopt;
  }
}

}  // namespace

Status Catalog::Apply(const rec::WalRecord& r) {
  if (r.op_case() == rec::WalRecord::kCreateCollection) return ApplyCreateCollection(r);
  if (r.op_case() == rec::WalRecord::kDropCollection) return ApplyDropCollection(r);
  std::optional<int64_t> cid = TargetCollection(r);
  if (!cid) return Status::Internal("unknown log record");
  auto e = FindId(*cid);
  if (!e) return Status::OK();  // dropped later in the log
  switch (r.op_case()) {
    case rec::WalRecord::kInsert:
      return ApplyInsert(r, *e);
    case rec::WalRecord::kDelete:
      return ApplyDelete(r, *e);
    case rec::WalRecord::kCreateIndex:
      return ApplyCreateIndex(r, *e);
    case rec::WalRecord::kDropIndex:
      return ApplyDropIndex(*e);
    case rec::WalRecord::kLoad:
      return ApplyLoad(r, *e);
    case rec::WalRecord::kFlush:
      return ApplyFlush(*e);
    case rec::WalRecord::kCompact:
      return ApplyCompact(r, *e);
    default:
      return Status::Internal("unknown log record");
  }
}

Status Catalog::ApplyCreateCollection(const rec::WalRecord& r) {
  const auto& c = r.create_collection();
  engine::CollectionSchema schema;
  Status s = SchemaFromProto(c.schema(), &schema);
  if (!s.ok()) return s;
  auto e = std::make_shared<Entry>();
  e->id = c.collection_id();
  e->created_ts = r.ts();
  e->shards = c.shards_num();
  e->consistency = c.consistency_level();
  e->data = std::make_shared<engine::Collection>(e->id, std::move(schema), options_.collection);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(c.schema().name());
  if (it != entries_.end() && it->second->id != e->id) {
    // A second creation of a name that exists: its writer checked before its own
    // replica had applied the first (a tailer lagging more than the commit wait).
    // The first stands, on every replica alike, as if the second had been answered
    // "already exists".
    std::fprintf(stderr, "catalog: a second creation of collection %s (id %lld) ignored: id %lld holds the name\n",
                 c.schema().name().c_str(), static_cast<long long>(e->id), static_cast<long long>(it->second->id));
    return Status::OK();
  }
  entries_[c.schema().name()] = std::move(e);
  return Status::OK();
}

Status Catalog::ApplyDropCollection(const rec::WalRecord& r) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it)
      if (it->second->id == r.drop_collection().collection_id()) {
        entries_.erase(it);
        break;
      }
  }
  // Shared indexes of the dropped collection: nobody will load them again.
  if (options_.collection.index_store) options_.collection.index_store->Forget(r.drop_collection().collection_id());
  return Status::OK();
}

Status Catalog::ApplyInsert(const rec::WalRecord& r, Entry& e) {
  engine::Collection& c = *e.data;
  engine::Batch b;
  Status s = BatchFromFieldData(c.schema(), r.insert().columns(), r.insert().num_rows(), &b, true);
  if (!s.ok()) return s;
  if (r.insert().upsert()) {
    const engine::Column& pk = b.columns[static_cast<size_t>(c.schema().PrimaryIndex())];
    std::vector<engine::Value> keys;
    for (size_t i = 0; i < b.rows; ++i)
      keys.push_back(pk.type == engine::DataType::kInt64 ? engine::Value(pk.ints[i]) : engine::Value(pk.strs[i]));
    c.Delete(keys, r.ts());
  }
  c.Insert(b, r.ts());
  build_cv_.notify_all();
  return Status::OK();
}

Status Catalog::ApplyDelete(const rec::WalRecord& r, Entry& e) {
  std::vector<engine::Value> keys;
  const auto& ids = r.delete_().keys();
  for (int64_t k : ids.int_id().data()) keys.emplace_back(k);
  for (const auto& k : ids.str_id().data()) keys.emplace_back(k);
  e.data->Delete(keys, r.ts());
  return Status::OK();
}

Status Catalog::ApplyCreateIndex(const rec::WalRecord& r, Entry& e) {
  std::map<std::string, std::string> kv;
  for (const auto& p : r.create_index().params()) kv[p.key()] = p.value();
  engine::IndexSpec spec;
  spec.index_name = r.create_index().index_name();
  Status s = engine::ParseIndexSpec(kv, &spec);
  if (s.ok()) s = e.data->SetIndex(spec);
  if (!s.ok()) return s;
  std::lock_guard<std::mutex> lock(mu_);
  e.index_name = r.create_index().index_name();
  e.index_field = r.create_index().field_name();
  build_cv_.notify_all();
  return Status::OK();
}

Status Catalog::ApplyDropIndex(Entry& e) {
  e.data->DropIndex();
  std::lock_guard<std::mutex> lock(mu_);
  e.index_name.clear();
  e.index_field.clear();
  return Status::OK();
}

Status Catalog::ApplyLoad(const rec::WalRecord& r, Entry& e) {
  std::lock_guard<std::mutex> lock(mu_);
  e.loaded = r.load().loaded();
  e.replicas = r.load().loaded() ? r.load().replica_number() : 0;
  return Status::OK();
}

Status Catalog::ApplyFlush(Entry& e) {
  e.data->Seal();
  build_cv_.notify_all();
  return Status::OK();
}

Status Catalog::ApplyCompact(const rec::WalRecord& r, Entry& e) {
  const auto& k = r.compact();
  Status s = e.data->Compact({k.segment_ids().begin(), k.segment_ids().end()}, k.new_segment_id());
  // A merge only changes how rows are stored, not which rows there are: a replica
  // that cannot apply one still answers the same, and failing here would keep a
  // standalone server from replaying its log at all. So it is reported, not fatal.
  if (!s.ok())
    std::fprintf(stderr, "catalog: compaction of collection %lld skipped: %s\n", static_cast<long long>(e.id),
                 s.reason().c_str());
  build_cv_.notify_all();
  return Status::OK();
}

}  // namespace mdrill::lab
