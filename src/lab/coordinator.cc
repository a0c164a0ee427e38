#include "lab/coordinator.h"
#include "lab/grpc_options.h"

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <cstdio>
#include <thread>

#include "lab.grpc.pb.h"
#include "lab/allocator.h"
#include "lab/convert.h"
#include "lab/election.h"
#include "lab/etcd_log.h"
#include "lab/milvus_service.h"
#include "lab/compactor.h"
#include "lab/replicas.h"
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

}  // namespace

int RunCoordinator(const CoordinatorOptions& o) {
  StopSignals stop_signals;  // before any thread starts

  EtcdClient etcd(o.etcd);
  ElectionOptions eo;
  eo.key = o.prefix + "/coordinator/active";
  eo.candidate = o.id + "@" + o.listen;  // proxies find the active coordinator's address here
  eo.ttl_seconds = o.lease_ttl_seconds;
  Election election(&etcd, eo);
  FencedAllocator alloc(&etcd, &election, eo.key, o.prefix);

  // The catalog follows the log while standby and writes it while active.
  EtcdLogOptions lo;
  lo.prefix = o.prefix;
  lo.storage_dir = o.storage_dir;
  Catalog catalog(CatalogOptions{}, nullptr);
  LogTailer tailer(&etcd, &catalog, lo);
  EtcdLog log(&etcd, &alloc, &election, eo.key, &tailer, lo);
  catalog.SetLog(&log);
  // The first request of each new term reads the allocator's persisted bounds and
  // waits until everything earlier leaders committed is applied here.
  std::mutex activate_mu;
  std::atomic<int64_t> activated_term{0};
  auto activate = [&]() -> Status {
    if (!election.IsLeader())
      return Status(code::kServiceNotReady, legacy::kNotReadyServe + 1, "coordinator " + o.id + " is not active");
    int64_t term = election.term();
    if (activated_term.load() == term) return Status::OK();
    std::lock_guard<std::mutex> lock(activate_mu);
    if (activated_term.load() == term) return Status::OK();
    Status s = alloc.OnElected();
    if (!s.ok()) return s;
    auto rev = etcd.Revision(Deadline(2000));
    if (!rev.ok()) return rev.status();
    if (!tailer.WaitApplied(rev.value(), std::chrono::steady_clock::now() + std::chrono::seconds(5)))
      return Status(code::kServiceNotReady, legacy::kNotReadyServe + 1, "coordinator " + o.id + " is catching up");
    activated_term = term;
    return Status::OK();
  };
  CoordinatorService service(o, &election, &alloc, activate);
  ServiceOptions so;
  so.deploy_mode = "CLUSTER";
  so.before_request = [&](const grpc::ServerContext*) { return activate(); };
  so.replica_placement = [&](int64_t collection_id, int replicas) {
    return ReadPlacement(&etcd, o.prefix, collection_id, replicas);
  };
  MilvusService milvus(&catalog, so);
  catalog.Start();
  tailer.Start();
  ReplicaManager replicas(&etcd, &election, eo.key, &catalog, o.prefix, o.id);
  replicas.Start();
  // Seals and merges are decided by the active coordinator only and reach query nodes
  // and standbys as log records; activate() is false while standby.
  Compactor compactor(&catalog, CatalogOptions{}.compaction.interval, [&] { return activate().ok(); });
  compactor.Start();

  grpc::ServerBuilder builder;
  AcceptComponentPings(&builder);
  int port = 0;
  builder.AddListeningPort(o.listen, grpc::InsecureServerCredentials(), &port);
  builder.SetMaxReceiveMessageSize(64 << 20);
  builder.RegisterService(&service);
  builder.RegisterService(&milvus);
  auto server = builder.BuildAndStart();
  if (!server || port == 0) {
    std::fprintf(stderr, "coordinator %s: cannot listen on %s\n", o.id.c_str(), o.listen.c_str());
    return 1;
  }
  std::printf("coordinator %s: serving on %s, standby until elected (lease TTL %d s)\n", o.id.c_str(),
              o.listen.c_str(), o.lease_ttl_seconds);
  std::fflush(stdout);
  election.Start([&](bool leader) {
    if (leader) {
      std::printf("coordinator %s: active (term %lld) since_unix_ms=%lld\n", o.id.c_str(),
                  static_cast<long long>(election.term()), static_cast<long long>(election.leader_since_unix_ms()));
    } else {
      std::printf("coordinator %s: standby (lost or gave up the election) served_until_unix_ms=%lld\n", o.id.c_str(),
                  static_cast<long long>(election.served_until_unix_ms()));
    }
    std::fflush(stdout);
  });
  stop_signals.Wait();
  compactor.Stop();
  replicas.Stop();
  election.Stop();  // revokes the lease: a standby takes over without waiting for the TTL
  tailer.Stop();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  std::printf("coordinator %s: stopped\n", o.id.c_str());
  std::fflush(stdout);
  return 0;
}

}  // namespace mdrill::lab
