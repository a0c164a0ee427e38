// Starts the full HA lab (`milvus-drill lab up --topology ha`) for a test, with a
// free port range and a temporary data directory; `lab down` when done. Also a
// traffic generator: searches and inserts at fixed rates through the front door,
// every operation recorded with its outcome.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "lab.grpc.pb.h"
#include "milvus/client.h"

namespace mdrill::testing {

class HaLabProcess {
 public:
  HaLabProcess();
  ~HaLabProcess();
  bool Up(std::string* out, std::vector<std::string> extra = {});
  int Cli(std::vector<std::string> args, std::string* out);
  std::string front_door() const { return "127.0.0.1:" + std::to_string(front_port_); }
  const std::string& dir() const { return dir_; }
  ::milvusdrill::lab::StatusResponse Status();
  std::string ActiveCoordinator();
  double up_seconds = 0;

 private:
  std::string dir_;
  int base_ = 0, front_port_ = 0;
  std::unique_ptr<::milvusdrill::lab::Supervisor::Stub> stub_;
};

struct Op {
  bool search = false;
  std::chrono::steady_clock::time_point start, end;
  Status status;
  uint64_t ts = 0;
  std::vector<int64_t> ids;
};

class Traffic {
 public:
  Traffic(std::string address, std::string collection, int dim, std::vector<float> probe);
  ~Traffic();
  void Start(int searches_per_s, int inserts_per_s);
  void Stop();
  std::vector<Op> ops();

 private:
  void Loop(bool search, int per_s);
  std::string address_, collection_;
  int dim_;
  std::vector<float> probe_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<Op> ops_;
  std::vector<std::thread> threads_;
};

}  // namespace mdrill::testing
