// The lab's query node: follows the replicated log into an in-memory Catalog,
// builds its segment indexes, and serves the Milvus API's reads (search, query,
// describe, ...) to proxies. A request that carries an `x-drill-revision` header is
// answered only once every log record committed at or before that etcd revision is
// applied here: that is how Strong consistency holds. Registered in etcd at
// PREFIX/session/querynode/ID while alive (a lease it keeps).
#pragma once

#include <string>
#include <vector>

namespace mdrill::lab {

struct QueryNodeOptions {
  std::string id = "querynode-0";
  int64_t node_id = 1;
  std::string listen = "127.0.0.1:19700";
  std::vector<std::string> etcd;
  int lease_ttl_seconds = 2;
  std::string prefix = "/milvus-drill";
};

int RunQueryNode(const QueryNodeOptions& options);

}  // namespace mdrill::lab
