#include "lab/ha/proxy.h"

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "etcd/client.h"
#include "etcd/keys.h"
#include "lab/ha/etcd_credentials.h"
#include "lab/ha/session.h"
#include "lab/server/convert.h"
#include "lab/server/grpc_options.h"
#include "lab/server/milvus_service.h"
#include "milvus.grpc.pb.h"
#include "util/hybrid_ts.h"
#include "util/stop_signals.h"

namespace mdrill::lab {

namespace {

using Clock = std::chrono::steady_clock;
using Stub = pb::MilvusService::Stub;

pb::Status* StatusOf(pb::Status* s) { return s; }
template <typename Resp>
pb::Status* StatusOf(Resp* r) {
  return r->mutable_status();
}

// How ready a query node's reply says an index or a load is; lower is less ready.
// Index states rank None, Unissued, Retry, InProgress, Finished; Failed ranks lowest,
// so one node's failure is reported. Ties go to the fewer rows indexed.
int64_t IndexStateRank(int state) {
  switch (state) {
    case pb::Finished:
      return 4;
    case pb::InProgress:
      return 3;
    case pb::Retry:
      return 2;
    case pb::Unissued:
      return 1;
    case pb::Failed:
      return -1;
    default:
      return 0;
  }
}
std::pair<int64_t, int64_t> ReadinessRank(const pb::DescribeIndexResponse& r) {
  int64_t state = 4, rows = 0;
  for (const auto& d : r.index_descriptions()) {
    state = std::min(state, IndexStateRank(d.state()));
    rows += d.indexed_rows();
  }
  return {state, rows};
}
std::pair<int64_t, int64_t> ReadinessRank(const pb::GetIndexStateResponse& r) { return {IndexStateRank(r.state()), 0}; }
std::pair<int64_t, int64_t> ReadinessRank(const pb::GetIndexBuildProgressResponse& r) { return {r.indexed_rows(), 0}; }
std::pair<int64_t, int64_t> ReadinessRank(const pb::GetLoadingProgressResponse& r) { return {r.progress(), 0}; }
std::pair<int64_t, int64_t> ReadinessRank(const pb::GetLoadStateResponse& r) { return {r.state(), 0}; }

class ProxyService final : public pb::MilvusService::Service {
 public:
  ProxyService(const ProxyOptions& o, etcd::EtcdClient* etcd, Credentials* credentials)
      : o_(o), etcd_(etcd), credentials_(credentials) {
    std::random_device rd;
    next_identifier_ = static_cast<int64_t>((static_cast<uint64_t>(rd()) << 20) | 1);
  }

  using Ctx = grpc::ServerContext;

  grpc::Status Connect(Ctx* ctx, const pb::ConnectRequest*, pb::ConnectResponse* resp) override {
    if (grpc::Status a = Authorize(ctx); !a.ok()) return a;
    resp->mutable_status();
    resp->mutable_server_info()->set_build_tags("v2.5.12-milvus-drill");
    resp->mutable_server_info()->set_deploy_mode("CLUSTER");
    resp->set_identifier(next_identifier_++);
    return grpc::Status::OK;
  }
  grpc::Status GetVersion(Ctx* ctx, const pb::GetVersionRequest*, pb::GetVersionResponse* resp) override {
    if (grpc::Status a = Authorize(ctx); !a.ok()) return a;
    resp->mutable_status();
    resp->set_version("v2.5.12-milvus-drill");
    return grpc::Status::OK;
  }
  grpc::Status CheckHealth(Ctx* ctx, const pb::CheckHealthRequest*, pb::CheckHealthResponse* resp) override {
    if (grpc::Status a = Authorize(ctx); !a.ok()) return a;
    resp->mutable_status();
    bool coord = !ActiveCoordinator(false).empty();
    bool nodes = !QueryNodes(false).empty();
    resp->set_ishealthy(coord && nodes);
    if (!coord) resp->add_reasons("no active coordinator");
    if (!nodes) resp->add_reasons("no live query node");
    return grpc::Status::OK;
  }

  // What follows a write: nothing; the DDL barrier (once it succeeded); or, for users,
  // reading them afresh (the active coordinator wrote them to etcd).
  enum class After { kNothing, kBarrier, kUsers };
  void Follow(After after, Ctx* ctx, const pb::Status& status) {
    if (after == After::kUsers) credentials_->Invalidate();
    if (after == After::kBarrier && status.code() == 0) Barrier(ctx);
  }

#define MDRILL_WRITE(Method, Req, Resp, after)                                                               \
  grpc::Status Method(Ctx* ctx, const pb::Req* req, pb::Resp* resp) override {                               \
    if (grpc::Status a = Authorize(ctx); !a.ok()) return a;                                                  \
    grpc::Status g =                                                                                         \
        ToCoordinator(ctx, resp, [&](Stub* s, grpc::ClientContext* c) { return s->Method(c, *req, resp); }); \
    Follow(After::after, ctx, *StatusOf(resp));                                                              \
    return g;                                                                                                \
  }
#define MDRILL_READ(Method, Req, Resp, strong)                                                                        \
  grpc::Status Method(Ctx* ctx, const pb::Req* req, pb::Resp* resp) override {                                        \
    if (grpc::Status a = Authorize(ctx); !a.ok()) return a;                                                           \
    return ToQueryNode(ctx, resp, strong, [&](Stub* s, grpc::ClientContext* c) { return s->Method(c, *req, resp); }); \
  }

  MDRILL_WRITE(AllocTimestamp, AllocTimestampRequest, AllocTimestampResponse, kNothing)
  MDRILL_WRITE(CreateCollection, CreateCollectionRequest, Status, kBarrier)
  MDRILL_WRITE(DropCollection, DropCollectionRequest, Status, kBarrier)
  MDRILL_WRITE(Insert, InsertRequest, MutationResult, kNothing)
  MDRILL_WRITE(Upsert, UpsertRequest, MutationResult, kNothing)
  MDRILL_WRITE(Delete, DeleteRequest, MutationResult, kNothing)
  MDRILL_WRITE(Flush, FlushRequest, FlushResponse, kNothing)
  MDRILL_WRITE(CreateIndex, CreateIndexRequest, Status, kBarrier)
  MDRILL_WRITE(DropIndex, DropIndexRequest, Status, kBarrier)
  MDRILL_WRITE(LoadCollection, LoadCollectionRequest, Status, kBarrier)
  MDRILL_WRITE(ReleaseCollection, ReleaseCollectionRequest, Status, kBarrier)
  MDRILL_WRITE(CreateCredential, CreateCredentialRequest, Status, kUsers)
  MDRILL_WRITE(UpdateCredential, UpdateCredentialRequest, Status, kUsers)
  MDRILL_WRITE(DeleteCredential, DeleteCredentialRequest, Status, kUsers)

  MDRILL_READ(ListDatabases, ListDatabasesRequest, ListDatabasesResponse, false)
  MDRILL_READ(HasCollection, HasCollectionRequest, BoolResponse, true)
  MDRILL_READ(DescribeCollection, DescribeCollectionRequest, DescribeCollectionResponse, true)
  MDRILL_READ(ShowCollections, ShowCollectionsRequest, ShowCollectionsResponse, true)
  MDRILL_READ(GetCollectionStatistics, GetCollectionStatisticsRequest, GetCollectionStatisticsResponse, true)
  MDRILL_READ(GetFlushState, GetFlushStateRequest, GetFlushStateResponse, true)
  // Readiness as the slowest live query node has it (ReadinessRank).
#define MDRILL_READY(Method, Req, Resp)                                                                          \
  grpc::Status Method(Ctx* ctx, const pb::Req* req, pb::Resp* resp) override {                                   \
    if (grpc::Status a = Authorize(ctx); !a.ok()) return a;                                                      \
    return ToAllQueryNodes(ctx, resp,                                                                            \
                           [&](Stub* s, grpc::ClientContext* c, pb::Resp* r) { return s->Method(c, *req, r); }); \
  }
  MDRILL_READY(DescribeIndex, DescribeIndexRequest, DescribeIndexResponse)
  MDRILL_READY(GetIndexState, GetIndexStateRequest, GetIndexStateResponse)
  MDRILL_READY(GetIndexBuildProgress, GetIndexBuildProgressRequest, GetIndexBuildProgressResponse)
  MDRILL_READY(GetLoadingProgress, GetLoadingProgressRequest, GetLoadingProgressResponse)
  MDRILL_READY(GetLoadState, GetLoadStateRequest, GetLoadStateResponse)
#undef MDRILL_READY
  MDRILL_READ(GetReplicas, GetReplicasRequest, GetReplicasResponse, true)
  MDRILL_READ(GetPersistentSegmentInfo, GetPersistentSegmentInfoRequest, GetPersistentSegmentInfoResponse, true)
  MDRILL_READ(GetQuerySegmentInfo, GetQuerySegmentInfoRequest, GetQuerySegmentInfoResponse, true)
  // An explicit Strong read pins the etcd revision as it arrives; other levels (and
  // the collection's default) are the query node's to resolve (querynode.h).
  MDRILL_READ(Search, SearchRequest, SearchResults,
              req->consistency_level() == pb::Strong && !req->use_default_consistency())
  MDRILL_READ(Query, QueryRequest, QueryResults,
              req->consistency_level() == pb::Strong && !req->use_default_consistency())
#undef MDRILL_WRITE
#undef MDRILL_READ

  grpc::Status ListCredUsers(Ctx* ctx, const pb::ListCredUsersRequest*, pb::ListCredUsersResponse* resp) override {
    if (grpc::Status a = Authorize(ctx); !a.ok()) return a;
    auto users = credentials_->List();
    if (!users.ok()) {
      SetStatus(Status(code::kServiceUnavailable, legacy::kListCredUsersFailure,
                       "proxy " + o_.id + ": etcd: " + users.status().reason()),
                resp->mutable_status());
      return grpc::Status::OK;
    }
    resp->mutable_status();
    for (const auto& u : users.value()) resp->add_usernames(u);
    return grpc::Status::OK;
  }

 private:
  grpc::Status Authorize(const Ctx* ctx) {
    return o_.auth_enabled ? AuthorizeRequest(credentials_, ctx) : grpc::Status::OK;
  }

  Clock::time_point DeadlineOf(const Ctx* ctx) const {
    auto left = ctx->deadline() - std::chrono::system_clock::now();
    if (left > std::chrono::seconds(60)) left = std::chrono::seconds(60);
    return Clock::now() + std::chrono::duration_cast<Clock::duration>(left);
  }

  Stub* StubFor(const std::string& address) {
    std::lock_guard<std::mutex> lock(mu_);
    auto& s = stubs_[address];
    if (!s) {
      s = pb::MilvusService::NewStub(
          grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), ComponentChannelArgs()));
    }
    return s.get();
  }

  std::string ActiveCoordinator(bool refresh) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!refresh && !coordinator_.empty()) return coordinator_;
    }
    auto holder = etcd_->Get(etcd::ElectionKey(o_.prefix), etcd::Deadline(1000));
    std::string addr;
    if (holder.ok() && holder->has_value()) {
      const std::string& v = holder.value()->value;  // "ID@ADDRESS"
      if (v.find('@') != std::string::npos) addr = v.substr(v.find('@') + 1);
    }
    std::lock_guard<std::mutex> lock(mu_);
    coordinator_ = addr;
    return addr;
  }

  void ForgetCoordinator() {
    std::lock_guard<std::mutex> lock(mu_);
    coordinator_.clear();
  }

  std::vector<std::string> QueryNodes(bool refresh) {
    auto now = Clock::now();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!refresh && now < nodes_until_ && !nodes_.empty()) return nodes_;
    }
    std::vector<std::string> out;
    auto r = etcd_->GetPrefix(etcd::QueryNodeSessionPrefix(o_.prefix), etcd::Deadline(1000));
    if (r.ok())
      for (const auto& kv : r.value()) {
        auto at = kv.value.find('@');
        if (at != std::string::npos) out.push_back(kv.value.substr(at + 1));
      }
    std::lock_guard<std::mutex> lock(mu_);
    if (r.ok()) {
      nodes_ = out;
      nodes_until_ = now + std::chrono::milliseconds(500);
    }
    return nodes_;
  }

  // After DDL: waits (within the caller's deadline) until every live query node has
  // applied the log up to now, so a collection created, loaded or released is seen
  // so by every node before the call returns, whatever consistency later reads ask.
  void Barrier(Ctx* ctx) {
    auto rev = etcd_->Revision(etcd::Deadline(1000));
    if (!rev.ok()) return;
    auto until = DeadlineOf(ctx);
    for (const auto& addr : QueryNodes(true)) {
      grpc::ClientContext c;
      c.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::duration_cast<std::chrono::system_clock::duration>(
                         std::min(until, Clock::now() + std::chrono::milliseconds(o_.per_try_ms)) - Clock::now()));
      c.AddMetadata("x-drill-revision", std::to_string(rev.value()));
      pb::GetVersionResponse v;
      (void)StubFor(addr)->GetVersion(&c, pb::GetVersionRequest(), &v);
    }
  }

  template <typename Resp, typename Call>
  grpc::Status ToCoordinator(Ctx* ctx, Resp* resp, Call call) {
    auto until = DeadlineOf(ctx);
    std::string why = "no active coordinator";
    bool refresh = false;
    while (Clock::now() < until && !ctx->IsCancelled()) {
      std::string addr = ActiveCoordinator(refresh);
      refresh = true;
      if (addr.empty()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
      grpc::ClientContext c;
      c.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::duration_cast<std::chrono::system_clock::duration>(until - Clock::now()));
      resp->Clear();
      grpc::Status g = call(StubFor(addr), &c);
      if (g.ok()) {
        const pb::Status& st = *StatusOf(resp);
        if (st.code() == code::kServiceNotReady) {  // a standby, or the new active still catching up
          why = st.reason();
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
          continue;
        }
        refresh = false;
        return grpc::Status::OK;
      }
      why = "coordinator " + addr + ": " + g.error_message();
      ForgetCoordinator();                                             // the next write asks etcd who is active
      if (!ProvablyNotSent(g.error_code(), g.error_message())) break;  // may have executed: do not repeat
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    resp->Clear();
    std::fprintf(stderr, "proxy %s: write failed: %s\n", o_.id.c_str(), why.c_str());
    SetStatus(Status(code::kServiceUnavailable, legacy::kUnexpectedError, "proxy " + o_.id + ": " + why),
              StatusOf(resp));
    return grpc::Status::OK;
  }

  // The current etcd revision, which a Strong read pins; false (the reply's status
  // set) when etcd cannot be read.
  bool PinRevision(pb::Status* status, std::string* revision) {
    auto rev = etcd_->Revision(etcd::Deadline(1000));
    if (!rev.ok()) {
      SetStatus(Status(code::kServiceUnavailable, legacy::kUnexpectedError,
                       "proxy " + o_.id + ": etcd: " + rev.status().reason()),
                status);
      return false;
    }
    *revision = std::to_string(rev.value());
    return true;
  }

  static Status NoShardLeaders(const std::string& why) {
    return Status(code::kChannelNotAvailable, legacy::kNoReplicaAvailable, "no available shard leaders (" + why + ")");
  }

  // Index and load progress from every live query node at once (each bounded by
  // per_try_ms, the request's revision pinned as a Strong read's), answered with the
  // least ready node's reply, as upstream aggregates progress over replicas: a client
  // told "finished" or "loaded" never meets a node still building or loading. A node
  // that does not answer is not live for this purpose; an error from a node that did
  // is returned as it is.
  template <typename Resp, typename Call>
  grpc::Status ToAllQueryNodes(Ctx* ctx, Resp* resp, Call call) {
    std::string revision;
    if (!PinRevision(StatusOf(resp), &revision)) return grpc::Status::OK;
    const auto per_try = std::min(DeadlineOf(ctx), Clock::now() + std::chrono::milliseconds(o_.per_try_ms));
    const auto nodes = QueryNodes(false);
    std::vector<Resp> answers(nodes.size());
    std::vector<char> answered(nodes.size(), 0);
    std::vector<std::string> errors(nodes.size());
    std::vector<std::thread> calls;
    for (size_t i = 0; i < nodes.size(); ++i)
      calls.emplace_back([&, i] {
        grpc::ClientContext c;
        c.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::duration_cast<std::chrono::system_clock::duration>(per_try - Clock::now()));
        c.AddMetadata("x-drill-revision", revision);
        grpc::Status g = call(StubFor(nodes[i]), &c, &answers[i]);
        answered[i] = g.ok() && StatusOf(&answers[i])->code() != code::kServiceUnavailable;
        if (!answered[i]) errors[i] = g.ok() ? StatusOf(&answers[i])->reason() : g.error_message();
      });
    for (auto& t : calls) t.join();
    const Resp* pick = nullptr;
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (!answered[i]) continue;
      const Resp& a = answers[i];
      if (a.status().code() != 0) {  // an error: the caller's to see
        pick = &a;
        break;
      }
      if (pick == nullptr || ReadinessRank(a) < ReadinessRank(*pick)) pick = &a;
    }
    if (pick != nullptr) {
      resp->CopyFrom(*pick);
      return grpc::Status::OK;
    }
    std::string why = "no live query node";
    for (size_t i = 0; i < nodes.size(); ++i)
      if (!errors[i].empty()) why = "query node " + nodes[i] + ": " + errors[i];
    resp->Clear();
    SetStatus(NoShardLeaders(why), StatusOf(resp));
    return grpc::Status::OK;
  }

  template <typename Resp, typename Call>
  grpc::Status ToQueryNode(Ctx* ctx, Resp* resp, bool strong, Call call) {
    auto until = DeadlineOf(ctx);
    std::string revision;
    if (strong && !PinRevision(StatusOf(resp), &revision)) return grpc::Status::OK;
    std::string why = "no live query node";
    auto nodes = QueryNodes(false);
    size_t start = rr_++;
    for (size_t i = 0; i < nodes.size() && Clock::now() < until && !ctx->IsCancelled(); ++i) {
      const std::string& addr = nodes[(start + i) % nodes.size()];
      grpc::ClientContext c;
      auto per_try = std::min(until, Clock::now() + std::chrono::milliseconds(o_.per_try_ms));
      c.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::duration_cast<std::chrono::system_clock::duration>(per_try - Clock::now()));
      if (!revision.empty()) c.AddMetadata("x-drill-revision", revision);
      resp->Clear();
      grpc::Status g = call(StubFor(addr), &c);
      if (g.ok() && StatusOf(resp)->code() != code::kServiceUnavailable) return grpc::Status::OK;
      why = "query node " + addr + ": " + (g.ok() ? StatusOf(resp)->reason() : g.error_message());
    }
    resp->Clear();
    SetStatus(NoShardLeaders(why), StatusOf(resp));
    return grpc::Status::OK;
  }

  const ProxyOptions& o_;
  etcd::EtcdClient* etcd_;
  Credentials* credentials_;
  std::atomic<int64_t> next_identifier_;
  std::atomic<size_t> rr_{0};
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Stub>> stubs_;
  std::string coordinator_;
  std::vector<std::string> nodes_;
  Clock::time_point nodes_until_{};
};

}  // namespace

int RunProxy(const ProxyOptions& o) {
  StopSignals stop_signals;  // before any thread starts
  etcd::EtcdClient etcd(o.etcd);
  auto credential_store = EtcdCredentialStore(&etcd, o.prefix);  // read only: the coordinator writes
  Credentials credentials(credential_store.get());
  ProxyService service(o, &etcd, &credentials);
  GrpcServerOptions server_options = ComponentServerOptions(o.listen);
  server_options.tls_cert_file = o.tls_cert_file;
  server_options.tls_key_file = o.tls_key_file;
  auto started = StartGrpcServer(server_options, {&service});
  if (!started.ok()) {
    std::fprintf(stderr, "proxy %s: %s\n", o.id.c_str(), started.status().reason().c_str());
    return 1;
  }
  Session session(&etcd, etcd::ProxySessionKey(o.prefix, o.id), o.listen, o.lease_ttl_seconds);
  // And upstream's record of a proxy, under a server id of its own for this process.
  int64_t server_id = 0;
  for (int attempt = 0; attempt < 50 && server_id == 0; ++attempt) {
    auto id = AllocateServerId(&etcd, etcd::Deadline(1000));
    if (id.ok())
      server_id = *id;
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // etcd not reachable yet
  }
  if (server_id > 0)
    session.AddKey(UpstreamSessionKey("proxy", server_id), [&o, server_id](int64_t lease) {
      return UpstreamSessionJson("proxy", server_id, o.listen, o.id, lease);
    });
  else
    std::fprintf(stderr, "proxy %s: no server id from etcd; upstream's session record is not written\n", o.id.c_str());
  session.Start();
  std::printf("proxy %s: serving the Milvus API on %s\n", o.id.c_str(), o.listen.c_str());
  std::fflush(stdout);
  stop_signals.Wait();
  session.Stop();
  started->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  std::printf("proxy %s: stopped\n", o.id.c_str());
  std::fflush(stdout);
  return 0;
}

bool ProvablyNotSent(int code, const std::string& message) {
  if (code != grpc::StatusCode::UNAVAILABLE) return false;
  for (const char* before_sending : {"failed to connect", "Failed to connect", "Connection refused",
                                     "DNS resolution failed", "Name resolution failure"})
    if (message.find(before_sending) != std::string::npos) return true;
  return false;
}

}  // namespace mdrill::lab
