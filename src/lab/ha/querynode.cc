#include "lab/ha/querynode.h"

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <cstdio>
#include <thread>

#include "etcd/keys.h"
#include "lab/ha/etcd_log.h"
#include "lab/ha/replicas.h"
#include "lab/ha/session.h"
#include "lab/server/grpc_options.h"
#include "lab/server/index_store.h"
#include "lab/server/milvus_service.h"
#include "util/hybrid_ts.h"
#include "util/stop_signals.h"

namespace mdrill::lab {

namespace {

// When a query node may answer: a request naming an etcd revision waits until the
// revision is applied; a search or query waits as its consistency level asks (see
// querynode.h). Either answers "not ready" when the node cannot catch up in time.
class ReadGate {
 public:
  ReadGate(const QueryNodeOptions& o, etcd::EtcdClient* etcd, const Catalog* catalog, LogTailer* tailer)
      : o_(o), etcd_(etcd), catalog_(catalog), tailer_(tailer) {}

  // ServiceOptions::before_request: the x-drill-revision header.
  Status BeforeRequest(const grpc::ServerContext* ctx) {
    auto it = ctx->client_metadata().find("x-drill-revision");
    if (it == ctx->client_metadata().end()) return Status::OK();
    int64_t rev = std::strtoll(std::string(it->second.data(), it->second.size()).c_str(), nullptr, 10);
    auto until = WaitUntil(ctx);
    tailer_->Poke();
    if (tailer_->WaitApplied(rev, until)) return Status::OK();
    return Status(code::kServiceUnavailable, legacy::kNotReadyServe,
                  "query node " + o_.id + " has not caught up with revision " + std::to_string(rev));
  }

  // ServiceOptions::before_read: the consistency level.
  Status BeforeRead(const grpc::ServerContext* ctx, const ReadRequest& r) {
    int level = r.consistency_level;
    if (r.use_default_consistency) {
      auto v = catalog_->Get(r.collection);
      // Unknown here yet: this node is behind; the collection's level cannot be
      // read, so catch up as for Strong.
      level = v.ok() ? v->consistency : pb::Strong;
    }
    const bool has_revision = ctx->client_metadata().count("x-drill-revision") > 0;  // waited for already
    switch (level) {
      case pb::Strong:
        return has_revision ? Status::OK() : CatchUp(ctx, "Strong");
      case pb::Bounded:
        // Writes acknowledged more than graceful_time_ms ago were committed before
        // the log read that set the serviceable time, or it is too old.
        return static_cast<int64_t>(NowMs()) - tailer_->serviceable_unix_ms() <= o_.graceful_time_ms
                   ? Status::OK()
                   : CatchUp(ctx, "Bounded");
      case pb::Eventually:
        return Status::OK();
      default:
        // Session (guarantee_timestamp = the client's last write) and Customized:
        // every record up to that timestamp.
        return r.guarantee_timestamp <= tailer_->max_applied_ts() ? Status::OK() : CatchUp(ctx, "Session");
    }
  }

 private:
  // How long a read may wait for the log: 5 s, or less when the caller's deadline is nearer.
  static std::chrono::steady_clock::time_point WaitUntil(const grpc::ServerContext* ctx) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    if (ctx->deadline() < std::chrono::system_clock::now() + std::chrono::seconds(5))
      until = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                     ctx->deadline() - std::chrono::system_clock::now());
    return until;
  }

  // Catches up with everything committed up to now (an etcd revision read now).
  Status CatchUp(const grpc::ServerContext* ctx, const char* level) {
    auto until = WaitUntil(ctx);
    auto rev = etcd_->Revision(etcd::Deadline(1000));
    if (rev.ok() && tailer_->WaitApplied(rev.value(), until)) return Status::OK();
    return Status(code::kServiceUnavailable, legacy::kNotReadyServe,
                  "query node " + o_.id + " cannot catch up with the log for a " + level + " read" +
                      (rev.ok() ? "" : ": etcd: " + rev.status().reason()));
  }

  const QueryNodeOptions& o_;
  etcd::EtcdClient* etcd_;
  const Catalog* catalog_;
  LogTailer* tailer_;
};

ServiceOptions QueryNodeMilvusOptions(const QueryNodeOptions& o, etcd::EtcdClient* etcd, ReadGate* gate) {
  ServiceOptions so;
  so.deploy_mode = "CLUSTER";
  so.before_request = [gate](const grpc::ServerContext* ctx) { return gate->BeforeRequest(ctx); };
  so.before_read = [gate](const grpc::ServerContext* ctx, const ReadRequest& r) { return gate->BeforeRead(ctx, r); };
  so.replica_placement = [&o, etcd](int64_t collection_id, int replicas) {
    return ReadPlacement(etcd, o.prefix, collection_id, replicas);
  };
  return so;
}

}  // namespace

int RunQueryNode(const QueryNodeOptions& o) {
  StopSignals stop_signals;  // before any thread starts

  etcd::EtcdClient etcd(o.etcd);
  EtcdLogOptions lo;
  lo.prefix = o.prefix;
  lo.poll = std::chrono::milliseconds(o.log_poll_ms);
  lo.watch = o.log_watch;
  CatalogOptions co;
  if (!o.storage_dir.empty())
    co.collection.index_store = std::make_shared<FileIndexStore>(o.storage_dir + "/index", o.id);
  Catalog catalog(co, nullptr);
  LogTailer tailer(&etcd, &catalog, lo);
  ReadGate gate(o, &etcd, &catalog, &tailer);
  MilvusService milvus(&catalog, QueryNodeMilvusOptions(o, &etcd, &gate));
  catalog.Start();
  tailer.Start();

  // Take traffic only once caught up with the log.
  // Replays the log as it stood at start before listening: a restarted node that
  // listened at once (its old session may still name its address) would answer
  // "collection not found" until its replay reached the DDL.
  (void)tailer.CatchUpToCurrent();
  auto started = StartGrpcServer(ComponentServerOptions(o.listen), {&milvus});
  if (!started.ok()) {
    std::fprintf(stderr, "querynode %s: %s\n", o.id.c_str(), started.status().reason().c_str());
    return 1;
  }
  // Session value: "NODE_ID@ADDRESS".
  Session session(&etcd, etcd::QueryNodeSessionKey(o.prefix, o.id), std::to_string(o.node_id) + "@" + o.listen,
                  o.lease_ttl_seconds);
  // And upstream's record of a query node, its node id as the server id.
  session.AddKey(UpstreamSessionKey("querynode", o.node_id),
                 [&o](int64_t lease) { return UpstreamSessionJson("querynode", o.node_id, o.listen, o.id, lease); });
  session.Start();
  std::printf("querynode %s (node %lld): serving on %s\n", o.id.c_str(), static_cast<long long>(o.node_id),
              o.listen.c_str());
  std::fflush(stdout);
  stop_signals.Wait();
  session.Stop();
  started->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  tailer.Stop();
  std::printf("querynode %s: stopped\n", o.id.c_str());
  std::fflush(stdout);
  return 0;
}

}  // namespace mdrill::lab
