// Who is calling the supervisor's control API: the user owning the caller's end of
// a loopback TCP connection, read from the kernel's socket tables (/proc/net/tcp and
// tcp6, whose `uid` column is the owner of each socket). The control API listens on
// 127.0.0.1 only, so every caller has an entry there; anyone on the machine can
// connect, and this is what lets the supervisor refuse everyone but the lab's owner.
#pragma once

#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <optional>
#include <string>

namespace mdrill::lab {

// The uid owning the socket 127.0.0.1:`peer_port` connected to 127.0.0.1:`server_port`,
// in a /proc/net/tcp or tcp6 text; nullopt when no such entry exists.
std::optional<uid_t> LoopbackSocketOwner(const std::string& proc_net_tcp, int peer_port, int server_port);

// The owner of the caller `grpc_peer` ("ipv4:127.0.0.1:PORT", as grpc::ServerContext::peer
// gives it) of a server on 127.0.0.1:`server_port`, from this process's
// /proc/net/tcp; nullopt when it cannot be told (not IPv4 loopback, no entry).
std::optional<uid_t> CallerUid(const std::string& grpc_peer, int server_port);

// OK when the caller of a server on 127.0.0.1:`server_port` is this process's
// user or root; otherwise PERMISSION_DENIED naming both (the control API kills,
// pauses and cuts off processes).
grpc::Status RequireOwner(const grpc::ServerContext* ctx, int server_port);

}  // namespace mdrill::lab
