#include "lab/supervisor/peer_owner.h"

#include <unistd.h>

#include <cstdio>
#include <sstream>

#include "util/read_file.h"

namespace mdrill::lab {

namespace {

// "0100007F:1F90" (/proc/net/tcp) or the IPv4-mapped IPv6 form
// "0000000000000000FFFF00000100007F:1F90" (/proc/net/tcp6, where gRPC's dual-stack
// sockets appear) -> 8080 when the address is 127.0.0.1; -1 otherwise.
int LoopbackPort(const std::string& hex) {
  const size_t colon = hex.find(':');
  if (colon == std::string::npos) return -1;
  const std::string addr = hex.substr(0, colon), port = hex.substr(colon + 1);
  if (addr != "0100007F" && addr != "0000000000000000FFFF00000100007F") return -1;
  if (port.empty() || port.size() > 4 || port.find_first_not_of("0123456789ABCDEFabcdef") != std::string::npos)
    return -1;
  return static_cast<int>(std::stoul(port, nullptr, 16));
}

}  // namespace

std::optional<uid_t> LoopbackSocketOwner(const std::string& proc_net_tcp, int peer_port, int server_port) {
  std::istringstream in(proc_net_tcp);
  std::string line;
  std::getline(in, line);  // the header
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string slot, local, remote, state, queues, timer, retransmits;
    long long uid = -1;
    if (!(f >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid)) continue;
    if (LoopbackPort(local) == peer_port && LoopbackPort(remote) == server_port && uid >= 0)
      return static_cast<uid_t>(uid);
  }
  return std::nullopt;
}

std::optional<uid_t> CallerUid(const std::string& grpc_peer, int server_port) {
  const std::string prefix = "ipv4:127.0.0.1:";
  if (grpc_peer.rfind(prefix, 0) != 0) return std::nullopt;
  const std::string port_text = grpc_peer.substr(prefix.size());
  if (port_text.empty() || port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::string text;
    if (!ReadWholeFile(table, &text)) continue;
    if (auto uid = LoopbackSocketOwner(text, std::stoi(port_text), server_port)) return uid;
  }
  return std::nullopt;
}

grpc::Status RequireOwner(const grpc::ServerContext* ctx, int server_port) {
  auto uid = CallerUid(ctx->peer(), server_port);
  if (uid && (*uid == ::geteuid() || *uid == 0)) return grpc::Status::OK;
  return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                      "the lab's supervisor answers only its owner (uid " + std::to_string(::geteuid()) +
                          ") and root; this caller is " + (uid ? "uid " + std::to_string(*uid) : ctx->peer()));
}

}  // namespace mdrill::lab
