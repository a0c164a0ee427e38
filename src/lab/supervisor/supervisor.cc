#include "lab/supervisor/supervisor.h"

#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "etcd/client.h"
#include "etcd/keys.h"
#include "lab.grpc.pb.h"
#include "lab/ha/defaults.h"
#include "lab/server/convert.h"
#include "lab/server/grpc_options.h"
#include "lab/supervisor/etcd_space.h"
#include "lab/supervisor/journal.h"
#include "lab/supervisor/netlab.h"
#include "lab/supervisor/peer_owner.h"
#include "lab/supervisor/state_file.h"
#include "milvus.grpc.pb.h"
#include "util/durable_append.h"
#include "util/hybrid_ts.h"
#include "util/selector.h"
#include "util/stop_signals.h"
#include "util/subprocess.h"

namespace mdrill::lab {

namespace rec = ::milvusdrill::lab;
using Clock = std::chrono::steady_clock;

namespace {

struct Component {
  ComponentPlan plan;
  Subprocess proc;
  bool started_once = false;
  int restarts = 0;
  bool paused = false;
  bool partitioned = false;
  Clock::time_point restart_at{};  // when a dead component may start again
  Clock::time_point hold_until{};  // kill --no-restart: down until then
  std::string fault;
};

struct Fault {
  std::string id;
  std::string action;  // kill | pause | partition | loss | delay
  std::vector<Component*> targets;
  Clock::time_point expires;
};

class Supervisor final : public rec::Supervisor::Service {
 public:
  explicit Supervisor(const SupervisorOptions& o) : o_(o) {
    std::vector<EtcdMember> members;
    auto plans = PlanTopology(o.topology, &members);
    plans_ = plans;
    std::filesystem::create_directories(o.topology.data_dir + "/storage");
    std::ofstream(HaproxyConfigPath(o.topology)) << HaproxyConfig(o.topology, plans);
    for (auto& plan : plans) {
      auto c = std::make_unique<Component>();
      c->plan = std::move(plan);
      if (c->plan.role == "querynode" || c->plan.role == "proxy" || c->plan.role == "frontdoor")
        milvus_stubs_[c->plan.name] = ::milvus::proto::milvus::MilvusService::NewStub(
            LabChannel(c->plan.address, c->plan.role == "querynode" ? "" : o_.topology.tls_cert_file));
      components_.push_back(std::move(c));
    }
    // After a supervisor that crashed, restarts go on from its counts: the lab's
    // platform counts over the lab's life, as a pod's outlive a kubelet's restart.
    const std::map<std::string, int> carried = RestartsLeftByCrash(o.topology.data_dir);
    for (auto& c : components_)
      if (auto it = carried.find(c->plan.name); it != carried.end()) c->restarts = it->second;
    etcd_endpoints_ = Endpoints(members);
    for (const auto& c : components_)
      if (c->plan.role == "coordinator")
        coord_stubs_[c->plan.name] =
            rec::Coordinator::NewStub(grpc::CreateChannel(c->plan.address, grpc::InsecureChannelCredentials()));
  }

  const std::vector<std::string>& etcd_endpoints() const { return etcd_endpoints_; }
  void SetSpaceKeeper(const EtcdSpaceKeeper* keeper) { space_ = keeper; }

  // Builds the lab's network namespaces when the topology asks for them.
  mdrill::Status Init() {
    if (o_.topology.network != "netns") return mdrill::Status::OK();
    mdrill::Status s = SetUpLabNetwork(o_.topology, plans_);
    network_up_ = s.ok();
    return s;
  }

  void Tick() {
    std::lock_guard<std::mutex> lock(mu_);
    auto now = Clock::now();
    for (auto it = faults_.begin(); it != faults_.end();) {
      if (now < it->expires) {
        ++it;
        continue;
      }
      HealLocked(*it, "expired");
      it = faults_.erase(it);
    }
    for (auto& c : components_) {
      if (c->proc.running() || stopping_) continue;
      if (now < c->hold_until) continue;
      if (c->started_once && c->restart_at == Clock::time_point{}) {
        c->restart_at = now + std::chrono::milliseconds(o_.topology.restart_delay_ms);
        continue;
      }
      if (now < c->restart_at) continue;
      StartLocked(*c);
    }
  }

  void StopAll() {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    for (auto& f : faults_) HealLocked(f, "shutdown");
    faults_.clear();
    // Coordinators first (they revoke their leases), etcd last.
    for (auto it = components_.rbegin(); it != components_.rend(); ++it)
      (*it)->proc.Stop(std::chrono::milliseconds(3000));
    if (network_up_) TearDownLabNetwork(o_.topology.base_port, NamespacesLocked());
    network_up_ = false;
    WriteStateLocked();
  }

  bool shutdown_requested() const { return shutdown_.load(); }

  // How long the loop may sleep: 50 ms, or less when a fault expires sooner, so
  // a fault is undone within a millisecond or two of its deadline.
  std::chrono::milliseconds NextSleep() {
    std::lock_guard<std::mutex> lock(mu_);
    auto next = Clock::now() + std::chrono::milliseconds(50);
    for (const auto& f : faults_) next = std::min(next, f.expires);
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now());
    return std::max(left, std::chrono::milliseconds(0));
  }

  // Records every component under the lock, then probes their health without it:
  // probes take up to 300 ms each, and Tick() needs the lock to heal faults on time.
  void SetControlPort(int port) { control_port_ = port; }

  grpc::Status Status(grpc::ServerContext* ctx, const rec::StatusRequest*, rec::StatusResponse* resp) override {
    if (grpc::Status g = RequireOwner(ctx, control_port_); !g.ok()) return g;
    std::vector<std::pair<rec::ComponentStatus*, const Component*>> probe;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& c : components_) {
        auto* s = resp->add_components();
        s->set_name(c->plan.name);
        s->set_role(c->plan.role);
        for (const auto& [k, v] : c->plan.labels) (*s->mutable_labels())[k] = v;
        bool up = c->proc.running();
        s->set_pid(up ? c->proc.pid() : 0);
        s->set_address(c->plan.address);
        s->set_restarts(c->restarts);
        s->set_fault(c->fault);
        s->set_state(up ? (c->paused        ? "paused"
                           : c->partitioned ? "partitioned"
                                            : "running")
                        : (c->fault.empty() ? "stopped" : "killed"));
        s->set_netns(c->plan.netns);
        if (up && !c->paused && !c->partitioned) probe.emplace_back(s, c.get());
      }
    }
    // Plans and stubs are fixed once started; only the probes' answers are new.
    for (auto& [s, c] : probe) ProbeHealth(c->plan, s);
    for (const auto& e : etcd_endpoints_)
      resp->set_etcd_endpoints(resp->etcd_endpoints() + (resp->etcd_endpoints().empty() ? "" : ",") + e);
    resp->set_data_dir(o_.topology.data_dir);
    if (space_ != nullptr) resp->set_etcd_alarm(space_->alarm());
    resp->set_network(o_.topology.network);
    return grpc::Status::OK;
  }

  void ProbeHealth(const ComponentPlan& plan, rec::ComponentStatus* s) {
    bool healthy = false;
    if (plan.role == "coordinator") {
      int role = CoordinatorRole(plan.name);
      healthy = role >= 0;
      if (role >= 0) s->set_state(role == 1 ? "active" : "standby");
    } else if (plan.role == "etcd") {
      etcd::EtcdClient probe({plan.address});
      healthy = probe.Get(etcd::HealthKey(kDefaultEtcdRoot), etcd::Deadline(300)).ok();
    } else if (auto stub = milvus_stubs_.find(plan.name); stub != milvus_stubs_.end()) {
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(300));
      ::milvus::proto::milvus::GetVersionResponse v;
      // A proxy that checks callers answers the supervisor (no password) with
      // UNAUTHENTICATED: it is up.
      grpc::Status g = stub->second->GetVersion(&ctx, {}, &v);
      healthy = g.ok() || g.error_code() == grpc::StatusCode::UNAUTHENTICATED;
    }
    s->set_healthy(healthy);
  }

  grpc::Status Fault(grpc::ServerContext* ctx, const rec::FaultRequest* req, rec::FaultResponse* resp) override {
    if (grpc::Status g = RequireOwner(ctx, control_port_); !g.ok()) return g;
    mdrill::Status s = ApplyFault(*req, resp);
    SetStatus(s, resp->mutable_status());
    return grpc::Status::OK;
  }

  grpc::Status Shutdown(grpc::ServerContext* ctx, const rec::ShutdownRequest*, rec::ShutdownResponse*) override {
    if (grpc::Status g = RequireOwner(ctx, control_port_); !g.ok()) return g;
    shutdown_ = true;
    return grpc::Status::OK;
  }

 private:
  void StartLocked(Component& c) {
    std::string err;
    auto argv = c.plan.netns.empty() ? c.plan.argv : InNetns(c.plan.netns, c.plan.argv);
    if (!c.proc.Start(argv, c.plan.log_path, &err, /*die_with_parent=*/true)) {  // StartLocked runs on the main thread
      std::fprintf(stderr, "supervisor: cannot start %s: %s\n", c.plan.name.c_str(), err.c_str());
      c.restart_at = Clock::now() + std::chrono::milliseconds(o_.topology.restart_delay_ms);
      return;
    }
    if (c.started_once) ++c.restarts;
    c.started_once = true;
    c.restart_at = {};
    c.paused = false;
    std::printf("supervisor: started %s (pid %d)%s\n", c.plan.name.c_str(), c.proc.pid(),
                c.restarts ? (" restart " + std::to_string(c.restarts)).c_str() : "");
    std::fflush(stdout);
    WriteStateLocked();
  }

  void WriteStateLocked() {
    std::vector<ComponentState> states;
    for (auto& c : components_) states.push_back({c->plan.name, c->proc.running() ? c->proc.pid() : 0, c->restarts});
    WriteLabState(o_.topology.data_dir, stopping_, o_.topology.base_port,
                  network_up_ ? NamespacesLocked() : std::vector<std::string>{}, states);
  }

  // -1 unreachable, 0 standby, 1 active. An RPC of up to 300 ms; needs no lock
  // (the stubs are set up once, in the constructor).
  int CoordinatorRole(const std::string& name) const {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(300));
    rec::RoleResponse r;
    if (!coord_stubs_.at(name)->GetRole(&ctx, rec::RoleRequest(), &r).ok()) return -1;
    return r.active() ? 1 : 0;
  }

  std::vector<std::string> NamespacesLocked() const {
    std::vector<std::string> out;
    for (const auto& c : components_)
      if (!c->plan.netns.empty()) out.push_back(c->plan.netns);
    return out;
  }

  void HealLocked(struct Fault& f, const char* why) {
    for (Component* c : f.targets) {
      if (f.action == "pause" && c->paused) {
        c->proc.Signal(SIGCONT);
        c->paused = false;
      }
      if (f.action == "partition" && c->partitioned) {
        mdrill::Status s = SetLinkUp(c->plan.host_veth, true);
        if (!s.ok()) std::fprintf(stderr, "supervisor: heal %s: %s\n", c->plan.name.c_str(), s.reason().c_str());
        c->partitioned = false;
      }
      if (f.action == "loss") SetLinkLoss(o_.topology.base_port, c->plan.host_veth, 0);
      if (f.action == "delay") SetLinkDelay(c->plan.netns, c->plan.host_veth, 0);
      if (c->fault == f.id) {  // not another fault still holding it
        c->hold_until = {};
        c->fault.clear();
      }
    }
    AppendJournal(FaultJournal(o_.topology.data_dir), {{"id", f.id}, {"healed_unix_ms", NowMs()}, {"by", why}});
    std::printf("supervisor: healed %s (%s) at unix_ms=%lld\n", f.id.c_str(), why, static_cast<long long>(NowMs()));
    std::fflush(stdout);
  }

  // A component chosen for a fault, with the pid it had when it was chosen.
  struct Candidate {
    Component* component;
    pid_t pid;
  };

  // Chooses the targets and applies the fault. The coordinators' roles (modes
  // active and standby) are probed without holding mu_, so that Tick can heal
  // expiring faults on time meanwhile; the choice is then checked again under mu_.
  mdrill::Status ApplyFault(const rec::FaultRequest& req, rec::FaultResponse* resp) {
    std::unique_lock<std::mutex> lock(mu_);
    if (req.action() == "heal") {
      for (auto it = faults_.begin(); it != faults_.end();) {
        if (!req.fault_id().empty() && it->id != req.fault_id()) {
          ++it;
          continue;
        }
        HealLocked(*it, "heal requested");
        it = faults_.erase(it);
      }
      return mdrill::Status::OK();
    }
    std::set<std::string> open;
    for (const auto& f : faults_) open.insert(f.id);
    if (mdrill::Status s = CheckFaultRequest(req, network_up_, o_.topology.network_reason, open); !s.ok()) return s;
    std::vector<Candidate> candidates;
    if (mdrill::Status s = MatchLocked(req, &candidates); !s.ok()) return s;
    if (req.mode() == "active" || req.mode() == "standby") {
      const int role = req.mode() == "active" ? 1 : 0;
      lock.unlock();
      std::erase_if(candidates, [&](const Candidate& c) { return CoordinatorRole(c.component->plan.name) != role; });
      lock.lock();
      KeepStillEligibleLocked(req.action(), &candidates);  // died, restarted or faulted meanwhile
    }
    if (candidates.empty())
      return mdrill::Status::InvalidArgument("no running component matches selector '" + req.selector() +
                                             "' with mode '" + req.mode() + "'");
    size_t n = candidates.size();
    if (req.mode().empty() || req.mode() == "one" || req.mode() == "active" || req.mode() == "standby")
      n = 1;
    else if (req.mode() != "all") {
      char* end = nullptr;
      long v = std::strtol(req.mode().c_str(), &end, 10);
      if (*end != '\0' || v < 1)
        return mdrill::Status::InvalidArgument("mode must be one, all, a count, active or standby");
      n = std::min(n, static_cast<size_t>(v));
    }
    std::shuffle(candidates.begin(), candidates.end(), rng_);
    std::vector<Component*> targets;
    for (size_t i = 0; i < n; ++i) targets.push_back(candidates[i].component);
    return InjectLocked(req, targets, resp);
  }

  // Whether the fault can be applied to `c` now. A partitioned component can still
  // be killed; everything else needs it reachable. Network faults need its own
  // namespace (the front door shares the host's network).
  static bool EligibleLocked(Component& c, const std::string& action) {
    if (!c.proc.running() || c.paused || (c.partitioned && action != "kill")) return false;
    return !(IsNetworkFault(action) && c.plan.netns.empty());
  }

  // The eligible components the selector matches (roles not probed yet).
  mdrill::Status MatchLocked(const rec::FaultRequest& req, std::vector<Candidate>* out) {
    for (const auto& c : components_) {
      bool match = false;
      std::string err;
      if (!mdrill::MatchSelector(req.selector(), c->plan.labels, &match, &err))
        return mdrill::Status::InvalidArgument(err);
      if (!match || !EligibleLocked(*c, req.action())) continue;
      if ((req.mode() == "active" || req.mode() == "standby") && c->plan.role != "coordinator")
        return mdrill::Status::InvalidArgument("mode " + req.mode() + " applies to coordinators only");
      out->push_back({c.get(), c->proc.pid()});
    }
    return mdrill::Status::OK();
  }

  // Keeps the candidates still eligible and still the process that was probed.
  static void KeepStillEligibleLocked(const std::string& action, std::vector<Candidate>* candidates) {
    std::erase_if(*candidates, [&](const Candidate& c) {
      return !EligibleLocked(*c.component, action) || c.component->proc.pid() != c.pid;
    });
  }

  // Journals the fault, then applies it to every target; on a failure heals what
  // was applied and returns the failure.
  mdrill::Status InjectLocked(const rec::FaultRequest& req, const std::vector<Component*>& targets,
                              rec::FaultResponse* resp) {
    struct Fault f;
    f.id = !req.fault_id().empty() ? req.fault_id()
                                   : req.action() + "-" + std::to_string(NowMs()) + "-" + std::to_string(next_fault_++);
    f.action = req.action();
    f.targets = targets;
    int64_t duration = req.duration_ms() > 0 ? req.duration_ms() : 0;
    f.expires = Clock::now() + std::chrono::milliseconds(duration);
    nlohmann::json j = {{"id", f.id},         {"action", f.action},         {"selector", req.selector()},
                        {"mode", req.mode()}, {"applied_unix_ms", NowMs()}, {"expires_unix_ms", NowMs() + duration}};
    j["targets"] = nlohmann::json::array();
    j["pids"] = nlohmann::json::array();
    j["starts"] = nlohmann::json::array();
    for (Component* c : targets) {
      j["targets"].push_back(c->plan.name);
      j["pids"].push_back(c->proc.pid());
      j["starts"].push_back(ProcessStartTicks(c->proc.pid()));
    }
    if (!AppendJournal(FaultJournal(o_.topology.data_dir), j))
      return mdrill::Status::Internal("cannot write the fault journal; fault not applied");
    for (Component* c : targets) {
      mdrill::Status applied = ApplyToLocked(f, req, c);
      if (!applied.ok()) {
        HealLocked(f, "apply failed");
        return applied;
      }
      if (duration > 0) c->fault = f.id;
      resp->add_targets(c->plan.name);
    }
    resp->set_fault_id(f.id);
    resp->set_expires_unix_ms(NowMs() + duration);
    std::printf("supervisor: %s %s for %lld ms\n", f.action.c_str(), j["targets"].dump().c_str(),
                static_cast<long long>(duration));
    std::fflush(stdout);
    if (duration > 0)
      faults_.push_back(std::move(f));
    else
      AppendJournal(FaultJournal(o_.topology.data_dir), {{"id", f.id}, {"healed_unix_ms", NowMs()}, {"by", "instant"}});
    return mdrill::Status::OK();
  }

  // One target of fault `f`: the signal, or the change to its link.
  mdrill::Status ApplyToLocked(const struct Fault& f, const rec::FaultRequest& req, Component* c) {
    if (f.action == "kill") {
      c->proc.Signal(SIGKILL);
      if (req.no_restart()) c->hold_until = f.expires;
      return mdrill::Status::OK();
    }
    if (f.action == "pause") {
      c->proc.Signal(SIGSTOP);
      c->paused = true;
      return mdrill::Status::OK();
    }
    if (f.action == "partition") {
      mdrill::Status applied = SetLinkUp(c->plan.host_veth, false);
      c->partitioned = applied.ok();
      return applied;
    }
    if (f.action == "loss") return SetLinkLoss(o_.topology.base_port, c->plan.host_veth, req.loss_pct());
    return SetLinkDelay(c->plan.netns, c->plan.host_veth, req.delay_ms());
  }

  const SupervisorOptions& o_;
  std::mutex mu_;
  std::vector<ComponentPlan> plans_;
  bool network_up_ = false;
  std::vector<std::unique_ptr<Component>> components_;
  std::vector<struct Fault> faults_;
  std::vector<std::string> etcd_endpoints_;
  const EtcdSpaceKeeper* space_ = nullptr;
  std::map<std::string, std::unique_ptr<rec::Coordinator::Stub>> coord_stubs_;
  std::map<std::string, std::unique_ptr<::milvus::proto::milvus::MilvusService::Stub>> milvus_stubs_;
  bool stopping_ = false;
  std::atomic<bool> shutdown_{false};
  std::atomic<int> control_port_{0};
  std::mt19937 rng_{std::random_device{}()};
  int next_fault_ = 0;
};

}  // namespace

int RunSupervisor(const SupervisorOptions& o) {
  StopSignals stop_signals;  // before any thread starts
  std::filesystem::create_directories(o.topology.data_dir + "/logs");
  HealJournal(FaultJournal(o.topology.data_dir));

  Supervisor sup(o);
  if (mdrill::Status s = sup.Init(); !s.ok()) {
    std::fprintf(stderr, "supervisor: cannot build the lab network: %s\n", s.reason().c_str());
    return 1;
  }
  EtcdSpaceKeeper space(sup.etcd_endpoints(), o.topology.etcd_quota_bytes);
  sup.SetSpaceKeeper(&space);
  space.Start();
  GrpcServerOptions control;  // gRPC's default message limits; no component pings
  control.listen = o.control_address;
  auto started = StartGrpcServer(control, {&sup});
  if (!started.ok()) {
    std::fprintf(stderr, "supervisor: %s\n", started.status().reason().c_str());
    return 1;
  }
  sup.SetControlPort(started->port);
  std::string host = o.control_address.substr(0, o.control_address.rfind(':'));
  std::ofstream(SupervisorAddressFile(o.topology.data_dir)) << host << ":" << started->port << "\n";
  std::atomic<bool> signalled{false};
  std::thread waiter([&] {
    stop_signals.Wait();
    signalled = true;
  });
  while (!signalled && !sup.shutdown_requested()) {
    sup.Tick();
    std::this_thread::sleep_for(sup.NextSleep());
  }
  sup.StopAll();
  started->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  ::unlink(SupervisorAddressFile(o.topology.data_dir).c_str());
  if (!signalled) ::kill(::getpid(), SIGTERM);  // release the waiter
  waiter.join();
  std::printf("supervisor: stopped\n");
  return 0;
}

}  // namespace mdrill::lab
