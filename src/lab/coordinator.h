// The lab's coordinator (Milvus's rootcoord/mixcoord role): active or standby by
// election, the active one owning the timestamp oracle and the id allocator.
#pragma once

#include <string>
#include <vector>

namespace mdrill::lab {

struct CoordinatorOptions {
  std::string id = "coordinator-0";
  std::string listen = "127.0.0.1:19600";
  std::vector<std::string> etcd;  // client endpoints
  int lease_ttl_seconds = 2;
  std::string prefix = "/milvus-drill";
};

// Serves until SIGINT/SIGTERM; returns the exit code.
int RunCoordinator(const CoordinatorOptions& options);

}  // namespace mdrill::lab
