// Measurements of a running lab from outside: etcd's own request counters (its
// Prometheus /metrics page on the client port) and the CPU time of processes
// (/proc/PID/stat). For tests and benchmarks that check what an idle lab costs.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace mdrill::testing {

// GET http://ENDPOINT/metrics ("127.0.0.1:2379"), summed per gRPC method of
// grpc_server_started_total (every unary call and every stream opened, e.g.
// "LeaseKeepAlive", "Range"). Empty when the page cannot be read.
std::map<std::string, double> EtcdRequestsByMethod(const std::string& endpoint);
// The same, summed over every endpoint of a comma-separated list.
std::map<std::string, double> EtcdRequestsByMethod(const std::vector<std::string>& endpoints);
// The value of the metric line `name` (no labels) on ENDPOINT's /metrics page; -1
// when absent.
double EtcdMetric(const std::string& endpoint, const std::string& name);
// Total user + system CPU seconds the process has used; < 0 when it is gone.
double CpuSeconds(pid_t pid);

}  // namespace mdrill::testing
