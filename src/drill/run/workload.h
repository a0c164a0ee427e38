// The drill's workloads: open-loop searches, inserts and queries against a Milvus
// endpoint, every operation recorded in the run's history.
//
// Open loop: operation k of a kind is *intended* to start at start + k / rate,
// whatever happened to earlier ones. A pool of clients per kind picks operations up
// in order; when all are busy (a stalled server) operations wait, and their latency
// still counts from the intended start, so a stall shows in the figures instead of
// silently lowering the request rate (coordinated omission). Every call carries a
// deadline; nothing is retried.
//
// Clients: each worker owns a connection (ReconnectProfile::kFast) and replaces
// it after any transport failure, so an outage is timed as the server's, not as
// a stuck or backing-off connection's. "connect" ops open a new one every time;
// "sdk_probe" ops share one channel with gRPC's default reconnect behaviour, as an
// application using an SDK does.
//
// Outcomes: ok; fail (the server answered no, or a read failed); unknown (an insert
// that failed in transport or with "service unavailable" may have taken effect).
//
// Thread-safe: Start/Stop from one thread; the ledger from any.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "drill/history/history.h"
#include "drill/run/dataset.h"
#include "drill/run/ddl.h"
#include "drill/run/keyed.h"
#include "milvus/client.h"

namespace mdrill::drill {

// Microseconds since the run's epoch, the time base of the history.
class RunClock {
 public:
  RunClock() : epoch_(std::chrono::steady_clock::now()) {}
  int64_t NowUs() const { return ToUs(std::chrono::steady_clock::now()); }
  int64_t ToUs(std::chrono::steady_clock::time_point t) const {
    return std::chrono::duration_cast<std::chrono::microseconds>(t - epoch_).count();
  }
  std::chrono::steady_clock::time_point FromUs(int64_t us) const { return epoch_ + std::chrono::microseconds(us); }

 private:
  std::chrono::steady_clock::time_point epoch_;
};

struct WorkloadOptions {
  milvus::ConnectOptions connect;  // address and credentials
  std::string collection;
  double search_rate = 10;  // operations per second; 0 turns a kind off
  double insert_rate = 10;
  double query_rate = 10;   // alternates count(*) and a point lookup of an acknowledged id
  double probe_rate = 0;    // GetVersion: the lightest call through the proxy, to time outages
  double connect_rate = 5;  // Connect on a new connection each time: can a new client get in?
  // GetVersion through one shared channel with the SDKs' default reconnect
  // behaviour: what an application saw (the client's view; never in the RTO).
  double sdk_probe_rate = 5;
  // Each of key_insert, upsert, delete and key_lookup per second, on the side
  // collection `keyed_collection` (drill/run/keyed.h); 0 turns them off.
  double keyed_rate = 0;
  std::string keyed_collection;
  int keyed_rows = 5;  // rows per key_insert
  // Steps of the DDL churn per second, on side collections named `ddl_prefix` + k
  // (drill/run/ddl.h); 0 turns it off.
  double ddl_rate = 0;
  std::string ddl_prefix;
  int side_replicas = 1;   // replicas of the keyed and DDL side collections (the run's)
  int deadline_ms = 5000;  // per call
  int insert_rows = 10;    // rows per insert
  std::string search_params = R"({"nprobe":16})";
  int max_clients = 1024;  // per kind: at most this many operations in flight
  uint64_t seed = 7;
};

// Primary keys of acknowledged inserts, in acknowledgement order.
class Ledger {
 public:
  void Add(const std::vector<int64_t>& pks);
  std::vector<int64_t> All() const;
  // A random acknowledged pk; false when there is none yet.
  bool Pick(std::mt19937_64* rng, int64_t* pk) const;

 private:
  mutable std::mutex mu_;
  std::vector<int64_t> pks_;
};

// Before the workload starts: the keyed workload's collection created and loaded
// (keyed_rate > 0), and no collection in the DDL churn's names (ddl_rate > 0). On
// failure, what it created is dropped and the error says which part failed.
Status PrepareSideCollections(milvus::MilvusClient* admin, const WorkloadOptions& o);

// Classifies a call's Status for the history.
Outcome ClassifyOutcome(const Status& s, bool mutation);

class Workload {
 public:
  // `base_pks[i]` is the primary key of dataset row i (for recall); `history` and
  // `dataset` must outlive the workload.
  Workload(WorkloadOptions o, const Dataset* dataset, std::vector<int64_t> base_pks, HistoryWriter* history,
           const RunClock* clock);
  ~Workload();
  Workload(const Workload&) = delete;
  Workload& operator=(const Workload&) = delete;

  void Start();
  // Stops issuing operations and waits for those in flight (bounded by their deadline).
  void Stop();
  const Ledger& ledger() const { return ledger_; }
  const KeyState& keys() const { return keys_; }
  int64_t issued() const { return issued_.load(); }
  int64_t failed() const { return failed_.load(); }

 private:
  struct Pool;
  void Schedule(Pool* pool);
  void Work(Pool* pool);
  Op Execute(Pool* pool, int64_t seq, milvus::MilvusClient* client, bool* connected, std::mt19937_64* rng);
  Status Call(const std::string& kind, int64_t seq, milvus::MilvusClient* client, std::mt19937_64* rng,
              milvus::Deadline deadline, Op* op);
  Status SdkProbe(Pool* pool, milvus::Deadline deadline);

  WorkloadOptions o_;
  const Dataset* dataset_;
  std::vector<int64_t> base_pks_;
  HistoryWriter* history_;
  const RunClock* clock_;
  Ledger ledger_;
  KeyState keys_;
  DdlChurn ddl_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> issued_{0}, failed_{0};
  std::vector<std::unique_ptr<Pool>> pools_;
};

}  // namespace mdrill::drill
