#include "lab/server/standalone.h"

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <cstdio>
#include <thread>

#include "lab/server/compactor.h"
#include "lab/server/grpc_options.h"
#include "util/stop_signals.h"

namespace mdrill::lab {

int RunStandalone(const StandaloneOptions& options) {
  StopSignals stop_signals;  // before any thread starts

  CatalogOptions copts;
  copts.collection = options.collection;
  copts.compaction = options.compaction;
  LocalWalLog log;
  Catalog catalog(copts, &log);
  Status s = log.Open(options.data_dir, &catalog);
  catalog.Start();
  if (!s.ok()) {
    std::fprintf(stderr, "milvus-drill standalone: cannot open %s: %s\n", options.data_dir.c_str(), s.reason().c_str());
    return 1;
  }
  // This process owns its log, so it alone decides merges and seals.
  Compactor compactor(&catalog, copts.compaction.interval, [] { return true; });
  compactor.Start();
  // Users live in DATA_DIR/credentials.json; with authentication off they can still
  // be managed, as upstream's.
  auto credential_store = FileCredentialStore(options.data_dir);
  Credentials credentials(credential_store.get());
  ServiceOptions sopts;
  sopts.auth_enabled = options.auth_enabled;
  sopts.credentials = &credentials;
  MilvusService service(&catalog, sopts);

  GrpcServerOptions grpc_options;
  grpc_options.listen = options.listen;
  grpc_options.max_receive_bytes = options.max_message_bytes;
  grpc_options.max_send_bytes = options.max_message_bytes;
  grpc_options.tls_cert_file = options.tls_cert_file;
  grpc_options.tls_key_file = options.tls_key_file;
  auto started = StartGrpcServer(grpc_options, {&service});
  if (!started.ok()) {
    std::fprintf(stderr, "milvus-drill standalone: %s\n", started.status().reason().c_str());
    return 1;
  }
  std::unique_ptr<grpc::Server> server = std::move(started->server);
  std::printf("milvus-drill standalone serving the Milvus API on %s (data %s%s)\n", options.listen.c_str(),
              options.data_dir.c_str(),
              (std::string(options.auth_enabled ? ", authentication on" : "") +
               (options.tls_cert_file.empty() ? "" : ", TLS with " + options.tls_cert_file))
                  .c_str());
  std::fflush(stdout);

  std::thread waiter([&] {
    stop_signals.Wait();
    server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  });
  server->Wait();
  waiter.join();
  std::printf("milvus-drill standalone stopped\n");
  std::fflush(stdout);
  return 0;
}

}  // namespace mdrill::lab
