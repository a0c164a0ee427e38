// The standalone topology: one process serving the Milvus API from a Catalog, no
// etcd, no front door. The quickest embedded Milvus.
#pragma once

#include <string>

#include "lab/server/catalog.h"
#include "lab/server/grpc_options.h"
#include "lab/server/milvus_service.h"

namespace mdrill::lab {

struct StandaloneOptions {
  std::string listen = "127.0.0.1:19530";  // loopback unless told otherwise
  std::string data_dir = "./milvus-drill-data";
  bool auth_enabled = false;                 // check every request's user and password (root / Milvus at first)
  int max_message_bytes = kMaxMessageBytes;  // larger requests get RESOURCE_EXHAUSTED
  std::string tls_cert_file, tls_key_file;   // both set: serve TLS (lab/server/tls_cert.h)
  engine::CollectionOptions collection;
  CompactionOptions compaction;  // idle sealing and merging (catalog.h)
};

// Opens the data directory (replaying its log), serves until SIGINT or SIGTERM, then
// shuts down cleanly. Returns the process exit code; errors are printed to stderr.
int RunStandalone(const StandaloneOptions& options);

}  // namespace mdrill::lab
