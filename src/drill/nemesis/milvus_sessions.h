// Which coordinator of a real Milvus is active, read where Milvus records it: with
// active/standby enabled, the active coordinator holds the etcd session key
// <rootPath>/meta/session/<role> (a singleton; the standbys wait for its delete),
// whose JSON value carries its ServerID and Address. Milvus's own chaos tests match
// that address to a pod IP the same way (find_activate_standby_coord_pod).
//
// Used by the Kubernetes backend for modes active/standby and by the run's target
// check ("the active coordinator changed"). Needs network access to Milvus's etcd
// (the drill running in the cluster: the etcd Service, e.g. my-release-etcd:2379).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "util/status.h"

namespace mdrill::etcd {
class EtcdClient;
}

namespace mdrill::drill {

struct SessionOptions {
  std::vector<std::string> etcd;   // Milvus's etcd endpoints, host:port
  std::string root = "by-dev";     // etcd.rootPath of the Milvus deployment
  std::string role = "rootcoord";  // the coordinator's session name (rootcoord, mixcoord, ...)
};

struct CoordinatorSession {
  int64_t server_id = 0;
  std::string address;  // "IP:PORT" as the coordinator registered it
  // "10.1.2.3:53100 (server 7)": what the target check compares; a new process
  // registers a new server id even at the same address.
  std::string Describe() const;
  std::string ip() const;  // the address without its port
};

// The session key: "<root>/meta/session/<role>".
std::string SessionKey(const SessionOptions& o);

// Parses a session value; InvalidArgument naming what is missing.
Result<CoordinatorSession> ParseSession(const std::string& json);

// Reads the active coordinator's session; nullopt when the key is absent (no active
// coordinator right now); an error when etcd cannot be read or the value is not a
// session.
Result<std::optional<CoordinatorSession>> ReadActiveSession(etcd::EtcdClient* etcd, const SessionOptions& o);

}  // namespace mdrill::drill
