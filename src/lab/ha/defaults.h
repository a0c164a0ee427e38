// The HA lab's defaults, written once: every option struct of the lab (coordinator,
// query node, proxy, election, log, topology) starts from these, and the supervisor
// passes the topology's values on to the components it starts.
#pragma once

#include "etcd/keys.h"

namespace mdrill::lab {

// TTL of the coordinators' election lease and of the components' session leases.
// A component cut off or dead is noticed (its key expires) within this time.
inline constexpr int kDefaultLeaseTtlSeconds = 2;

// The root of every key the lab writes in etcd (etcd/keys.h).
inline constexpr const char* kDefaultEtcdRoot = etcd::kDefaultLabRoot;

// Query nodes: how stale a Bounded read may be (Milvus's common.gracefulTime).
inline constexpr int kDefaultGracefulTimeMs = 5000;

// Query nodes: the idle poll of the replicated log besides its watch (how stale an
// Eventually read can be when the watch is off or down).
inline constexpr int kDefaultLogPollMs = 1000;

}  // namespace mdrill::lab
