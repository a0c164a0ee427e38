// The HA lab's key layout in etcd: every key and prefix the lab's components write,
// each under a root prefix (`root`, "/milvus-drill" unless a component is told
// otherwise). Upstream Milvus's own layout (<rootPath>/meta/session/<role>, read by
// the drill) is drill/nemesis/milvus_sessions.h's, not this file's.
//
//   ROOT/coordinator/active        the election key; value "ID@ADDRESS" of the active
//                                  coordinator, bound to its lease
//   ROOT/session/querynode/ID      a live query node; value "NODE_ID@ADDRESS", on a lease
//   ROOT/session/proxy/ID          a live proxy; value its address, on a lease
//   ROOT/log/<ts, 20 digits>       one committed catalog record (etcd_log.h)
//   ROOT/log-archive/<ts, 20 d.>   a run of records moved out of the log, ending at
//                                  that record; value the segment file (log_archive.h)
//   ROOT/replicas/<collection id>  a loaded collection's replica placement (replicas.h)
//   ROOT/tso/upper, ROOT/id/upper  the fenced allocator's persisted bounds (allocator.h)
//   ROOT/credential/users/<user>   a user's password hash, JSON (lab/ha/etcd_credentials.h)
//   ROOT/health                    read (never written) by the supervisor's etcd probe
//   by-dev/meta/session/rootcoord  upstream's session of the active coordinator (JSON,
//                                  on its election lease), outside ROOT as upstream has it
//   by-dev/meta/session/querynode-<node id>, .../proxy-<server id>: upstream's
//                                  records of query nodes and proxies (lab/ha/session.h),
//                                  on their session leases; .../id the server id counter
//
// Pure functions of their arguments; thread-safe.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace mdrill::etcd {

// The root the lab's components use unless told otherwise.
inline constexpr const char* kDefaultLabRoot = "/milvus-drill";

// Upstream Milvus's session key of a role, <rootPath>/meta/session/<role> (rootPath
// "by-dev" by default): a singleton coordinator's, which the lab's active coordinator
// also writes, in upstream's format, and the drill reads from real clusters.
inline constexpr const char* kMilvusRootPath = "by-dev";
inline std::string MilvusSessionKey(const std::string& root_path, const std::string& role) {
  return root_path + "/meta/session/" + role;
}

// The election key the coordinators campaign on.
inline std::string ElectionKey(const std::string& root) { return root + "/coordinator/active"; }

// Query node sessions: the prefix to list them, and one node's key.
inline std::string QueryNodeSessionPrefix(const std::string& root) { return root + "/session/querynode/"; }
inline std::string QueryNodeSessionKey(const std::string& root, const std::string& id) {
  return QueryNodeSessionPrefix(root) + id;
}

// Proxy sessions: the prefix to list them, and one proxy's key.
inline std::string ProxySessionPrefix(const std::string& root) { return root + "/session/proxy/"; }
inline std::string ProxySessionKey(const std::string& root, const std::string& id) {
  return ProxySessionPrefix(root) + id;
}

// The replicated log: the prefix its tailers read, and the key of the record with
// timestamp `ts` (zero-padded to 20 digits, so keys sort as timestamps do).
inline std::string LogPrefix(const std::string& root) { return root + "/log/"; }
inline std::string LogKey(const std::string& root, uint64_t ts) {
  char digits[32];
  std::snprintf(digits, sizeof digits, "%020llu", static_cast<unsigned long long>(ts));
  return LogPrefix(root) + digits;
}

// The archive of the log: the prefix, and the key of a segment whose last record
// has log key `log_key` (the same 20 digits under the archive's prefix).
inline std::string LogArchivePrefix(const std::string& root) { return root + "/log-archive/"; }
inline std::string LogArchiveKey(const std::string& root, const std::string& log_key) {
  const std::string log = LogPrefix(root);
  return LogArchivePrefix(root) + (log_key.compare(0, log.size(), log) == 0 ? log_key.substr(log.size()) : log_key);
}

// Replica placement: the prefix of every collection's, and one collection's key.
inline std::string ReplicasPrefix(const std::string& root) { return root + "/replicas/"; }
inline std::string ReplicaPlacementKey(const std::string& root, int64_t collection_id) {
  return ReplicasPrefix(root) + std::to_string(collection_id);
}

// Users and their password hashes: the prefix (one key per user under it).
inline std::string CredentialPrefix(const std::string& root) { return root + "/credential/users/"; }

// The fenced allocator's persisted upper bounds: timestamps and ids.
inline std::string TsoUpperKey(const std::string& root) { return root + "/tso/upper"; }
inline std::string IdUpperKey(const std::string& root) { return root + "/id/upper"; }

// The key the supervisor reads to tell whether an etcd member answers.
inline std::string HealthKey(const std::string& root) { return root + "/health"; }

}  // namespace mdrill::etcd
