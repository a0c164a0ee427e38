// Search through the standalone server vs the same FAISS index called in-process.
//
//   bench_search [--rows N] [--seconds S] [--clients C] [--data clustered|uniform] [--rounds R] [--split-cores]
//
// Both sides index the same vectors with IVF_FLAT nlist 1024 and search with
// nprobe 16, top 10, from C concurrent clients for S seconds. Prints QPS, p50/p99
// latency and recall@10 against exact results for both, the ratio, insert
// throughput through the server (1000-row batches) and the server's resident
// memory per million vectors.
//
// The two sides are measured in R alternating rounds (in-process, server, in-process,
// ...; 3 by default) and each side's median round is reported: this machine's speed
// drifts by a quarter between minutes, which a single pair of runs took for a gap.
//
// --split-cores (two cores or more): FAISS gets core 1 alone on both sides (the
// in-process searches; the server process) and the server's clients run on core
// 0, so the ratio is the server's own cost per core, not the cost of its clients
// sharing the same cores, as they do not on a real deployment.
#include <omp.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "engine/index.h"
#include "milvus/client.h"
#include "testing/server_process.h"

namespace {

using namespace mdrill;
namespace dm = mdrill::milvus;
using Clock = std::chrono::steady_clock;

struct Args {
  size_t rows = 100000;
  int seconds = 10;
  int clients = 8;
  std::string data = "clustered";
  int rounds = 3;
  bool split_cores = false;
};

// Pins this process to `cpu`: every thread it has now (gRPC's own among them) and,
// through the calling thread, every thread and child it starts later.
void PinTo(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    pid_t tid = static_cast<pid_t>(std::strtol(task.path().filename().c_str(), nullptr, 10));
    if (sched_setaffinity(tid, sizeof(set), &set) != 0) std::perror("sched_setaffinity");
  }
}

constexpr int kDim = 128;
constexpr int kTopK = 10;
constexpr size_t kRecallQueries = 100;

std::vector<float> MakeData(size_t n, uint32_t seed, bool clustered) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0, 1);
  std::vector<float> v(n * kDim);
  if (!clustered) {
    for (auto& x : v) x = u(rng);
    return v;
  }
  std::mt19937 crng(99);
  std::vector<float> centres(1000 * kDim);
  for (auto& x : centres) x = std::uniform_real_distribution<float>(0, 1)(crng);
  std::normal_distribution<float> g(0, 0.05f);
  for (size_t i = 0; i < n; ++i) {
    size_t c = rng() % 1000;
    for (int j = 0; j < kDim; ++j) v[i * kDim + j] = centres[c * kDim + j] + g(rng);
  }
  return v;
}

struct RunResult {
  double qps = 0, p50_ms = 0, p99_ms = 0, recall = 0;
  size_t ops = 0, errors = 0;
};

// Runs `search(query_index, labels_out)` from `clients` threads for `seconds`.
template <typename Search>
RunResult Drive(int clients, int seconds, size_t nq, Search search) {
  std::atomic<bool> stop{false};
  std::vector<std::vector<double>> lat(clients);
  std::atomic<size_t> errors{0};
  std::vector<std::thread> threads;
  auto start = Clock::now();
  for (int t = 0; t < clients; ++t)
    threads.emplace_back([&, t] {
      std::vector<int64_t> labels(kTopK);
      for (size_t i = static_cast<size_t>(t); !stop; i += static_cast<size_t>(clients)) {
        auto s = Clock::now();
        if (!search(i % nq, labels.data())) ++errors;
        lat[t].push_back(std::chrono::duration<double, std::milli>(Clock::now() - s).count());
      }
    });
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (auto& th : threads) th.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& l : lat) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  RunResult r;
  r.ops = all.size();
  r.errors = errors;
  r.qps = static_cast<double>(all.size()) / elapsed;
  r.p50_ms = all.empty() ? 0 : all[all.size() / 2];
  r.p99_ms = all.empty() ? 0 : all[std::min(all.size() - 1, all.size() * 99 / 100)];
  return r;
}

// The round with the median QPS.
RunResult Median(std::vector<RunResult> runs) {
  std::sort(runs.begin(), runs.end(), [](const RunResult& x, const RunResult& y) { return x.qps < y.qps; });
  return runs[runs.size() / 2];
}

double Recall(const std::vector<std::vector<int64_t>>& got, const std::vector<int64_t>& truth) {
  size_t hit = 0;
  for (size_t q = 0; q < got.size(); ++q) {
    std::set<int64_t> t(truth.begin() + q * kTopK, truth.begin() + (q + 1) * kTopK);
    for (int64_t id : got[q]) hit += t.count(id);
  }
  return static_cast<double>(hit) / static_cast<double>(got.size() * kTopK);
}

long RssKb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--split-cores") {
      a.split_cores = true;
      --i;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "flag %s needs a value\n", argv[i]);
      return 2;
    }
    if (k == "--rows")
      a.rows = std::strtoull(argv[i + 1], nullptr, 10);
    else if (k == "--seconds")
      a.seconds = std::atoi(argv[i + 1]);
    else if (k == "--clients")
      a.clients = std::atoi(argv[i + 1]);
    else if (k == "--rounds")
      a.rounds = std::max(1, std::atoi(argv[i + 1]));
    else if (k == "--data")
      a.data = argv[i + 1];
    else {
      std::fprintf(stderr, "unknown flag %s\n", argv[i]);
      return 2;
    }
  }
  const bool clustered = a.data == "clustered";
  std::printf(
      "bench_search: %zu x %d %s vectors, IVF_FLAT nlist 1024 nprobe 16, top %d, %d clients, %d rounds of %d s, %s\n",
      a.rows, kDim, a.data.c_str(), kTopK, a.clients, a.rounds, a.seconds,
      a.split_cores ? "FAISS on core 1, the server's clients on core 0" : "every core shared");
  auto data = MakeData(a.rows, 1, clustered);
  auto queries = MakeData(1000, 2, clustered);

  // Exact ground truth for the first 100 queries.
  std::vector<float> sc(kRecallQueries * kTopK);
  std::vector<int64_t> truth(kRecallQueries * kTopK);
  engine::BruteForceSearch(engine::Metric::kL2, data.data(), nullptr, a.rows, kDim, queries.data(), kRecallQueries,
                           kTopK, nullptr, sc.data(), truth.data());

  // ---- in-process
  engine::IndexSpec spec;
  engine::ParseIndexSpec({{"index_type", "IVF_FLAT"}, {"metric_type", "L2"}, {"nlist", "1024"}}, &spec);
  engine::SearchKnobs knobs;
  knobs.nprobe = 16;
  knobs.topk = kTopK;
  auto t0 = Clock::now();
  std::unique_ptr<engine::VectorIndex> index;
  Status s = engine::VectorIndex::Build(spec, data.data(), a.rows, kDim, &index);
  if (!s.ok()) {
    std::fprintf(stderr, "build: %s\n", s.ToString().c_str());
    return 1;
  }
  double build_s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::vector<std::vector<int64_t>> got(kRecallQueries, std::vector<int64_t>(kTopK));
  for (size_t q = 0; q < kRecallQueries; ++q) {
    float d[kTopK];
    index->Search(queries.data() + q * kDim, 1, kTopK, knobs, nullptr, d, got[q].data());
  }
  const double local_recall = Recall(got, truth);
  if (a.split_cores) PinTo(1);  // the server, started next, inherits core 1

  // ---- through the server
  testing::ServerProcess server("", {"--segment-rows", std::to_string(a.rows + 1)});
  std::string err;
  if (!server.Start(&err)) {
    std::fprintf(stderr, "server: %s\n", err.c_str());
    return 1;
  }
  long base_rss_kb = RssKb(server.process().pid());
  dm::MilvusClient c;
  dm::ConnectOptions co;
  co.address = server.address();
  c.Connect(co, dm::Deadline(5000));
  dm::CollectionSpec cs;
  cs.name = "bench";
  cs.dim = kDim;
  c.CreateCollection(cs, dm::Deadline(5000));
  std::vector<int64_t> ids;
  t0 = Clock::now();
  for (size_t off = 0; off < a.rows; off += 1000) {
    size_t n = std::min<size_t>(1000, a.rows - off);
    std::vector<float> batch(data.begin() + off * kDim, data.begin() + (off + n) * kDim);
    auto r = c.Insert("bench", {dm::FloatVectorColumn("embedding", kDim, batch)}, static_cast<uint32_t>(n),
                      dm::Deadline(30000));
    if (!r.ok()) {
      std::fprintf(stderr, "insert: %s\n", r.status().ToString().c_str());
      return 1;
    }
    ids.insert(ids.end(), r->int_ids.begin(), r->int_ids.end());
  }
  double insert_s = std::chrono::duration<double>(Clock::now() - t0).count();
  c.Flush("bench", dm::Deadline(60000));
  t0 = Clock::now();
  c.CreateIndex("bench", "embedding", {"IVF_FLAT", "L2", "{\"nlist\":1024}"}, dm::Deadline(5000));
  s = c.WaitIndex("bench", dm::Deadline(1800000));
  double server_build_s = std::chrono::duration<double>(Clock::now() - t0).count();
  if (!s.ok() || !(s = c.LoadAndWait("bench", 1, dm::Deadline(60000))).ok()) {
    std::fprintf(stderr, "index/load: %s\n", s.ToString().c_str());
    return 1;
  }
  long rss_kb = RssKb(server.process().pid());
  std::vector<std::unique_ptr<dm::MilvusClient>> clients;
  for (int i = 0; i < a.clients; ++i) {
    clients.push_back(std::make_unique<dm::MilvusClient>());
    clients.back()->Connect(co, dm::Deadline(5000));
  }
  auto params = [&](size_t q) {
    dm::SearchParams p;
    p.collection = "bench";
    p.dim = kDim;
    p.vectors.assign(queries.begin() + q * kDim, queries.begin() + (q + 1) * kDim);
    p.topk = kTopK;
    p.anns_field = "embedding";
    p.metric_type = "L2";
    p.params_json = "{\"nprobe\":16}";
    return p;
  };
  std::atomic<int> next_client{0};
  thread_local int my_client = -1;
  std::vector<RunResult> locals, remotes;
  for (int round = 0; round < a.rounds; ++round) {
    // Drive's threads take the affinity of this thread when they start.
    if (a.split_cores) PinTo(1);
    omp_set_num_threads(1);  // one core per search, as each server request gets
    locals.push_back(Drive(a.clients, a.seconds, 1000, [&](size_t q, int64_t* labels) {
      float d[kTopK];
      index->Search(queries.data() + q * kDim, 1, kTopK, knobs, nullptr, d, labels);
      return true;
    }));
    if (a.split_cores) PinTo(0);
    remotes.push_back(Drive(a.clients, a.seconds, 1000, [&](size_t q, int64_t*) {
      if (my_client < 0) my_client = next_client++;
      auto r = clients[static_cast<size_t>(my_client)]->Search(params(q), dm::Deadline(10000));
      return r.ok() && r->hits[0].size() == kTopK;
    }));
    next_client = 0;
    std::printf("round %d: in-process %.0f QPS, server %.0f QPS\n", round + 1, locals.back().qps, remotes.back().qps);
  }
  index.reset();
  RunResult local = Median(locals), remote = Median(remotes);
  local.recall = local_recall;
  for (size_t q = 0; q < kRecallQueries; ++q) {
    auto r = c.Search(params(q), dm::Deadline(10000));
    for (int j = 0; j < kTopK && r.ok() && j < static_cast<int>(r->hits[0].size()); ++j) {
      // Server ids are auto ids; map back to row offsets.
      auto it = std::lower_bound(ids.begin(), ids.end(), r->hits[0][j].id);
      got[q][j] = it != ids.end() && *it == r->hits[0][j].id ? it - ids.begin() : -1;
    }
  }
  remote.recall = Recall(got, truth);
  server.Stop();

  std::printf("\n%-22s %10s %10s %10s %10s %8s\n", "", "QPS", "p50 ms", "p99 ms", "recall@10", "errors");
  std::printf("%-22s %10.0f %10.3f %10.3f %10.3f %8zu\n", "in-process FAISS", local.qps, local.p50_ms, local.p99_ms,
              local.recall, local.errors);
  std::printf("%-22s %10.0f %10.3f %10.3f %10.3f %8zu\n", "standalone server", remote.qps, remote.p50_ms, remote.p99_ms,
              remote.recall, remote.errors);
  double ratio = remote.qps / local.qps;
  std::printf("server / in-process QPS: %.1f %% (target >= 85 %% at 100k and at 1M): %s\n", ratio * 100,
              ratio >= 0.85 ? "met" : "NOT met");
  std::printf("index build: in-process %.1f s, server %.1f s\n", build_s, server_build_s);
  std::printf("insert through the server: %.0f rows/s (1000-row batches, one client, fsync per batch)\n",
              static_cast<double>(a.rows) / insert_s);
  std::printf(
      "server resident memory: %.1f MiB loaded (%.1f MiB empty): %.0f MiB per million 128-d vectors\n"
      "  (raw vectors 488 MiB per million; IVF_FLAT keeps its own copy, the segment keeps the raw one)\n",
      rss_kb / 1024.0, base_rss_kb / 1024.0, (rss_kb - base_rss_kb) / 1024.0 / (static_cast<double>(a.rows) / 1e6));
  return 0;
}
