// What an idle HA lab costs: every component up, one loaded collection (1000 x 128,
// IVF_FLAT, 3 replicas), no client. Measures the CPU time each process of the lab
// uses (supervisor, etcd, coordinators, query nodes, proxies, HAProxy) over a
// window, and the requests etcd serves, and prints them against the target: the
// whole lab under 5 % of one core.
//
//   MDRILL_BIN=build/milvus-drill build/bench_lab_idle [--seconds 30]
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "lab/flow_helpers.h"
#include "lab/ha_lab_fixture.h"
#include "lab/lab_metrics.h"
#include "lab/supervisor/client.h"

namespace {

using namespace mdrill;
using namespace mdrill::testing;
namespace dm = mdrill::milvus;

struct Process {
  std::string name;
  pid_t pid = 0;
  double cpu_before = 0;
};

std::vector<std::string> Split(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream ss(list);
  for (std::string item; std::getline(ss, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 30;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--seconds") == 0) seconds = std::atof(argv[i + 1]);
  HaLabProcess lab;
  std::string out;
  if (!lab.Up(&out)) {
    std::fprintf(stderr, "lab up failed: %s\n", out.c_str());
    return 2;
  }
  dm::MilvusClient c;
  dm::ConnectOptions o;
  o.address = lab.front_door();
  if (!c.Connect(o, kCall).ok()) return 2;
  dm::CollectionSpec spec;
  spec.name = "idle";
  spec.dim = 128;
  (void)c.CreateCollection(spec, kCall);
  (void)c.Insert("idle", {dm::FloatVectorColumn("embedding", 128, Vectors(1000, 128, 1))}, 1000, kCall);
  (void)c.CreateIndex("idle", "embedding", {}, kCall);
  (void)c.WaitIndex("idle", dm::Deadline(120000));
  if (Status s = c.LoadAndWait("idle", 3, dm::Deadline(120000)); !s.ok()) {
    std::fprintf(stderr, "load failed: %s\n", s.ToString().c_str());
    return 2;
  }
  std::this_thread::sleep_for(std::chrono::seconds(5));  // past the load's own work

  std::vector<Process> procs;
  std::ifstream state(lab::StateFile(lab.dir()));
  auto j = nlohmann::json::parse(state, nullptr, false);
  if (!j.is_discarded()) procs.push_back({"supervisor", j.value("supervisor_pid", 0), 0});
  auto status = lab.Status();
  for (const auto& comp : status.components())
    if (comp.pid() > 0) procs.push_back({comp.name(), comp.pid(), 0});
  for (auto& p : procs) p.cpu_before = CpuSeconds(p.pid);
  auto endpoints = Split(status.etcd_endpoints());
  auto etcd_before = EtcdRequestsByMethod(endpoints);
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  auto etcd_after = EtcdRequestsByMethod(endpoints);

  std::printf("idle HA lab, one loaded collection (1000 x 128, 3 replicas), no client, %.0f s:\n", seconds);
  std::printf("  %-16s %8s\n", "process", "% core");
  double total = 0;
  for (const auto& p : procs) {
    double used = CpuSeconds(p.pid) - p.cpu_before;
    if (p.cpu_before < 0 || used < 0) continue;
    double pct = used / seconds * 100;
    total += pct;
    std::printf("  %-16s %8.2f\n", p.name.c_str(), pct);
  }
  double requests = 0;
  std::string by_method;
  for (const auto& [method, n] : etcd_after) {
    double rate = (n - etcd_before[method]) / seconds;
    requests += rate;
    if (rate > 0) by_method += " " + method + " " + std::to_string(static_cast<int>(rate + 0.5)) + "/s";
  }
  std::printf("  %-16s %8.2f   (target < 5.00: %s)\n", "total", total, total < 5 ? "met" : "NOT met");
  std::printf("  etcd requests: %.0f/s:%s\n", requests, by_method.c_str());
  return 0;
}
