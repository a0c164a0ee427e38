// The lab's proxy: a stateless Milvus API server. Writes (DDL, insert, upsert,
// delete, flush, index, load) go to the active coordinator, found through etcd and
// retried on the next one while none is active, or none could be connected to (so
// the write provably never arrived), within the caller's deadline; never after a
// failure that may have executed it. Reads go to one live query
// node, round robin; when that node fails or times out the same request is sent
// to another, so losing a query node costs no request while another is alive.
// Strong reads (and metadata reads) carry the current etcd revision so the query
// node answers only once it has applied every write acknowledged before.
#pragma once

#include <string>
#include <vector>

#include "lab/ha/defaults.h"

namespace mdrill::lab {

struct ProxyOptions {
  std::string id = "proxy-0";
  std::string listen = "127.0.0.1:19800";
  std::vector<std::string> etcd;
  int lease_ttl_seconds = kDefaultLeaseTtlSeconds;
  std::string prefix = kDefaultEtcdRoot;
  int per_try_ms = 2000;                    // a query node that does not answer in this time is skipped
  bool auth_enabled = false;                // check every caller's user and password (lab/server/credentials.h)
  std::string tls_cert_file, tls_key_file;  // both set: serve clients over TLS
};

int RunProxy(const ProxyOptions& options);

// True when a failed call to a coordinator provably never reached it, so sending
// the write again cannot apply it twice: gRPC could not connect (refused, no
// address, not resolved). Any other failure, UNAVAILABLE from a connection reset
// mid-call included, may have executed, and the write is not repeated.
// `code` is a grpc::StatusCode; `message` its error message.
bool ProvablyNotSent(int code, const std::string& message);

}  // namespace mdrill::lab
