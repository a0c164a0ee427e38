#include "lab/ha/coordinator.h"

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "etcd/keys.h"
#include "lab.grpc.pb.h"
#include "lab/ha/allocator.h"
#include "lab/ha/election.h"
#include "lab/ha/etcd_credentials.h"
#include "lab/ha/etcd_log.h"
#include "lab/ha/log_archive.h"
#include "lab/ha/replicas.h"
#include "lab/server/compactor.h"
#include "lab/server/convert.h"
#include "lab/server/grpc_options.h"
#include "lab/server/milvus_service.h"
#include "util/stop_signals.h"

namespace mdrill::lab {

namespace rec = ::milvusdrill::lab;

namespace {

class CoordinatorService final : public rec::Coordinator::Service {
 public:
  CoordinatorService(const CoordinatorOptions& o, Election* election, FencedAllocator* alloc,
                     std::function<Status()> activate)
      : options_(o), election_(election), alloc_(alloc), activate_(std::move(activate)) {}

  grpc::Status GetRole(grpc::ServerContext*, const rec::RoleRequest*, rec::RoleResponse* resp) override {
    resp->mutable_status();
    resp->set_id(options_.id);
    resp->set_active(election_->IsLeader());
    resp->set_term(resp->active() ? election_->term() : 0);
    resp->set_holder(election_->holder());
    return grpc::Status::OK;
  }

  grpc::Status AllocTimestamp(grpc::ServerContext*, const rec::AllocRequest* req, rec::AllocResponse* resp) override {
    Status a = activate_();
    if (!a.ok()) {
      Fill(a, 0, 0, resp);
      return grpc::Status::OK;
    }
    auto r = alloc_->Timestamps(req->count());
    Fill(r.status(), r.ok() ? r.value() : 0, req->count(), resp);
    return grpc::Status::OK;
  }

  grpc::Status AllocIds(grpc::ServerContext*, const rec::AllocRequest* req, rec::AllocResponse* resp) override {
    Status a = activate_();
    if (!a.ok()) {
      Fill(a, 0, 0, resp);
      return grpc::Status::OK;
    }
    auto r = alloc_->Ids(req->count());
    Fill(r.status(), r.ok() ? static_cast<uint64_t>(r.value()) : 0, req->count(), resp);
    return grpc::Status::OK;
  }

 private:
  void Fill(const Status& s, uint64_t begin, uint32_t count, rec::AllocResponse* resp) {
    SetStatus(s, resp->mutable_status());
    if (!s.ok()) return;
    resp->set_begin(begin);
    resp->set_count(count);
    resp->set_term(election_->term());
  }

  const CoordinatorOptions& options_;
  Election* election_;
  FencedAllocator* alloc_;
  std::function<Status()> activate_;
};

// Serves a coordinator's first request of each new term only once it has read the
// allocator's persisted bounds and applied everything earlier leaders committed;
// before that, and while standby, refuses with NotReadyCoordActivating.
class TermActivation {
 public:
  TermActivation(const CoordinatorOptions& o, etcd::EtcdClient* etcd, Election* election, FencedAllocator* alloc,
                 LogTailer* tailer)
      : o_(o), etcd_(etcd), election_(election), alloc_(alloc), tailer_(tailer) {}

  // OK when this coordinator is active and ready for the current term.
  Status Activate() {
    if (!election_->IsLeader()) return NotReady("is not active");
    int64_t term = election_->term();
    if (activated_term_.load() == term) return Status::OK();
    // One request activates; the others are refused at once meanwhile (queued
    // behind it, each would wait its turn: thousands of threads, seconds each).
    std::unique_lock<std::mutex> lock(mu_, std::try_to_lock);
    if (!lock.owns_lock()) return NotReady("is catching up");
    if (activated_term_.load() == term) return Status::OK();
    Status s = alloc_->OnElected();
    if (!s.ok()) return s;
    auto rev = etcd_->Revision(etcd::Deadline(2000));
    if (!rev.ok()) return rev.status();
    if (!tailer_->WaitApplied(rev.value(), std::chrono::steady_clock::now() + std::chrono::seconds(5)))
      return NotReady("is catching up");
    activated_term_ = term;
    return Status::OK();
  }

 private:
  Status NotReady(const std::string& why) const {
    return Status(code::kServiceNotReady, legacy::kNotReadyServe + 1, "coordinator " + o_.id + " " + why);
  }

  const CoordinatorOptions& o_;
  etcd::EtcdClient* etcd_;
  Election* election_;
  FencedAllocator* alloc_;
  LogTailer* tailer_;
  std::mutex mu_;
  std::atomic<int64_t> activated_term_{0};
};

// The Milvus API as the coordinator serves it: every request waits for activation;
// GetReplicas reads the placement the active coordinator keeps in etcd.
ServiceOptions CoordinatorMilvusOptions(const CoordinatorOptions& o, etcd::EtcdClient* etcd,
                                        TermActivation* activation) {
  ServiceOptions so;
  so.deploy_mode = "CLUSTER";
  so.before_request = [activation](const grpc::ServerContext*) { return activation->Activate(); };
  so.replica_placement = [&o, etcd](int64_t collection_id, int replicas) {
    return ReadPlacement(etcd, o.prefix, collection_id, replicas);
  };
  return so;
}

// The message limit on requests only: replies keep gRPC's default (no limit).
GrpcServerOptions CoordinatorServerOptions(const CoordinatorOptions& o) {
  GrpcServerOptions g;
  g.listen = o.listen;
  g.max_receive_bytes = kMaxMessageBytes;
  g.accept_component_pings = true;
  return g;
}

// Logs each change of role with its wall-clock bounds (tests check that two
// leaderships never overlapped).
// Milvus's own record of its active coordinator, as upstream writes it: the key
// <rootPath>/meta/session/<role> (a singleton) holding the session's JSON, bound to
// the leadership's lease so that it goes with it. What the drill reads from a real
// cluster (drill/nemesis/milvus_sessions.h) reads the lab the same way. The server id
// is the election's term: a new leadership, a new id, as a restarted Milvus process
// registers a new ServerID.
void RegisterMilvusSession(const CoordinatorOptions& o, etcd::EtcdClient* etcd, const Election& election) {
  nlohmann::json s = {
      {"ServerID", election.term()}, {"ServerName", o.session_role}, {"Address", o.listen},         {"Exclusive", true},
      {"TriggerKill", true},         {"Version", kLabVersion},       {"LeaseID", election.lease()}, {"HostName", o.id}};
  Status put = Status::Internal("not tried");
  for (int attempt = 0; attempt < 3 && !put.ok(); ++attempt)
    put = etcd->Put(etcd::MilvusSessionKey(o.session_root, o.session_role), s.dump(), election.lease(),
                    etcd::Deadline(2000));
  if (!put.ok())
    std::fprintf(stderr, "coordinator %s: could not register the Milvus session: %s\n", o.id.c_str(),
                 put.reason().c_str());
}

void ReportRole(const CoordinatorOptions& o, const Election& election, bool leader) {
  if (leader) {
    std::printf("coordinator %s: active (term %lld) since_unix_ms=%lld\n", o.id.c_str(),
                static_cast<long long>(election.term()), static_cast<long long>(election.leader_since_unix_ms()));
  } else {
    std::printf("coordinator %s: standby (lost or gave up the election) served_until_unix_ms=%lld\n", o.id.c_str(),
                static_cast<long long>(election.served_until_unix_ms()));
  }
  std::fflush(stdout);
}

// Waits until the tailer applied the log as it stood at the call (or a stop);
// true when caught up.
bool CaughtUpBeforeCampaigning(const CoordinatorOptions& o, LogTailer* tailer, const std::atomic<bool>& stopping) {
  const auto started = std::chrono::steady_clock::now();
  if (!tailer->CatchUpToCurrent(&stopping)) return false;
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (s >= 1) {
    std::printf("coordinator %s: applied the log (%lld records) in %.1f s before campaigning\n", o.id.c_str(),
                static_cast<long long>(tailer->records_applied()), s);
    std::fflush(stdout);
  }
  return true;
}

}  // namespace

int RunCoordinator(const CoordinatorOptions& o) {
  StopSignals stop_signals;  // before any thread starts

  etcd::EtcdClient etcd(o.etcd);
  ElectionOptions eo;
  eo.key = etcd::ElectionKey(o.prefix);
  eo.candidate = o.id + "@" + o.listen;  // proxies find the active coordinator's address here
  eo.ttl_seconds = o.lease_ttl_seconds;
  Election election(&etcd, eo);
  FencedAllocator alloc(&etcd, &election, eo.key, o.prefix);

  // The catalog follows the log while standby and writes it while active. It holds
  // metadata only: keys, scalars, segments and index specs; the query nodes hold the
  // vectors and build the indexes.
  EtcdLogOptions lo;
  lo.prefix = o.prefix;
  lo.storage_dir = o.storage_dir;
  CatalogOptions co;
  co.collection.metadata_only = true;
  Catalog catalog(co, nullptr);
  LogTailer tailer(&etcd, &catalog, lo);
  EtcdLog log(&etcd, &alloc, &election, eo.key, &tailer, lo);
  catalog.SetLog(&log);
  TermActivation activation(o, &etcd, &election, &alloc, &tailer);
  CoordinatorService service(o, &election, &alloc, [&] { return activation.Activate(); });
  // Users: written only by the active coordinator, under its election's fence.
  auto credential_store = EtcdCredentialStore(&etcd, o.prefix, eo.key, [&election] { return election.lease(); });
  Credentials credentials(credential_store.get());
  ServiceOptions milvus_options = CoordinatorMilvusOptions(o, &etcd, &activation);
  milvus_options.credentials = &credentials;
  MilvusService milvus(&catalog, milvus_options);
  catalog.Start();
  tailer.Start();
  ReplicaManager replicas(&etcd, &election, eo.key, &catalog, o.prefix, o.id);
  replicas.Start();
  // Seals and merges are decided by the active coordinator only and reach query nodes
  // and standbys as log records; Activate() fails while standby.
  Compactor compactor(&catalog, CatalogOptions{}.compaction.interval, [&] { return activation.Activate().ok(); });
  compactor.Start();
  // Moves full runs of the log out of etcd into the storage directory while active.
  LogArchiveOptions ao;
  ao.prefix = o.prefix;
  ao.storage_dir = o.storage_dir;
  LogArchiver archiver(&etcd, &election, eo.key, ao, [&] { return activation.Activate().ok(); });
  archiver.Start();

  auto started = StartGrpcServer(CoordinatorServerOptions(o), {&service, &milvus});
  if (!started.ok()) {
    std::fprintf(stderr, "coordinator %s: %s\n", o.id.c_str(), started.status().reason().c_str());
    return 1;
  }
  std::printf("coordinator %s: serving on %s, standby until elected (lease TTL %d s)\n", o.id.c_str(), o.listen.c_str(),
              o.lease_ttl_seconds);
  std::fflush(stdout);
  // Campaigns only once it has applied the log as it stood at start: a restarted
  // coordinator that won the election on a long log would refuse writes while it
  // read it, where the warm standby could have served at once.
  std::atomic<bool> stopping{false};
  std::thread campaign([&] {
    if (CaughtUpBeforeCampaigning(o, &tailer, stopping))
      election.Start([&](bool leader) {
        if (leader) RegisterMilvusSession(o, &etcd, election);
        ReportRole(o, election, leader);
      });
  });
  stop_signals.Wait();
  stopping = true;
  campaign.join();
  archiver.Stop();
  compactor.Stop();
  replicas.Stop();
  election.Stop();  // revokes the lease: a standby takes over without waiting for the TTL
  tailer.Stop();
  started->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  std::printf("coordinator %s: stopped\n", o.id.c_str());
  std::fflush(stdout);
  return 0;
}

}  // namespace mdrill::lab
