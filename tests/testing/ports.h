// Loopback ports for tests' servers, drawn below the kernel's ephemeral range: a port
// in that range can be taken at any moment by an outgoing connection's local end (a
// gRPC channel to etcd, say), and a server restarted onto it then cannot listen.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <string>

namespace mdrill::testing {

// True when 127.0.0.1:port can be bound right now.
inline bool PortFree(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// The first port the kernel may hand to an outgoing connection (32768 by default).
inline int EphemeralLow() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 0;
  return in >> low && low > 0 ? low : 32768;
}

// The first of `n` consecutive free loopback ports, all below the ephemeral range
// (0 when none was found). Seeded per process: programs running side by side draw
// different bases. A lab in network namespaces listens off loopback, so its ports
// look free; the bridge check catches a lab that still holds the range.
inline int FreePortRun(int n) {
  static std::mutex mu;
  static std::mt19937 rng(static_cast<unsigned>(::getpid()) ^
                          static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count()));
  static std::set<int> given;  // two draws in a row must not hand out one port twice
  std::lock_guard<std::mutex> lock(mu);
  const int lo = 10000, hi = EphemeralLow() - n;
  if (hi - lo < 2 * n + 2) return 0;  // no room below the ephemeral range on this machine
  for (int attempt = 0; attempt < 200; ++attempt) {
    int base = lo + static_cast<int>(rng() % static_cast<unsigned>((hi - lo) / 2)) * 2;
    bool ok = ::access(("/sys/class/net/mdb" + std::to_string(base)).c_str(), F_OK) != 0;
    for (int i = 0; i < n && ok; ++i) ok = given.count(base + i) == 0 && PortFree(base + i);
    if (!ok) continue;
    for (int i = 0; i < n; ++i) given.insert(base + i);
    return base;
  }
  return 0;
}

}  // namespace mdrill::testing
