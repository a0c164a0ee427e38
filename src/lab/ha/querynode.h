// The lab's query node: follows the replicated log into an in-memory Catalog,
// builds its segment indexes, and serves the Milvus API's reads (search, query,
// describe, ...) to proxies. A request that carries an `x-drill-revision` header is
// answered only once every log record committed at or before that etcd revision is
// applied here. Searches and queries wait as their consistency level (the
// collection's when use_default_consistency) asks, against the node's serviceable
// time (the last moment it had applied everything committed):
//   Strong      every write acknowledged before the read began (an etcd revision);
//   Bounded     every write acknowledged more than graceful_time_ms before the read;
//   Session     every write up to guarantee_timestamp (the client's last write);
//   Eventually  no wait: what the node has applied.
// A node that cannot catch up in time answers "not ready" and the proxy tries
// another replica. Registered in etcd at
// PREFIX/session/querynode/ID while alive (a lease it keeps).
#pragma once

#include <string>
#include <vector>

#include "lab/ha/defaults.h"

namespace mdrill::lab {

struct QueryNodeOptions {
  std::string id = "querynode-0";
  int64_t node_id = 1;
  std::string listen = "127.0.0.1:19700";
  std::vector<std::string> etcd;
  int lease_ttl_seconds = kDefaultLeaseTtlSeconds;
  std::string prefix = kDefaultEtcdRoot;
  // Bounded consistency: a read may miss writes of the last graceful_time_ms
  // (Milvus's common.gracefulTime, default 5000 ms).
  int graceful_time_ms = kDefaultGracefulTimeMs;
  // A node applies each record as soon as the log's etcd watch tells it one was
  // committed (log_watch), and reads the log every log_poll_ms besides (reads that
  // need fresher data read it at once). Without the watch, the poll is how stale an
  // Eventually read can be.
  bool log_watch = true;
  // The storage directory the lab shares: built segment indexes are kept under
  // DIR/index and loaded by the other nodes (lab/server/index_store.h). Empty:
  // every node builds its own.
  std::string storage_dir;
  int log_poll_ms = kDefaultLogPollMs;
};

int RunQueryNode(const QueryNodeOptions& options);

}  // namespace mdrill::lab
