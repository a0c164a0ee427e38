// The census of a Kubernetes target (drill/run/k8s_census.h) from recorded kubectl
// listings, and the exact commands it runs: the deployment's pods with their role,
// readiness and restarts; a label, NetworkPolicy or chaos object a fault left behind
// named, so the census check reports it as a fault outliving its expiry.
#include "drill/run/k8s_census.h"

#include <gtest/gtest.h>

#include "drill/check/census.h"
#include "drill/nemesis/k8s_fixtures.h"
#include "drill/nemesis/recording_cli.h"

namespace mdrill::drill {
namespace {

using nlohmann::json;

Deployment Helm() {
  auto d = MakeDeployment("helm", "my-release");
  EXPECT_TRUE(d.ok());
  return d.value();
}

const CensusEntry* Find(const std::vector<CensusEntry>& v, const std::string& name) {
  for (const auto& e : v)
    if (e.name == name) return &e;
  return nullptr;
}

TEST(K8sCensus, EveryPodOfTheReleaseWithItsRoleReadinessAndRestarts) {
  json pods = testing::K8sFixture("helm-2.5.current");
  auto census = CensusFromPods(pods, Helm());
  // Every pod of the listing is the release's.
  EXPECT_EQ(census.size(), pods["items"].size());
  const CensusEntry* q = Find(census, "my-release-milvus-querynode-efe0d28f08-a8215");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->role, "querynode");
  EXPECT_EQ(q->state, "running");
  EXPECT_TRUE(q->healthy);
  EXPECT_EQ(q->restarts, 2);
  EXPECT_EQ(q->pid, -1);
  const CensusEntry* unready = Find(census, "my-release-milvus-proxy-b7c3164451-zzzzz");
  ASSERT_NE(unready, nullptr);
  EXPECT_FALSE(unready->healthy);
  EXPECT_EQ(Find(census, "my-release-milvus-querynode-efe0d28f08-pend1")->state, "pending");
  EXPECT_EQ(Find(census, "my-release-etcd-1")->role, "etcd");
  EXPECT_EQ(Find(census, "my-release-milvus-indexnode-748e9a6fad-abf84")->role, "indexnode");
  EXPECT_EQ(Find(census, "my-release-minio-2")->role, "minio");
  EXPECT_EQ(Find(census, "my-release-pulsarv3-broker-0")->role, "broker");
  // A chart's finished Job pods are not components.
  json with_job = pods;
  json job = pods["items"][0];
  job["metadata"]["name"] = "my-release-pulsarv3-init-abcde";
  job["metadata"]["ownerReferences"] = {{{"kind", "Job"}, {"name", "my-release-pulsarv3-init"}}};
  job["status"]["phase"] = "Succeeded";
  with_job["items"].push_back(job);
  EXPECT_EQ(Find(CensusFromPods(with_job, Helm()), "my-release-pulsarv3-init-abcde"), nullptr);
  // Another release's pods are not this census's.
  json other = pods;
  for (auto& p : other["items"])
    for (const char* k : {"app.kubernetes.io/instance", "release"})
      if (p["metadata"]["labels"].contains(k)) p["metadata"]["labels"][k] = "someone-else";
  EXPECT_TRUE(CensusFromPods(other, Helm()).empty());
}

TEST(K8sCensus, LeftoversOfAFaultAreNamedAndOutliveIt) {
  json pods = testing::K8sFixture("helm-2.5.current");
  json isolated = pods;
  isolated["items"][9]["metadata"]["labels"][kIsolateLabel] = "f3";
  const std::string qn = isolated["items"][9]["metadata"]["name"];
  json policies = {{"kind", "List"},
                   {"items",
                    {{{"kind", "NetworkPolicy"}, {"metadata", {{"name", "milvus-drill-f3"}}}},
                     {{"kind", "NetworkPolicy"}, {"metadata", {{"name", "the-teams-own"}}}}}}};
  auto census = CensusFromPods(isolated, Helm());
  for (auto& e : CensusFromDrillObjects(policies)) census.push_back(e);
  const CensusEntry* held = Find(census, qn);
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(held->state, "partitioned");
  EXPECT_EQ(held->fault, "milvus-drill/isolate=f3");
  ASSERT_NE(Find(census, "NetworkPolicy/milvus-drill-f3"), nullptr);
  EXPECT_EQ(Find(census, "NetworkPolicy/the-teams-own"), nullptr);
  EXPECT_FALSE(CensusSettled(census));

  History h;
  h.events.push_back(
      Event{0, kEventCensus, "", {{"label", "start"}, {"components", CensusJson(CensusFromPods(pods, Helm()))}}});
  h.events.push_back(Event{5'000'000, kEventFaultStart, "f3: partition " + qn});
  h.events.push_back(Event{9'000'000, kEventFaultEnd, "f3 healed"});
  h.events.push_back(Event{12'000'000, kEventCensus, "", {{"label", "after f3"}, {"components", CensusJson(census)}}});
  h.events.push_back(Event{20'000'000, kEventCensus, "", {{"label", "end"}, {"components", CensusJson(census)}}});
  CensusResult r = CheckCensus(h);
  ASSERT_TRUE(r.ran);
  std::string outlived;
  for (const auto& o : r.outlived) outlived += o + "\n";
  EXPECT_NE(outlived.find(qn + " partitioned (milvus-drill/isolate=f3)"), std::string::npos) << outlived;
  EXPECT_NE(outlived.find("NetworkPolicy/milvus-drill-f3"), std::string::npos) << outlived;
}

TEST(K8sCensus, RunsExactlyTheseKubectlCommands) {
  testing::RecordingCli cli({"kubectl"});
  cli.On("kubectl * get pods -o json", testing::K8sFixture("helm-2.5.current").dump());
  cli.On("kubectl * get networkpolicies -o json", R"({"kind":"List","items":[]})");
  cli.On("kubectl * get podchaos.chaos-mesh.org,networkchaos.chaos-mesh.org -o json",
         R"({"kind":"List","items":[{"kind":"PodChaos","metadata":{"name":"milvus-drill-p1"}}]})");
  KubectlOptions o;
  o.namespace_ = "milvus";
  o.context = "prod";
  o.chaos_mesh = true;
  auto census = K8sCensus(o, Helm())();
  ASSERT_TRUE(census.ok()) << census.status().ToString();
  EXPECT_EQ(cli.Calls(),
            (std::vector<std::string>{
                "kubectl --context prod -n milvus get pods -o json",
                "kubectl --context prod -n milvus get networkpolicies -o json",
                "kubectl --context prod -n milvus get podchaos.chaos-mesh.org,networkchaos.chaos-mesh.org -o json"}));
  EXPECT_NE(Find(census.value(), "PodChaos/milvus-drill-p1"), nullptr);
  // kubectl refusing is the census's error, named with the command.
  testing::RecordingCli refusing({"kubectl"});
  refusing.On("kubectl *", "", 1, "Error from server (Forbidden): pods is forbidden");
  auto refused = K8sCensus(o, Helm())();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().reason().find("Forbidden"), std::string::npos);
}

}  // namespace
}  // namespace mdrill::drill
