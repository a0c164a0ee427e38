// Search QPS of the HA lab (through its front door, 3 replicas) against the
// standalone server, same data, same index, same clients.
//
//   MDRILL_BIN=build/milvus-drill build/bench_lab_qps [--rows 1000000] [--seconds 15] [--clients 8]
//
// 128-d vectors around 1000 Gaussian centres, IVF_FLAT nlist 1024, nprobe 16, top 10,
// Bounded consistency (the Node SDK's default), inserted in 1000-row batches and
// flushed; both targets use their default segment size.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <functional>
#include <random>
#include <thread>

#include "lab/ha_lab_fixture.h"
#include "testing/server_process.h"

namespace {

using namespace mdrill;
namespace dm = mdrill::milvus;
using Clock = std::chrono::steady_clock;

struct Result2 {
  double qps = 0, p50 = 0, p99 = 0, insert_rows_s = 0, ready_s = 0;
  size_t errors = 0;
  double rss_mib = 0, rss_etcd_mib = 0;  // after the search phase; etcd's apart
};

// VmRSS of `pid` in MiB (0 when /proc cannot tell).
double RssMib(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr) / 1024.0;
  return 0;
}

std::vector<float> Data(size_t n, uint32_t seed) {
  std::mt19937 crng(99);
  std::vector<float> centres(1000 * 128);
  for (auto& x : centres) x = std::uniform_real_distribution<float>(0, 1)(crng);
  std::mt19937 rng(seed);
  std::normal_distribution<float> g(0, 0.05f);
  std::vector<float> v(n * 128);
  for (size_t i = 0; i < n; ++i) {
    size_t c = rng() % 1000;
    for (int j = 0; j < 128; ++j) v[i * 128 + j] = centres[c * 128 + j] + g(rng);
  }
  return v;
}

// `measure_rss` fills the result's memory figures once the searches ended.
Result2 Run(const std::string& address, int replicas, const std::vector<float>& data, const std::vector<float>& queries,
            int seconds, int clients, const std::function<void(Result2*)>& measure_rss) {
  Result2 out;
  dm::MilvusClient c;
  dm::ConnectOptions o;
  o.address = address;
  c.Connect(o, dm::Deadline(5000));
  dm::CollectionSpec spec;
  spec.name = "qps";
  spec.dim = 128;
  c.CreateCollection(spec, dm::Deadline(5000));
  size_t rows = data.size() / 128;
  auto t0 = Clock::now();
  for (size_t off = 0; off < rows; off += 1000) {
    size_t n = std::min<size_t>(1000, rows - off);
    std::vector<float> b(data.begin() + off * 128, data.begin() + (off + n) * 128);
    auto r =
        c.Insert("qps", {dm::FloatVectorColumn("embedding", 128, b)}, static_cast<uint32_t>(n), dm::Deadline(30000));
    if (!r.ok()) std::fprintf(stderr, "insert: %s\n", r.status().ToString().c_str());
  }
  out.insert_rows_s = static_cast<double>(rows) / std::chrono::duration<double>(Clock::now() - t0).count();
  t0 = Clock::now();
  c.Flush("qps", dm::Deadline(60000));
  c.CreateIndex("qps", "embedding", {"IVF_FLAT", "L2", "{\"nlist\":1024}"}, dm::Deadline(60000));
  Status s = c.WaitIndex("qps", dm::Deadline(1800000));
  if (s.ok()) s = c.LoadAndWait("qps", replicas, dm::Deadline(600000));
  if (!s.ok()) std::fprintf(stderr, "index/load: %s\n", s.ToString().c_str());
  out.ready_s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::atomic<bool> stop{false};
  std::vector<std::vector<double>> lat(clients);
  std::atomic<size_t> errors{0};
  std::vector<std::thread> threads;
  auto start = Clock::now();
  for (int t = 0; t < clients; ++t)
    threads.emplace_back([&, t] {
      dm::MilvusClient cc;
      cc.Connect(o, dm::Deadline(5000));
      for (size_t i = static_cast<size_t>(t); !stop; i += static_cast<size_t>(clients)) {
        dm::SearchParams p;
        p.collection = "qps";
        p.dim = 128;
        p.vectors.assign(queries.begin() + (i % 1000) * 128, queries.begin() + (i % 1000 + 1) * 128);
        p.topk = 10;
        p.params_json = "{\"nprobe\":16}";
        auto s0 = Clock::now();
        auto r = cc.Search(p, dm::Deadline(10000));
        if (!r.ok() || r->hits[0].size() != 10) ++errors;
        lat[t].push_back(std::chrono::duration<double, std::milli>(Clock::now() - s0).count());
      }
    });
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (auto& th : threads) th.join();
  std::vector<double> all;
  for (auto& l : lat) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  out.qps = static_cast<double>(all.size()) / std::chrono::duration<double>(Clock::now() - start).count();
  out.p50 = all.empty() ? 0 : all[all.size() / 2];
  out.p99 = all.empty() ? 0 : all[std::min(all.size() - 1, all.size() * 99 / 100)];
  out.errors = errors;
  measure_rss(&out);
  c.DropCollection("qps", dm::Deadline(30000));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  size_t rows = 1000000;
  int seconds = 15, clients = 8;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--rows")
      rows = std::strtoull(argv[i + 1], nullptr, 10);
    else if (k == "--seconds")
      seconds = std::atoi(argv[i + 1]);
    else if (k == "--clients")
      clients = std::atoi(argv[i + 1]);
  }
  auto data = Data(rows, 1);
  auto queries = Data(1000, 2);
  Result2 standalone, lab;
  {
    mdrill::testing::ServerProcess server;
    std::string err;
    if (!server.Start(&err)) {
      std::fprintf(stderr, "standalone: %s\n", err.c_str());
      return 1;
    }
    standalone = Run(server.address(), 1, data, queries, seconds, clients,
                     [&](Result2* r) { r->rss_mib = RssMib(server.process().pid()); });
  }
  {
    mdrill::testing::HaLabProcess ha;
    std::string out;
    if (!ha.Up(&out)) {
      std::fprintf(stderr, "lab up: %s\n", out.c_str());
      return 1;
    }
    lab = Run(ha.front_door(), 3, data, queries, seconds, clients, [&](Result2* r) {
      auto status = ha.Status();
      for (const auto& c : status.components()) {
        std::printf("  %-14s %8.0f MiB\n", c.name().c_str(), RssMib(c.pid()));
        (c.role() == "etcd" ? r->rss_etcd_mib : r->rss_mib) += RssMib(c.pid());
      }
    });
  }
  std::printf("\n%zu x 128, IVF_FLAT nlist 1024 nprobe 16, top 10, %d clients, %d s\n", rows, clients, seconds);
  std::printf("%-30s %8s %9s %9s %7s %12s %10s %9s %9s\n", "", "QPS", "p50 ms", "p99 ms", "errors", "insert rows/s",
              "ready s", "RSS MiB", "etcd MiB");
  for (auto [name, r] : {std::pair<const char*, Result2>{"standalone server", standalone},
                         std::pair<const char*, Result2>{"HA lab, 3 replicas (front door)", lab}})
    std::printf("%-30s %8.0f %9.2f %9.2f %7zu %12.0f %10.1f %9.0f %9.0f\n", name, r.qps, r.p50, r.p99, r.errors,
                r.insert_rows_s, r.ready_s, r.rss_mib, r.rss_etcd_mib);
  const double qps = 100.0 * lab.qps / std::max(standalone.qps, 1e-9);
  const double ready = lab.ready_s / std::max(standalone.ready_s, 1e-9);
  const double memory = lab.rss_mib / std::max(standalone.rss_mib, 1e-9);
  std::printf("lab / standalone QPS: %.1f %% (target >= 70 %%: %s)\n", qps, qps >= 70 ? "met" : "NOT met");
  std::printf("lab / standalone ready time: %.2f x (target <= 1.5 x: %s)\n", ready, ready <= 1.5 ? "met" : "NOT met");
  std::printf("lab / standalone memory, etcd apart: %.2f x (target <= 3.3 x: %s)\n", memory,
              memory <= 3.3 ? "met" : "NOT met");
  return 0;
}
