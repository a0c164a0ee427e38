#include "lab/etcd_fixture.h"

#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>

#include "testing/temp_dirs.h"

namespace mdrill::testing {

int FreePortPair() { return FreePortRun(2); }

EtcdFixture::EtcdFixture(int members) {
  char tmpl[] = "/tmp/mdrill-etcd-XXXXXX";
  dir_ = ::mkdtemp(tmpl);
  RemoveAtExit(dir_);
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
