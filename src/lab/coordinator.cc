#include "lab/coordinator.h"

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <cstdio>
#include <thread>

#include "lab.grpc.pb.h"
#include "lab/allocator.h"
#include "lab/convert.h"
#include "lab/election.h"

namespace mdrill::lab {

namespace rec = ::milvusdrill::lab;

namespace {

class CoordinatorService final : public rec::Coordinator::Service {
 public:
  CoordinatorService(const CoordinatorOptions& o, Election* election, FencedAllocator* alloc)
      : options_(o), election_(election), alloc_(alloc) {}

  grpc::Status GetRole(grpc::ServerContext*, const rec::RoleRequest*, rec::RoleResponse* resp) override {
    resp->mutable_status();
    resp->set_id(options_.id);
    resp->set_active(election_->IsLeader());
    resp->set_term(resp->active() ? election_->term() : 0);
    resp->set_holder(election_->holder());
    return grpc::Status::OK;
  }

  grpc::Status AllocTimestamp(grpc::ServerContext*, const rec::AllocRequest* req, rec::AllocResponse* resp) override {
    auto r = alloc_->Timestamps(req->count());
    Fill(r.status(), r.ok() ? r.value() : 0, req->count(), resp);
    return grpc::Status::OK;
  }

  grpc::Status AllocIds(grpc::ServerContext*, const rec::AllocRequest* req, rec::AllocResponse* resp) override {
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
};

}  // namespace

int RunCoordinator(const CoordinatorOptions& o) {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  EtcdClient etcd(o.etcd);
  ElectionOptions eo;
  eo.key = o.prefix + "/coordinator/active";
  eo.candidate = o.id;
  eo.ttl_seconds = o.lease_ttl_seconds;
  Election election(&etcd, eo);
  FencedAllocator alloc(&etcd, &election, eo.key, o.prefix);
  CoordinatorService service(o, &election, &alloc);

  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(o.listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
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
      Status s = alloc.OnElected();
      std::printf("coordinator %s: active (term %lld)%s\n", o.id.c_str(), static_cast<long long>(election.term()),
                  s.ok() ? "" : (" but cannot read the allocator bounds: " + s.ToString()).c_str());
    } else {
      std::printf("coordinator %s: standby (lost or gave up the election)\n", o.id.c_str());
    }
    std::fflush(stdout);
  });
  int sig = 0;
  sigwait(&stop_signals, &sig);
  election.Stop();  // revokes the lease: a standby takes over without waiting for the TTL
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  std::printf("coordinator %s: stopped\n", o.id.c_str());
  std::fflush(stdout);
  return 0;
}

}  // namespace mdrill::lab
