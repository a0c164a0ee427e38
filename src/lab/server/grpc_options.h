// gRPC settings shared by the lab's components, and how each of them starts its
// gRPC server (StartGrpcServer).
//
// Keep-alive pings between components: a peer cut off by a partition leaves its TCP
// connection open but silent, and without pings a channel would keep sending into
// it until each call's deadline. With pings every 500 ms answered within 500 ms, a
// black-holed connection is declared dead in about a second and calls fail fast
// (UNAVAILABLE) instead, which callers may safely retry elsewhere.
#pragma once

#include <grpcpp/grpcpp.h>

#include <initializer_list>
#include <memory>
#include <optional>
#include <string>

#include "util/read_file.h"
#include "util/status.h"

namespace mdrill::lab {

// The message size limit of the lab's Milvus API servers: a larger request gets
// RESOURCE_EXHAUSTED from gRPC.
inline constexpr int kMaxMessageBytes = 64 << 20;

inline grpc::ChannelArguments ComponentChannelArgs() {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 500);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 500);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  return args;
}

// Lets a component's server accept the pings above (gRPC servers otherwise answer
// frequent pings with GOAWAY "too_many_pings").
inline void AcceptComponentPings(grpc::ServerBuilder* builder) {
  builder->AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder->AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 100);
  builder->AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
}

// How a component's gRPC server listens.
struct GrpcServerOptions {
  std::string listen;                    // host:port; port 0 picks a free port
  std::optional<int> max_receive_bytes;  // unset: gRPC's default (4 MiB)
  std::optional<int> max_send_bytes;     // unset: gRPC's default (no limit)
  bool accept_component_pings = false;   // AcceptComponentPings (components' channels ping)
  // TLS: PEM files of the certificate chain and its private key; both empty: plaintext.
  std::string tls_cert_file, tls_key_file;
};

// A component serving the Milvus API to other components (query node, proxy): the
// message limit both ways, their keep-alive pings accepted.
inline GrpcServerOptions ComponentServerOptions(const std::string& listen) {
  GrpcServerOptions g;
  g.listen = listen;
  g.max_receive_bytes = kMaxMessageBytes;
  g.max_send_bytes = kMaxMessageBytes;
  g.accept_component_pings = true;
  return g;
}

// A channel to one of the lab's servers: plaintext, or with `tls_ca_file` (a lab
// started with --tls) TLS trusting that certificate, checked for the name it was
// made for (localhost), since components may listen on namespace addresses.
inline std::shared_ptr<grpc::Channel> LabChannel(const std::string& address, const std::string& tls_ca_file) {
  if (tls_ca_file.empty()) return grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  grpc::SslCredentialsOptions ssl;
  ReadWholeFile(tls_ca_file, &ssl.pem_root_certs);
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("localhost");
  return grpc::CreateCustomChannel(address, grpc::SslCredentials(ssl), args);
}

struct RunningGrpcServer {
  std::unique_ptr<grpc::Server> server;
  int port = 0;  // the port bound: the one asked for, or the one picked for port 0
};

// Builds and starts a server on options.listen serving `services` (the caller's;
// they must outlive the server). Returns it with the port it bound, or Internal
// "cannot listen on ADDRESS" when it cannot bind.
inline Result<RunningGrpcServer> StartGrpcServer(const GrpcServerOptions& options,
                                                 std::initializer_list<grpc::Service*> services) {
  grpc::ServerBuilder builder;
  // gRPC sets SO_REUSEPORT by default: a second server on a port already served
  // would bind too, and the kernel would split connections between the two (two
  // standalone servers with different data behind one address). Refuse instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  if (options.accept_component_pings) AcceptComponentPings(&builder);
  RunningGrpcServer running;
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (!options.tls_cert_file.empty() || !options.tls_key_file.empty()) {
    grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
    if (!ReadWholeFile(options.tls_cert_file, &pair.cert_chain) ||
        !ReadWholeFile(options.tls_key_file, &pair.private_key))
      return Status::InvalidArgument("cannot read the TLS certificate " + options.tls_cert_file + " or key " +
                                     options.tls_key_file);
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back(pair);
    credentials = grpc::SslServerCredentials(ssl);
  }
  builder.AddListeningPort(options.listen, credentials, &running.port);
  if (options.max_receive_bytes) builder.SetMaxReceiveMessageSize(*options.max_receive_bytes);
  if (options.max_send_bytes) builder.SetMaxSendMessageSize(*options.max_send_bytes);
  for (grpc::Service* service : services) builder.RegisterService(service);
  running.server = builder.BuildAndStart();
  if (!running.server || running.port == 0) return Status::Internal("cannot listen on " + options.listen);
  return running;
}

}  // namespace mdrill::lab
