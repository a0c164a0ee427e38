// What an idle HA lab costs: no collection, no client, every component up. Counts
// the requests etcd serves (its own counters) over a window and the CPU the lab's
// processes use, so a renewal or polling loop that does not sleep cannot go
// unnoticed: a lease renewed every 0 s instead of every TTL/4 shows up as
// thousands of LeaseKeepAlive streams a second.
#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include "lab/ha_lab_fixture.h"
#include "lab/lab_metrics.h"

namespace mdrill::testing {
namespace {

std::vector<std::string> Split(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

double Total(const std::map<std::string, double>& m) {
  double t = 0;
  for (const auto& [k, v] : m) t += v;
  return t;
}

TEST(IdleLab, EtcdRequestsStayAtTheRenewalAndPollRates) {
  HaLabProcess lab;
  std::string out;
  ASSERT_TRUE(lab.Up(&out, {"--lease-ttl", "2"})) << out;
  auto status = lab.Status();
  auto endpoints = Split(status.etcd_endpoints());
  ASSERT_FALSE(endpoints.empty());
  int lease_holders = 1;  // the active coordinator's election lease
  for (const auto& c : status.components())
    if (c.role() == "coordinator" || c.role() == "querynode" || c.role() == "proxy") ++lease_holders;
  std::this_thread::sleep_for(std::chrono::seconds(2));  // past start-up

  const double window_s = 10;
  auto before = EtcdRequestsByMethod(endpoints);
  ASSERT_FALSE(before.empty()) << "etcd's /metrics could not be read from " << status.etcd_endpoints();
  std::this_thread::sleep_for(std::chrono::duration<double>(window_s));
  auto after = EtcdRequestsByMethod(endpoints);
  std::map<std::string, double> rate;
  std::ostringstream shown;
  for (const auto& [method, n] : after) {
    rate[method] = (n - before[method]) / window_s;
    if (rate[method] > 0) shown << method << " " << rate[method] << "/s  ";
  }
  std::printf("idle lab, etcd requests: %s total %.1f/s\n", shown.str().c_str(), Total(rate));

  // Each lease is renewed every TTL/4 = 0.5 s: 2 keep-alives a second per holder.
  const double keepalive_bound = lease_holders * 2.0 * 1.5;
  EXPECT_GT(rate["LeaseKeepAlive"], 0) << "no lease was renewed at all";
  EXPECT_LE(rate["LeaseKeepAlive"], keepalive_bound) << shown.str();
  // Polls: with the log, the election key and the sessions watched, the tailers,
  // the standby and the replica manager look once a second besides, and the
  // supervisor checks etcd's alarms and health: about 2 a second per holder. Polling
  // at 100 ms (before the watches) came to 84 requests a second in all.
  EXPECT_LE(Total(rate), keepalive_bound + 2.0 * lease_holders) << shown.str();
  // etcd runs with a space quota (4 GiB, as Milvus deployments set it).
  for (const auto& e : endpoints) EXPECT_EQ(EtcdMetric(e, "etcd_server_quota_backend_bytes"), 4294967296.0) << e;
}

}  // namespace
}  // namespace mdrill::testing
