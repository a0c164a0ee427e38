#include "drill/run/keyed.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "drill/run/workload.h"

namespace mdrill::drill {

namespace dm = mdrill::milvus;

namespace {

// Keys per range query of the final read: with a key stored twice, still well
// inside one query's 16384-row limit.
constexpr int64_t kFinalChunk = 4096;

template <typename V>
bool PickFrom(const V& v, std::mt19937_64* rng, int64_t* key) {
  if (v.empty()) return false;
  *key = v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(*rng)];
  return true;
}

std::vector<float> RandomVectors(int rows, std::mt19937_64* rng) {
  std::uniform_real_distribution<float> u(0.f, 1.f);
  std::vector<float> v(static_cast<size_t>(rows) * kKeyedDim);
  for (float& x : v) x = u(*rng);
  return v;
}

Result<dm::MutationInfo> WriteRows(dm::MilvusClient* c, const std::string& collection, bool upsert,
                                   const std::vector<int64_t>& keys, const std::vector<int64_t>& versions,
                                   std::mt19937_64* rng, dm::Deadline deadline) {
  std::vector<dm::pb::FieldData> cols = {
      dm::Int64Column("id", keys), dm::Int64Column("version", versions),
      dm::FloatVectorColumn("embedding", kKeyedDim, RandomVectors(static_cast<int>(keys.size()), rng))};
  const auto n = static_cast<uint32_t>(keys.size());
  return upsert ? c->Upsert(collection, cols, n, deadline) : c->Insert(collection, cols, n, deadline);
}

// Appends the (id, version) pairs of a query result to op->ids / op->values.
void AppendRows(const dm::pb::QueryResults& r, Op* op) {
  const dm::pb::FieldData* ids = nullptr;
  const dm::pb::FieldData* versions = nullptr;
  for (const auto& f : r.fields_data()) {
    if (f.field_name() == "id") ids = &f;
    if (f.field_name() == "version") versions = &f;
  }
  if (ids == nullptr) return;
  const auto& id = ids->scalars().long_data().data();
  for (int i = 0; i < id.size(); ++i) {
    op->ids.push_back(id[i]);
    const bool has = versions != nullptr && i < versions->scalars().long_data().data_size();
    op->values.push_back(has ? versions->scalars().long_data().data(i) : -1);
  }
}

}  // namespace

Status CreateKeyedCollection(dm::MilvusClient* c, const std::string& name, int replicas) {
  const dm::Deadline call(30000);
  auto has = c->HasCollection(name, call);
  if (!has.ok()) return has.status();
  if (has.value())
    return Status::InvalidArgument("collection '" + name + "' exists already; the drill will not write to a " +
                                   "collection it did not create (drop it yourself)");
  dm::CollectionSpec spec;
  spec.name = name;
  spec.dim = kKeyedDim;
  spec.auto_id = false;
  spec.description = "milvus-drill keyed workload (dropped after the run)";
  dm::pb::FieldSchema version;
  version.set_name("version");
  version.set_data_type(dm::pb::Int64);
  spec.extra_fields.push_back(version);
  if (Status s = c->CreateCollection(spec, call); !s.ok()) return s;
  dm::IndexParams ip;
  ip.index_type = "FLAT";
  ip.params_json = "{}";
  if (Status s = c->CreateIndex(name, "embedding", ip, call); !s.ok()) return s;
  if (Status s = c->WaitIndex(name, dm::Deadline(120000)); !s.ok()) return s;
  return c->LoadAndWait(name, replicas, dm::Deadline(120000));
}

int64_t KeyState::Reserve(int n) {
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t first = next_key_;
  next_key_ += n;
  return first;
}

int64_t KeyState::next_key() const {
  std::lock_guard<std::mutex> lock(mu_);
  return next_key_;
}

void KeyState::Acknowledged(const std::vector<int64_t>& keys) {
  std::lock_guard<std::mutex> lock(mu_);
  for (int64_t k : keys) (k % 2 == 0 ? live_ : deletable_).push_back(k);
}

bool KeyState::TakeForUpsert(std::mt19937_64* rng, int64_t* key) {
  std::lock_guard<std::mutex> lock(mu_);
  for (int tries = 0; tries < 8; ++tries) {
    if (!PickFrom(live_, rng, key)) return false;
    if (writing_.insert(*key).second) return true;
  }
  return false;
}

void KeyState::Release(int64_t key) {
  std::lock_guard<std::mutex> lock(mu_);
  writing_.erase(key);
}

int64_t KeyState::NextVersion() {
  std::lock_guard<std::mutex> lock(mu_);
  return next_version_++;
}

void KeyState::WriteAcknowledged(uint64_t ts) {
  std::lock_guard<std::mutex> lock(mu_);
  last_write_ts_ = std::max(last_write_ts_, ts);
}

uint64_t KeyState::last_write_ts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_write_ts_;
}

bool KeyState::TakeForDelete(std::mt19937_64* rng, int64_t* key) {
  std::lock_guard<std::mutex> lock(mu_);
  if (deletable_.empty()) return false;
  const size_t i = std::uniform_int_distribution<size_t>(0, deletable_.size() - 1)(*rng);
  *key = deletable_[i];
  deletable_[i] = deletable_.back();
  deletable_.pop_back();
  return true;
}

void KeyState::DeleteEnded(int64_t key, Outcome outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  if (outcome == Outcome::kOk) deleted_.push_back(key);
  if (outcome == Outcome::kFail) deletable_.push_back(key);  // the server said no: still there
}

bool KeyState::PickLive(std::mt19937_64* rng, int64_t* key) const {
  std::lock_guard<std::mutex> lock(mu_);
  return PickFrom(live_, rng, key);
}

bool KeyState::PickDeleted(std::mt19937_64* rng, int64_t* key) const {
  std::lock_guard<std::mutex> lock(mu_);
  return PickFrom(deleted_, rng, key);
}

Status KeyedCall(dm::MilvusClient* c, const std::string& collection, int rows, KeyState* keys, std::mt19937_64* rng,
                 dm::Deadline deadline, Op* op) {
  int64_t key = 0;
  if (op->kind == kKindUpsert && keys->TakeForUpsert(rng, &key)) {
    const int64_t version = keys->NextVersion();
    op->ids = {key};
    op->values = {version};
    auto r = WriteRows(c, collection, true, op->ids, op->values, rng, deadline);
    keys->Release(key);
    if (r.ok()) {
      op->ts = r->timestamp;
      keys->WriteAcknowledged(op->ts);
    }
    return r.status();
  }
  if (op->kind == kKindDelete && keys->TakeForDelete(rng, &key)) {
    op->ids = {key};
    auto r = c->Delete(collection, "id in [" + std::to_string(key) + "]", deadline);
    keys->DeleteEnded(key, ClassifyOutcome(r.status(), true));
    if (r.ok()) {
      op->ts = r->timestamp;
      keys->WriteAcknowledged(op->ts);
    }
    return r.status();
  }
  if (op->kind == kKindKeyLookup) {
    const bool deleted = std::uniform_int_distribution<int>(0, 1)(*rng) == 1;
    if (deleted ? keys->PickDeleted(rng, &key) : keys->PickLive(rng, &key)) {
      op->ids = {key};
      static constexpr std::pair<dm::pb::ConsistencyLevel, const char*> kLevels[] = {
          {dm::pb::Strong, "Strong"},
          {dm::pb::Session, "Session"},
          {dm::pb::Bounded, "Bounded"},
          {dm::pb::Eventually, "Eventually"}};
      const auto& [level, name] = kLevels[std::uniform_int_distribution<size_t>(0, 3)(*rng)];
      op->level = name;
      dm::Freshness fresh;  // the level as sent, not the collection's default
      if (level == dm::pb::Session) fresh.guarantee_timestamp = keys->last_write_ts();
      auto r =
          c->Query(collection, "id in [" + std::to_string(key) + "]", {"id", "version"}, 10, level, deadline, fresh);
      if (!r.ok()) return r.status();
      Op rows_read;
      AppendRows(r.value(), &rows_read);
      op->value = static_cast<int64_t>(rows_read.ids.size());
      op->values = rows_read.values;
      return Status::OK();
    }
  }
  // A key_insert, or an op whose kind has nothing to work on yet: new keys.
  op->kind = kKindKeyInsert;
  const int64_t first = keys->Reserve(rows);
  for (int i = 0; i < rows; ++i) op->ids.push_back(first + i);
  auto r = WriteRows(c, collection, false, op->ids, std::vector<int64_t>(rows, 0), rng, deadline);
  if (r.ok()) {
    op->ts = r->timestamp;
    keys->WriteAcknowledged(op->ts);
    keys->Acknowledged(op->ids);
  }
  return r.status();
}

Result<Op> KeyedFinalRead(const dm::ConnectOptions& connect, const std::string& collection, int64_t next_key,
                          double timeout_s, const RunClock& clock) {
  const auto until =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000));
  Status last = Status::Internal("not tried");
  while (std::chrono::steady_clock::now() < until) {
    dm::MilvusClient c;
    Op op;
    op.kind = kKindKeyFinal;
    op.intended_us = op.start_us = clock.NowUs();
    last = c.Connect(connect, dm::Deadline(5000));
    // Ranges [lo, lo + chunk) up to next_key, then everything at or beyond it.
    for (int64_t lo = 1; last.ok(); lo += kFinalChunk) {
      const bool tail = lo >= next_key;
      const std::string expr = tail ? "id >= " + std::to_string(lo)
                                    : "id >= " + std::to_string(lo) + " and id < " + std::to_string(lo + kFinalChunk);
      auto r = c.Query(collection, expr, {"id", "version"}, 16384, dm::pb::Strong, dm::Deadline(10000));
      if (!r.ok()) {
        last = r.status();
        break;
      }
      AppendRows(r.value(), &op);
      if (tail) {
        op.end_us = clock.NowUs();
        op.value = static_cast<int64_t>(op.ids.size());
        return op;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return Status::Internal("the keyed final read did not succeed within " + std::to_string(static_cast<int>(timeout_s)) +
                          " s: " + last.ToString());
}

}  // namespace mdrill::drill
