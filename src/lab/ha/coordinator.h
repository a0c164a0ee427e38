// The lab's coordinator (Milvus's rootcoord/mixcoord role): active or standby by
// election, the active one owning the timestamp oracle, the id allocator and every
// write (DDL, insert, delete), which it appends to the replicated log. It serves
// lab.Coordinator (role, allocation) and the Milvus API on one address; a standby
// answers every Milvus call with NotReadyCoordActivating. The election key's value is
// "ID@ADDRESS", which is how proxies find the active one.
#pragma once

#include <string>
#include <vector>

#include "lab/ha/defaults.h"

namespace mdrill::lab {

struct CoordinatorOptions {
  std::string id = "coordinator-0";
  std::string listen = "127.0.0.1:19600";
  std::vector<std::string> etcd;  // client endpoints
  int lease_ttl_seconds = kDefaultLeaseTtlSeconds;
  std::string prefix = kDefaultEtcdRoot;
  std::string storage_dir;  // shared storage for large log records
  // Upstream's session of the active coordinator: <session_root>/meta/session/<role>.
  std::string session_root = etcd::kMilvusRootPath;
  std::string session_role = "rootcoord";
};

// Serves until SIGINT/SIGTERM; returns the exit code.
int RunCoordinator(const CoordinatorOptions& options);

}  // namespace mdrill::lab
