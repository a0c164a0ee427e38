// Roles and deployment profiles against recorded `kubectl get pods -o json` outputs
// shaped as the Milvus Helm chart (2.5, 2.5 with mixCoordinator, 2.6) and the Milvus
// Operator (2.5, 2.6) label their pods, as printed by Debian's kubectl 1.20 and a
// current one (tests/data/k8s/make_fixtures.py). The selectors are matched against
// the pods with the same equality rules kubectl applies.
#include "drill/nemesis/deployment.h"

#include <gtest/gtest.h>

#include <set>

#include "drill/nemesis/k8s.h"
#include "drill/nemesis/k8s_fixtures.h"
#include "drill/nemesis/lab_supervisor.h"
#include "drill/nemesis/recording_cli.h"

namespace mdrill::drill {
namespace {

using json = nlohmann::json;

using testing::K8sFixture;

json Fixture(const std::string& name) { return K8sFixture(name); }
json Filter(const json& pods, const std::string& selector) { return testing::PodsMatching(pods, selector); }

std::set<std::string> Names(const json& pods) {
  std::set<std::string> out;
  for (const auto& p : pods["items"]) out.insert(p["metadata"]["name"].get<std::string>());
  return out;
}

struct Case {
  const char* fixture;
  const char* profile;
  const char* instance;
  const char* coordinator;
  std::map<std::string, int> running;  // role -> running pods expected
};

const std::vector<Case>& Cases() {
  static const std::vector<Case> cases = {
      {"helm-2.5",
       "helm",
       "my-release",
       "rootcoord",
       {{"coordinator", 2}, {"proxy", 2}, {"querynode", 3}, {"datanode", 2}, {"streamingnode", 0}, {"etcd", 3}}},
      {"helm-2.5-mixcoord",
       "helm",
       "my-release",
       "mixcoord",
       {{"coordinator", 2}, {"proxy", 2}, {"querynode", 3}, {"datanode", 2}, {"etcd", 3}}},
      {"helm-2.6",
       "helm",
       "my-release",
       "mixcoord",
       {{"coordinator", 2}, {"proxy", 2}, {"querynode", 3}, {"datanode", 1}, {"streamingnode", 2}, {"etcd", 3}}},
      {"operator-2.5",
       "operator",
       "my-milvus",
       "rootcoord",
       {{"coordinator", 2}, {"proxy", 2}, {"querynode", 2}, {"datanode", 1}, {"etcd", 3}}},
      {"operator-2.6",
       "operator",
       "my-milvus",
       "mixcoord",
       {{"coordinator", 2}, {"proxy", 2}, {"querynode", 2}, {"datanode", 1}, {"streamingnode", 2}, {"etcd", 3}}},
  };
  return cases;
}

// Each role's selector picks exactly that role's pods of that release: by name
// (<instance>-milvus-<component>-..., <instance>-etcd-N), whatever kubectl printed.
TEST(Deployment, EachRecordedDeploymentIsRecognisedAndEachRoleNamesItsPods) {
  for (const Case& c : Cases())
    for (const char* kubectl : {"debian", "current"}) {
      const std::string name = std::string(c.fixture) + "." + kubectl;
      json pods = Fixture(name);
      ASSERT_FALSE(pods.is_discarded()) << name;
      auto d = DetectDeployment(pods);
      ASSERT_TRUE(d.ok()) << name << ": " << d.status().reason();
      EXPECT_EQ(d->profile, c.profile) << name;
      EXPECT_EQ(d->instance, c.instance) << name;
      EXPECT_EQ(d->coordinator, c.coordinator) << name;
      for (const auto& [role, count] : c.running) {
        auto sel = d->Resolve("role=" + role);
        ASSERT_TRUE(sel.ok()) << name << " " << role << ": " << sel.status().reason();
        const std::string component = role == "coordinator" ? c.coordinator : role;
        const std::string prefix = role == "etcd" ? std::string(c.instance) + "-etcd-"
                                                  : std::string(c.instance) + "-milvus-" + component + "-";
        std::set<std::string> matched = Names(Filter(pods, sel.value()));
        std::set<std::string> expected;
        for (const auto& n : Names(pods))
          if (n.rfind(prefix, 0) == 0) expected.insert(n);
        EXPECT_EQ(matched, expected) << name << " " << role << " via " << sel.value();
        // The pods a fault may hit: running and not being deleted (the backend's rule).
        testing::RecordingCli cli({"kubectl"});
        cli.On("kubectl *", Filter(pods, sel.value()).dump());
        KubectlOptions o;
        o.namespace_ = "milvus";
        KubectlNemesis k(o);
        FaultSpec all;
        all.action = "kill";
        all.selector = sel.value();
        all.mode = "all";
        auto targets = k.Resolve(all);
        if (count == 0) {
          EXPECT_FALSE(targets.ok() && !targets->empty()) << name << " " << role;
          continue;
        }
        ASSERT_TRUE(targets.ok()) << name << " " << role << ": " << targets.status().reason();
        EXPECT_EQ(static_cast<int>(targets->size()), count) << name << " " << role;
      }
    }
}

TEST(Deployment, SeveralReleasesNeedAName) {
  json a = Fixture("helm-2.5.current"), b = Fixture("helm-2.6.current");
  for (auto& p : b["items"]) {
    auto& labels = p["metadata"]["labels"];
    if (labels.contains("app.kubernetes.io/instance")) labels["app.kubernetes.io/instance"] = "other";
  }
  for (const auto& p : b["items"]) a["items"].push_back(p);
  auto none = DetectDeployment(a);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().reason().find("--release"), std::string::npos) << none.status().reason();
  EXPECT_NE(none.status().reason().find("my-release, other"), std::string::npos) << none.status().reason();
  auto other = DetectDeployment(a, "other");
  ASSERT_TRUE(other.ok()) << other.status().reason();
  EXPECT_EQ(other->coordinator, "mixcoord");  // the 2.6 release's, not the 2.5 one's rootcoord
  EXPECT_FALSE(DetectDeployment(a, "missing").ok());
}

TEST(Deployment, NothingRecognisedListsTheLabelsSeen) {
  json pods = {
      {"items",
       json::array({{{"metadata", {{"name", "web-1"}, {"labels", {{"app", "web"}, {"pod-template-hash", "abc"}}}}}},
                    {{"metadata", {{"name", "db-0"}, {"labels", {{"app", "postgres"}}}}}}})}};
  auto d = DetectDeployment(pods);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().reason().find("app=web"), std::string::npos) << d.status().reason();
  EXPECT_NE(d.status().reason().find("app=postgres"), std::string::npos);
  EXPECT_EQ(d.status().reason().find("pod-template-hash"), std::string::npos) << "per-revision labels are noise";
  EXPECT_FALSE(DetectDeployment(json::parse("{}")).ok());
  EXPECT_FALSE(DetectDeployment(json::parse(R"({"items": [1, "x", null, {"metadata": 3}]})")).ok());
}

TEST(Deployment, ProfilesOverridesAndBadInput) {
  auto seed = MakeDeployment("seed", "");
  ASSERT_TRUE(seed.ok());
  EXPECT_EQ(seed->Resolve("role=coordinator").value(), "app=milvus-rootcoord");
  EXPECT_EQ(seed->Resolve("role=etcd").value(), "app=etcd");
  EXPECT_EQ(seed->Resolve("app=custom").value(), "app=custom");  // not a role: as written
  EXPECT_FALSE(seed->Resolve("role=indexer").ok());
  auto lab = MakeDeployment("lab", "", "mixcoord");
  ASSERT_TRUE(lab.ok());
  EXPECT_EQ(lab->Resolve("role=coordinator").value(), "app=milvus-mixcoord");
  // Only the lab has a supervisor to kill, and its selector names nothing else.
  EXPECT_EQ(lab->Resolve("role=supervisor").value(), "app=milvus-drill-supervisor");
  EXPECT_TRUE(SelectsSupervisor(lab->Resolve("role=supervisor").value()));
  EXPECT_FALSE(SelectsSupervisor(""));
  EXPECT_FALSE(SelectsSupervisor("app=milvus-proxy"));
  auto no_supervisor = seed->Resolve("role=supervisor");
  ASSERT_FALSE(no_supervisor.ok());
  EXPECT_NE(no_supervisor.status().reason().find("only the lab"), std::string::npos);
  EXPECT_FALSE(MakeDeployment("helm", "").ok());
  EXPECT_FALSE(MakeDeployment("operator", "").ok());
  EXPECT_FALSE(MakeDeployment("nomad", "x").ok());
  EXPECT_FALSE(MakeDeployment("seed", "", "datacoord").ok());
  Deployment d = seed.value();
  EXPECT_TRUE(AddRoleOverride("proxy=app=my-proxy,tier=edge", &d).ok());
  EXPECT_EQ(d.Resolve("role=proxy").value(), "app=my-proxy,tier=edge");
  for (const char* bad : {"proxy", "=app=x", "proxy=", "gateway=app=x"})
    EXPECT_FALSE(AddRoleOverride(bad, &d).ok()) << bad;
  auto op = MakeDeployment("operator", "m");
  ASSERT_TRUE(op.ok());
  auto etcd = op->Resolve("role=etcd");  // not detected: the user must say
  ASSERT_FALSE(etcd.ok());
  EXPECT_NE(etcd.status().reason().find("--role etcd="), std::string::npos);
}

}  // namespace
}  // namespace mdrill::drill
