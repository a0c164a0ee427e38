#include "lab/etcd_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>

namespace mdrill::testing {

bool PortFree(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

int FreePortRun(int n) {
  // Seeded per process: every test program used to draw the same first base, and a
  // lab in network namespaces listens off loopback, so its ports look free; two
  // programs' labs then shared namespace names. The bridge check below catches a
  // lab that still holds the range.
  static std::mt19937 rng(static_cast<unsigned>(::getpid()) ^
                          static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count()));
  for (int attempt = 0; attempt < 200; ++attempt) {
    int base = 20000 + static_cast<int>(rng() % 20000) * 2;
    bool ok = ::access(("/sys/class/net/mdb" + std::to_string(base)).c_str(), F_OK) != 0;
    for (int i = 0; i < n && ok; ++i) ok = PortFree(base + i);
    if (ok) return base;
  }
  return 0;
}

int FreePortPair() { return FreePortRun(2); }

EtcdFixture::EtcdFixture(int members) {
  char tmpl[] = "/tmp/mdrill-etcd-XXXXXX";
  dir_ = ::mkdtemp(tmpl);
  std::srand(static_cast<unsigned>(::getpid() ^ time(nullptr)));
  members_ = lab::PlanEtcd(members, FreePortRun(2 * members), dir_);
}

EtcdFixture::~EtcdFixture() {
  for (auto& p : procs_) p->Stop(std::chrono::milliseconds(2000));
}

std::string EtcdFixture::endpoint_list() const {
  std::string s;
  for (const auto& e : endpoints()) s += (s.empty() ? "" : ",") + e;
  return s;
}

bool EtcdFixture::Start(std::string* error) {
  for (const auto& m : members_) {
    auto p = std::make_unique<Subprocess>();
    if (!p->Start(lab::EtcdArgv(m, members_), dir_ + "/" + m.name + ".log", error)) return false;
    procs_.push_back(std::move(p));
  }
  etcd::EtcdClient c(endpoints());
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  Status last;
  while (std::chrono::steady_clock::now() < until) {
    last = c.Put("/fixture/ready", "1", 0, etcd::Deadline(500));
    if (last.ok()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  *error = "etcd did not accept a write within 15 s (" + last.ToString() + "); logs in " + dir_;
  return false;
}

}  // namespace mdrill::testing
