#include "lab/querynode.h"
#include "lab/grpc_options.h"

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <cstdio>
#include <thread>

#include "lab/etcd_log.h"
#include "lab/milvus_service.h"
#include "lab/replicas.h"
#include "lab/session.h"
#include "util/hybrid_ts.h"
#include "util/stop_signals.h"

namespace mdrill::lab {

int RunQueryNode(const QueryNodeOptions& o) {
  StopSignals stop_signals;  // before any thread starts

  EtcdClient etcd(o.etcd);
  EtcdLogOptions lo;
  lo.prefix = o.prefix;
  lo.poll = std::chrono::milliseconds(o.log_poll_ms);
  Catalog catalog(CatalogOptions{}, nullptr);
  LogTailer tailer(&etcd, &catalog, lo);
  ServiceOptions so;
  so.deploy_mode = "CLUSTER";
  // How long a read may wait for the log: 5 s, or less when the caller's deadline is nearer.
  auto WaitUntil = [](const grpc::ServerContext* ctx) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    if (ctx->deadline() < std::chrono::system_clock::now() + std::chrono::seconds(5))
      until = std::chrono::steady_clock::now() +
              std::chrono::duration_cast<std::chrono::steady_clock::duration>(ctx->deadline() - std::chrono::system_clock::now());
    return until;
  };
  so.before_request = [&](const grpc::ServerContext* ctx) {
    auto it = ctx->client_metadata().find("x-drill-revision");
    if (it == ctx->client_metadata().end()) return Status::OK();
    int64_t rev = std::strtoll(std::string(it->second.data(), it->second.size()).c_str(), nullptr, 10);
    auto until = WaitUntil(ctx);
    tailer.Poke();
    if (tailer.WaitApplied(rev, until)) return Status::OK();
    return Status(code::kServiceUnavailable, legacy::kNotReadyServe,
                  "query node " + o.id + " has not caught up with revision " + std::to_string(rev));
  };
  // Catches up with everything committed up to now (an etcd revision read now).
  auto catch_up = [&](const grpc::ServerContext* ctx, const char* level) -> Status {
    auto until = WaitUntil(ctx);
    auto rev = etcd.Revision(Deadline(1000));
    if (rev.ok() && tailer.WaitApplied(rev.value(), until)) return Status::OK();
    return Status(code::kServiceUnavailable, legacy::kNotReadyServe,
                  "query node " + o.id + " cannot catch up with the log for a " + level + " read" +
                      (rev.ok() ? "" : ": etcd: " + rev.status().reason()));
  };
  so.before_read = [&](const grpc::ServerContext* ctx, const ReadRequest& r) -> Status {
    int level = r.consistency_level;
    if (r.use_default_consistency) {
      auto v = catalog.Get(r.collection);
      // Unknown here yet: this node is behind; the collection's level cannot be
      // read, so catch up as for Strong.
      level = v.ok() ? v->consistency : pb::Strong;
    }
    const bool has_revision = ctx->client_metadata().count("x-drill-revision") > 0;  // waited for already
    switch (level) {
      case pb::Strong:
        return has_revision ? Status::OK() : catch_up(ctx, "Strong");
      case pb::Bounded:
        // Writes acknowledged more than graceful_time_ms ago were committed before
        // the log read that set the serviceable time, or it is too old.
        return static_cast<int64_t>(NowMs()) - tailer.serviceable_unix_ms() <= o.graceful_time_ms
                   ? Status::OK()
                   : catch_up(ctx, "Bounded");
      case pb::Eventually:
        return Status::OK();
      default:
        // Session (guarantee_timestamp = the client's last write) and Customized:
        // every record up to that timestamp.
        return r.guarantee_timestamp <= tailer.max_applied_ts() ? Status::OK() : catch_up(ctx, "Session");
    }
  };
  so.replica_placement = [&](int64_t collection_id, int replicas) {
    return ReadPlacement(&etcd, o.prefix, collection_id, replicas);
  };
  MilvusService milvus(&catalog, so);
  catalog.Start();
  tailer.Start();

  // Take traffic only once caught up with the log: a restarted node that listened
  // at once (its old session may still name its address) would answer "collection not found" until its replay reached the DDL.
  while (true) {
    auto rev = etcd.Revision(Deadline(1000));
    if (rev.ok() && tailer.WaitApplied(rev.value(), std::chrono::steady_clock::now() + std::chrono::seconds(5))) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  grpc::ServerBuilder builder;
  AcceptComponentPings(&builder);
  int port = 0;
  builder.AddListeningPort(o.listen, grpc::InsecureServerCredentials(), &port);
  builder.SetMaxReceiveMessageSize(64 << 20);
  builder.SetMaxSendMessageSize(64 << 20);
  builder.RegisterService(&milvus);
  auto server = builder.BuildAndStart();
  if (!server || port == 0) {
    std::fprintf(stderr, "querynode %s: cannot listen on %s\n", o.id.c_str(), o.listen.c_str());
    return 1;
  }
  // Session value: "NODE_ID@ADDRESS".
  Session session(&etcd, o.prefix + "/session/querynode/" + o.id, std::to_string(o.node_id) + "@" + o.listen,
                  o.lease_ttl_seconds);
  session.Start();
  std::printf("querynode %s (node %lld): serving on %s\n", o.id.c_str(), static_cast<long long>(o.node_id),
              o.listen.c_str());
  std::fflush(stdout);
  stop_signals.Wait();
  session.Stop();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  tailer.Stop();
  std::printf("querynode %s: stopped\n", o.id.c_str());
  std::fflush(stdout);
  return 0;
}

}  // namespace mdrill::lab
