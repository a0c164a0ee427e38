#include "drill/run/workload.h"

#include <cmath>

namespace mdrill::drill {

namespace dm = mdrill::milvus;

void Ledger::Add(const std::vector<int64_t>& pks) {
  std::lock_guard<std::mutex> lock(mu_);
  pks_.insert(pks_.end(), pks.begin(), pks.end());
}

std::vector<int64_t> Ledger::All() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pks_;
}

bool Ledger::Pick(std::mt19937_64* rng, int64_t* pk) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (pks_.empty()) return false;
  *pk = pks_[std::uniform_int_distribution<size_t>(0, pks_.size() - 1)(*rng)];
  return true;
}

Outcome ClassifyOutcome(const Status& s, bool mutation) {
  if (s.ok()) return Outcome::kOk;
  // A write that failed in transit, or that the proxy could not confirm, may have
  // been applied: only the final read can tell.
  if (mutation && (s.IsTransport() || s.code() == code::kServiceUnavailable)) return Outcome::kUnknown;
  return Outcome::kFail;
}

struct Workload::Pool {
  std::string kind;
  double rate = 0;
  int clients = 1;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::pair<int64_t, int64_t>> queue;  // (sequence, intended_us)
  bool done = false;
  std::thread scheduler;
  std::vector<std::thread> workers;
  // sdk_probe: the one client all workers share, as an application's.
  std::mutex shared_mu;
  std::unique_ptr<dm::MilvusClient> shared;
};

Status PrepareSideCollections(dm::MilvusClient* admin, const WorkloadOptions& o) {
  if (o.keyed_rate > 0) {
    if (Status ks = CreateKeyedCollection(admin, o.keyed_collection, o.side_replicas); !ks.ok()) {
      (void)admin->DropCollection(o.keyed_collection, dm::Deadline(30000));
      return Status::InvalidArgument("cannot prepare the keyed collection: " + ks.ToString());
    }
  }
  if (o.ddl_rate > 0) {
    if (Status ds = CheckNoDdlCollections(admin, o.ddl_prefix); !ds.ok()) {
      if (o.keyed_rate > 0) (void)admin->DropCollection(o.keyed_collection, dm::Deadline(30000));
      return Status::InvalidArgument("cannot start the DDL churn: " + ds.reason());
    }
  }
  return Status::OK();
}

Workload::Workload(WorkloadOptions o, const Dataset* dataset, std::vector<int64_t> base_pks, HistoryWriter* history,
                   const RunClock* clock)
    : o_(std::move(o)),
      dataset_(dataset),
      base_pks_(std::move(base_pks)),
      history_(history),
      clock_(clock),
      ddl_(o_.ddl_prefix, o_.side_replicas) {}

Workload::~Workload() { Stop(); }

void Workload::Start() {
  for (auto [kind, rate] : {std::pair<const char*, double>{kKindSearch, o_.search_rate},
                            {kKindInsert, o_.insert_rate},
                            {kKindQuery, o_.query_rate},
                            {kKindProbe, o_.probe_rate},
                            {kKindConnect, o_.connect_rate},
                            {kKindSdkProbe, o_.sdk_probe_rate},
                            {kKindKeyInsert, o_.keyed_rate},
                            {kKindUpsert, o_.keyed_rate},
                            {kKindDelete, o_.keyed_rate},
                            {kKindKeyLookup, o_.keyed_rate},
                            {kKindDdl, o_.ddl_rate}}) {
    if (rate <= 0) continue;
    auto pool = std::make_unique<Pool>();
    pool->kind = kind;
    pool->rate = rate;
    // Enough clients for every operation that can be in flight within one deadline.
    pool->clients = std::clamp(static_cast<int>(std::ceil(rate * o_.deadline_ms / 1000.0)) + 2, 2, o_.max_clients);
    // The DDL churn's steps run one at a time: one worker, so a step's start is when
    // it was sent (a second worker would wait for the first and start its clock early).
    if (pool->kind == kKindDdl) pool->clients = 1;
    Pool* p = pool.get();
    if (p->kind == kKindSdkProbe) {
      // The application's one client, connected before the first probe (a first
      // probe that paid for the connection would inflate the warm-up latency the
      // RTO's bound is taken from). If this fails, the first probes connect.
      auto c = std::make_unique<dm::MilvusClient>();
      dm::ConnectOptions co = o_.connect;
      co.reconnect = dm::ReconnectProfile::kSdkDefault;
      if (c->Connect(co, dm::Deadline(o_.deadline_ms)).ok()) p->shared = std::move(c);
    }
    for (int i = 0; i < p->clients; ++i) p->workers.emplace_back([this, p] { Work(p); });
    p->scheduler = std::thread([this, p] { Schedule(p); });
    pools_.push_back(std::move(pool));
  }
}

void Workload::Stop() {
  stop_ = true;
  for (auto& p : pools_) {
    if (p->scheduler.joinable()) p->scheduler.join();
    {
      std::lock_guard<std::mutex> lock(p->mu);
      p->done = true;
    }
    p->cv.notify_all();
    for (auto& w : p->workers)
      if (w.joinable()) w.join();
  }
  pools_.clear();
}

void Workload::Schedule(Pool* p) {
  const int64_t start = clock_->NowUs();
  const double period_us = 1e6 / p->rate;
  for (int64_t k = 0; !stop_; ++k) {
    int64_t intended = start + static_cast<int64_t>(std::llround(k * period_us));
    std::this_thread::sleep_until(clock_->FromUs(intended));
    if (stop_) break;
    {
      std::lock_guard<std::mutex> lock(p->mu);
      p->queue.emplace_back(k, intended);
    }
    p->cv.notify_one();
  }
}

void Workload::Work(Pool* p) {
  dm::MilvusClient client;
  bool connected = false;
  // Connected before the first operation: a client that first connects in the
  // middle of an outage would add its handshake to the server's backlog there.
  if (p->kind != kKindConnect && p->kind != kKindSdkProbe)
    connected = client.Connect(o_.connect, dm::Deadline(o_.deadline_ms)).ok();
  std::mt19937_64 rng(o_.seed ^ std::hash<std::thread::id>()(std::this_thread::get_id()));
  while (true) {
    std::pair<int64_t, int64_t> task;
    {
      std::unique_lock<std::mutex> lock(p->mu);
      p->cv.wait(lock, [p] { return p->done || !p->queue.empty(); });
      if (p->queue.empty()) return;                // done, and nothing left to run
      if (p->done && p->kind == kKindDdl) return;  // a DDL backlog is not waited for at the end
      task = p->queue.front();
      p->queue.pop_front();
    }
    Op op = Execute(p, task.first, &client, &connected, &rng);
    op.intended_us = task.second;
    ++issued_;
    if (!op.ok()) ++failed_;
    (void)history_->Append(op);
  }
}

Op Workload::Execute(Pool* pool, int64_t seq, dm::MilvusClient* client, bool* connected, std::mt19937_64* rng) {
  Op op;
  op.kind = pool->kind;
  op.start_us = clock_->NowUs();
  const dm::Deadline deadline(o_.deadline_ms);
  Status s;
  if (pool->kind == kKindSdkProbe) {
    s = SdkProbe(pool, deadline);
  } else if (pool->kind == kKindConnect) {
    dm::MilvusClient fresh;  // its own channel, connection and handshake
    s = fresh.Connect(o_.connect, deadline);
  } else {
    if (!*connected) {
      s = client->Connect(o_.connect, deadline);
      *connected = s.ok();
    }
    if (s.ok()) s = Call(pool->kind, seq, client, rng, deadline, &op);
    // A transport failure may leave the connection stuck (a black hole, a dead
    // peer): the next op starts on a new one, so it measures the server.
    if (!s.ok() && s.IsTransport()) *connected = false;
  }
  op.end_us = clock_->NowUs();
  op.outcome = ClassifyOutcome(s, IsMutationKind(op.kind) || IsDdlMutationKind(op.kind));
  if (!s.ok()) {
    op.code = s.IsTransport() ? s.transport_code() : s.code();
    op.error = (s.IsTransport() ? "grpc: " : "milvus: ") + s.reason();
  }
  return op;
}

Status Workload::SdkProbe(Pool* pool, dm::Deadline deadline) {
  dm::MilvusClient* shared = nullptr;
  {
    std::lock_guard<std::mutex> lock(pool->shared_mu);
    if (!pool->shared) {
      auto c = std::make_unique<dm::MilvusClient>();
      dm::ConnectOptions co = o_.connect;
      co.reconnect = dm::ReconnectProfile::kSdkDefault;
      Status s = c->Connect(co, deadline);
      if (!s.ok()) return s;  // as an application would, it tries again next time
      pool->shared = std::move(c);
    }
    shared = pool->shared.get();
  }
  // Never replaced: its channel comes back on its own schedule, which is the point.
  return shared->GetVersion(deadline).status();
}

Status Workload::Call(const std::string& kind, int64_t seq, dm::MilvusClient* client, std::mt19937_64* rng,
                      dm::Deadline deadline, Op* op) {
  if (kind == kKindSearch) {
    int probe = static_cast<int>(seq % dataset_->options().probes);
    dm::SearchParams sp;
    sp.collection = o_.collection;
    sp.dim = dataset_->options().dim;
    sp.vectors.assign(dataset_->probe(probe), dataset_->probe(probe) + sp.dim);
    sp.topk = dataset_->options().topk;
    sp.params_json = o_.search_params;
    auto r = client->Search(sp, deadline);
    if (r.ok()) {
      std::vector<int64_t> got;
      if (!r->hits.empty())
        for (const auto& h : r->hits[0]) got.push_back(h.id);
      op->recall = RecallAtK(got, dataset_->truth(probe), base_pks_);
      op->value = static_cast<int64_t>(got.size());
    }
    return r.status();
  }
  if (kind == kKindInsert) {
    auto vectors = dataset_->InsertBatch(o_.insert_rows, rng);
    auto r = client->Insert(o_.collection, {dm::FloatVectorColumn("embedding", dataset_->options().dim, vectors)},
                            o_.insert_rows, deadline);
    if (r.ok()) {
      op->ids = r->int_ids;
      op->ts = r->timestamp;
      ledger_.Add(r->int_ids);
    }
    return r.status();
  }
  if (kind == kKindProbe) return client->GetVersion(deadline).status();
  if (kind == kKindKeyInsert || kind == kKindUpsert || kind == kKindDelete || kind == kKindKeyLookup)
    return KeyedCall(client, o_.keyed_collection, o_.keyed_rows, &keys_, rng, deadline, op);
  if (kind == kKindDdl) return ddl_.Step(client, deadline, op);
  int64_t pk = 0;
  if (seq % 2 == 1 && ledger_.Pick(rng, &pk)) {
    // A point lookup of an acknowledged row, Strong: it must be there.
    op->kind = kKindQuery;
    op->ids = {pk};
    auto r = client->Query(o_.collection, "id in [" + std::to_string(pk) + "]", {"id"}, 10, dm::pb::Strong, deadline);
    if (r.ok()) op->value = r->fields_data_size() > 0 ? r->fields_data(0).scalars().long_data().data_size() : 0;
    return r.status();
  }
  op->kind = kKindCount;
  auto r = client->Count(o_.collection, "", dm::pb::Strong, deadline);
  if (r.ok()) op->value = r.value();
  return r.status();
}

}  // namespace mdrill::drill
