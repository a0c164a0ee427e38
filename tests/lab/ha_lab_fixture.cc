#include "lab/ha_lab_fixture.h"

#include <filesystem>
#include <fstream>
#include <random>

#include "lab/etcd_fixture.h"
#include "lab/supervisor/client.h"
#include "testing/server_process.h"

namespace mdrill::testing {

namespace rec = ::milvusdrill::lab;

HaLabProcess::HaLabProcess() : dir_(TempDir("ha")) {
  base_ = FreePortRun(16);  // etcd 6, coordinators 2, query nodes 3, proxies 2, front door
  front_port_ = base_ + 15;
}

HaLabProcess::~HaLabProcess() {
  std::string out;
  Cli({"lab", "down"}, &out);
}

int HaLabProcess::Cli(std::vector<std::string> args, std::string* out) {
  std::vector<std::string> argv = {"sh", "-c", "exec \"$@\" 2>&1", "sh", DrillBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("--data-dir");
  argv.push_back(dir_);
  out->clear();
  return RunCapture(argv, out, std::chrono::seconds(90));
}

bool HaLabProcess::Up(std::string* out, std::vector<std::string> extra) {
  std::vector<std::string> args = {
      "lab",          "up",         "--topology",      "ha",  "--base-port", std::to_string(base_),
      "--front-door", front_door(), "--restart-delay", "1000"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto t0 = std::chrono::steady_clock::now();
  if (Cli(args, out) != 0) {
    // The data directory goes when the test program ends: the logs' ends go with
    // the error, where a CI log keeps them.
    std::error_code ec;
    for (const auto& f : std::filesystem::directory_iterator(dir_ + "/logs", ec)) {
      std::ifstream in(f.path());
      std::vector<std::string> lines;
      for (std::string l; std::getline(in, l);) lines.push_back(l.substr(0, 300));
      *out += "--- " + f.path().filename().string() + " (last lines)\n";
      for (size_t i = lines.size() > 8 ? lines.size() - 8 : 0; i < lines.size(); ++i) *out += lines[i] + "\n";
    }
    return false;
  }
  up_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto stub = lab::ConnectSupervisor(dir_);
  if (!stub.ok()) return false;
  stub_ = std::move(stub.value());
  return true;
}

rec::StatusResponse HaLabProcess::Status() {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  rec::StatusResponse s;
  if (stub_) stub_->Status(&ctx, rec::StatusRequest(), &s);
  return s;
}

std::string HaLabProcess::ActiveCoordinator() {
  auto status = Status();
  for (const auto& c : status.components())
    if (c.state() == "active") return c.name();
  return "";
}

Traffic::Traffic(std::string address, std::string collection, int dim, std::vector<float> probe)
    : address_(std::move(address)), collection_(std::move(collection)), dim_(dim), probe_(std::move(probe)) {}

Traffic::~Traffic() { Stop(); }

void Traffic::Start(int searches_per_s, int inserts_per_s) {
  if (searches_per_s > 0) threads_.emplace_back([this, searches_per_s] { Loop(true, searches_per_s); });
  if (inserts_per_s > 0) threads_.emplace_back([this, inserts_per_s] { Loop(false, inserts_per_s); });
}

void Traffic::Stop() {
  stop_ = true;
  for (auto& t : threads_) t.join();
  threads_.clear();
}

std::vector<Op> Traffic::ops() {
  std::lock_guard<std::mutex> lock(mu_);
  return ops_;
}

void Traffic::Loop(bool search, int per_s) {
  milvus::MilvusClient c;
  milvus::ConnectOptions o;
  o.address = address_;
  (void)c.Connect(o, milvus::Deadline(2000));
  std::mt19937 rng(search ? 1 : 2);
  std::uniform_real_distribution<float> u(0, 1);
  auto period = std::chrono::microseconds(1000000 / per_s);
  auto next = std::chrono::steady_clock::now();
  while (!stop_) {
    std::this_thread::sleep_until(next);
    next += period;
    Op op;
    op.search = search;
    op.start = std::chrono::steady_clock::now();
    if (search) {
      milvus::SearchParams p;
      p.collection = collection_;
      p.dim = dim_;
      p.vectors = probe_;
      p.topk = 5;
      p.params_json = "{\"nprobe\":16}";
      auto r = c.Search(p, milvus::Deadline(2000));
      op.status = r.status();
      if (r.ok() && r->hits[0].empty()) op.status = Status::Internal("search returned no hits");
    } else {
      std::vector<float> v(static_cast<size_t>(dim_) * 5);
      for (auto& x : v) x = u(rng);
      auto r = c.Insert(collection_, {milvus::FloatVectorColumn("embedding", dim_, v)}, 5, milvus::Deadline(2000));
      op.status = r.status();
      if (r.ok()) {
        op.ts = r->timestamp;
        op.ids = r->int_ids;
      }
    }
    op.end = std::chrono::steady_clock::now();
    std::lock_guard<std::mutex> lock(mu_);
    ops_.push_back(std::move(op));
  }
}

}  // namespace mdrill::testing
