// A real etcd cluster (Debian's etcd-server) on loopback for a test: free ports, a
// temporary directory, every member stopped by pid when the fixture goes away.
#pragma once

#include <signal.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "etcd/client.h"
#include "lab/supervisor/etcd_cluster.h"
#include "testing/ports.h"
#include "util/subprocess.h"

namespace mdrill::testing {

class EtcdFixture {
 public:
  explicit EtcdFixture(int members = 3);
  ~EtcdFixture();
  // Starts every member and waits until the cluster accepts a write (15 s).
  bool Start(std::string* error);
  std::vector<std::string> endpoints() const { return lab::Endpoints(members_); }
  std::string endpoint_list() const;
  const std::string& dir() const { return dir_; }
  // SIGKILLs member i (its data stays).
  void Kill(int i) {
    procs_.at(static_cast<size_t>(i))->Signal(SIGKILL);
    procs_.at(static_cast<size_t>(i))->Wait(std::chrono::milliseconds(5000));
  }

 private:
  std::string dir_;
  std::vector<lab::EtcdMember> members_;
  std::vector<std::unique_ptr<Subprocess>> procs_;
};

// A free loopback port p such that p+1 is free too (etcd's client and peer ports).
int FreePortPair();

}  // namespace mdrill::testing
