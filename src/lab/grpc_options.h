// gRPC settings shared by the lab's components.
//
// Keep-alive pings between components: a peer cut off by a partition leaves its TCP
// connection open but silent, and without pings a channel would keep sending into
// it until each call's deadline. With pings every 500 ms answered within 500 ms, a
// black-holed connection is declared dead in about a second and calls fail fast
// (UNAVAILABLE) instead, which callers may safely retry elsewhere.
#pragma once

#include <grpcpp/grpcpp.h>

namespace mdrill::lab {

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

}  // namespace mdrill::lab
