// The active coordinator of a "real Milvus" learned from its etcd session, as the
// Kubernetes backend does it: a real etcd holding Milvus's session key, and a
// recording stand-in for kubectl listing the coordinator pods.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "drill/nemesis/deployment.h"
#include "drill/nemesis/k8s_fixtures.h"
#include "drill/nemesis/milvus_sessions.h"
#include "drill/nemesis/recording_cli.h"
#include "lab/etcd_fixture.h"
#include "testing/server_process.h"
#include "util/selector.h"
#include "util/subprocess.h"

namespace mdrill::drill {
namespace {

constexpr const char* kSession =
    R"({"ServerID":7,"ServerName":"rootcoord","Address":"10.0.0.2:53100","Exclusive":true,"Version":"2.4.15"})";

TEST(MilvusSessions, ParseAndDescribe) {
  auto s = ParseSession(kSession);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->server_id, 7);
  EXPECT_EQ(s->ip(), "10.0.0.2");
  EXPECT_EQ(s->Describe(), "10.0.0.2:53100 (server 7)");
  EXPECT_FALSE(ParseSession("{}").ok());
  EXPECT_FALSE(ParseSession("not json").ok());
  SessionOptions o;
  EXPECT_EQ(SessionKey(o), "by-dev/meta/session/rootcoord");
}

class SessionsEtcd : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    ASSERT_TRUE(etcd_.Start(&why)) << why;
    o_.etcd = etcd_.endpoints();
  }
  ::mdrill::testing::EtcdFixture etcd_{1};
  SessionOptions o_;
};

TEST_F(SessionsEtcd, ReadsTheActiveSessionOrSaysThereIsNone) {
  etcd::EtcdClient c(o_.etcd);
  auto none = ReadActiveSession(&c, o_);
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(c.Put(SessionKey(o_), kSession, 0, etcd::Deadline(3000)).ok());
  auto some = ReadActiveSession(&c, o_);
  ASSERT_TRUE(some.ok());
  ASSERT_TRUE(some->has_value());
  EXPECT_EQ(some.value()->address, "10.0.0.2:53100");
  ASSERT_TRUE(c.Put(SessionKey(o_), "garbage", 0, etcd::Deadline(3000)).ok());
  EXPECT_FALSE(ReadActiveSession(&c, o_).ok());
}

// `run --target k8s --etcd ... --dry-run`: the plan names the pod whose IP is the
// session's address for mode active (the coordinator scenario), and touches nothing.
TEST_F(SessionsEtcd, DryRunResolvesTheActivePodThroughEtcd) {
  etcd::EtcdClient c(o_.etcd);
  ASSERT_TRUE(c.Put(SessionKey(o_), kSession, 0, etcd::Deadline(3000)).ok());
  testing::RecordingCli cli({"kubectl"});
  cli.On("kubectl * get pods *",
         R"({"items":[{"metadata":{"name":"milvus-rootcoord-a"},"status":{"phase":"Running","podIP":"10.0.0.1"}},)"
         R"({"metadata":{"name":"milvus-rootcoord-b"},"status":{"phase":"Running","podIP":"10.0.0.2"}}]})");
  std::string out;
  int rc = RunCapture({mdrill::testing::DrillBinary(), "run", "--target", "k8s", "--test", "coordinator", "--dry-run",
                       "--deployment", "seed", "--etcd", etcd_.endpoint_list(), "--out-dir", etcd_.dir() + "/runs"},
                      &out, std::chrono::seconds(60), true);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("milvus-rootcoord-b"), std::string::npos) << out;
  for (const auto& call : cli.Calls()) EXPECT_EQ(call.find("delete"), std::string::npos) << call;
  // Without --etcd the same plan cannot say which pod is active.
  rc = RunCapture({mdrill::testing::DrillBinary(), "run", "--target", "k8s", "--test", "coordinator", "--dry-run",
                   "--deployment", "seed", "--out-dir", etcd_.dir() + "/runs"},
                  &out, std::chrono::seconds(60), true);
  EXPECT_EQ(rc, 2) << out;
}

// The four scenarios, unchanged, against recorded Helm-chart (2.5, 2.6) and Operator
// (2.6) pods: the deployment is recognised from the namespace's pods, each role's
// selector is what that deployment labels, and mode active names the pod whose IP
// the coordinator's session (rootcoord or mixcoord, as the deployment runs) holds.
TEST_F(SessionsEtcd, DryRunOfEveryScenarioNamesTheRightPodsOfRecordedDeployments) {
  struct Case {
    const char* fixture;
    const char* recognised;
    const char* coordinator;
  };
  for (const Case& c :
       {Case{"helm-2.5.current", "Helm release 'my-release' (coordinator: rootcoord)", "rootcoord"},
        Case{"helm-2.6.debian", "Helm release 'my-release' (coordinator: mixcoord)", "mixcoord"},
        Case{"operator-2.6.current", "Milvus Operator instance 'my-milvus' (coordinator: mixcoord)", "mixcoord"}}) {
    auto pods = testing::K8sFixture(c.fixture);
    ASSERT_FALSE(pods.is_discarded()) << c.fixture;
    auto d = DetectDeployment(pods);
    ASSERT_TRUE(d.ok()) << d.status().reason();
    testing::RecordingCli cli({"kubectl"});
    std::string active_pod, active_ip;
    for (const std::string role : {"coordinator", "proxy", "querynode"}) {
      const std::string sel = d->Selector(role).value();
      nlohmann::json matched = {{"items", nlohmann::json::array()}};
      const nlohmann::json listed = testing::PodsMatching(pods, sel);
      for (const auto& p : listed["items"]) {
        if (p["status"].value("phase", "") != "Running") continue;
        matched["items"].push_back(p);
        if (role == "coordinator") {  // the last running coordinator is the active one
          active_pod = p["metadata"]["name"];
          active_ip = p["status"]["podIP"];
        }
      }
      cli.On("kubectl -n milvus get pods -l " + sel + " -o json", matched.dump());
    }
    cli.On("kubectl -n milvus get pods -o json", pods.dump());
    SessionOptions so = o_;
    so.role = c.coordinator;
    etcd::EtcdClient e(o_.etcd);
    const std::string session = R"({"ServerID":11,"ServerName":")" + std::string(c.coordinator) + R"(","Address":")" +
                                active_ip + R"(:53100","Exclusive":true})";
    ASSERT_TRUE(e.Put(SessionKey(so), session, 0, etcd::Deadline(3000)).ok());
    std::string out;
    int rc = RunCapture({mdrill::testing::DrillBinary(), "run", "--target", "k8s", "--test", "all", "--dry-run",
                         "--etcd", etcd_.endpoint_list(), "--out-dir", etcd_.dir() + "/runs"},
                        &out, std::chrono::seconds(60), true);
    EXPECT_EQ(rc, 0) << c.fixture << "\n" << out;
    EXPECT_NE(out.find("recognised " + std::string(c.recognised)), std::string::npos) << out;
    EXPECT_NE(out.find("now would hit: " + active_pod), std::string::npos) << c.fixture << " " << active_pod << "\n"
                                                                           << out;
    EXPECT_EQ(out.find("cannot resolve"), std::string::npos) << out;
    for (const auto& call : cli.Calls()) EXPECT_EQ(call.find("delete"), std::string::npos) << call;
    ASSERT_TRUE(e.Delete(SessionKey(so), etcd::Deadline(3000)).ok());
  }
}

// A run whose roles match nothing stops before any fault, naming the selector and
// the labels the namespace holds; nothing is deleted or labelled.
TEST(Deployments, ARoleThatMatchesNothingStopsTheRunBeforeAnyFault) {
  testing::RecordingCli cli({"kubectl"});
  cli.On("kubectl -n milvus get pods -l app.kubernetes.io/* -o json", R"({"items": []})");
  cli.On("kubectl -n milvus get pods -o json",
         R"({"items":[{"metadata":{"name":"web-1","labels":{"app":"web","pod-template-hash":"x1"}},)"
         R"("status":{"phase":"Running","podIP":"10.0.0.9"}}]})");
  std::string out;
  const std::string dir = mdrill::testing::TempDir("nomatch");
  int rc = RunCapture({mdrill::testing::DrillBinary(), "run", "--target", "k8s", "--test", "worker", "--deployment",
                       "helm", "--release", "prod", "--out-dir", dir, "--no-history"},
                      &out, std::chrono::seconds(60), true);
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find("app.kubernetes.io/instance=prod,app.kubernetes.io/name=milvus,component=proxy matches nothing"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("app=web"), std::string::npos) << out;
  EXPECT_NE(out.find("nothing was touched"), std::string::npos) << out;
  for (const auto& call : cli.Calls()) {
    EXPECT_EQ(call.find("delete"), std::string::npos) << call;
    EXPECT_EQ(call.find("label"), std::string::npos) << call;
  }
  // Without --deployment, an unrecognised namespace is said as such.
  out.clear();
  rc = RunCapture(
      {mdrill::testing::DrillBinary(), "run", "--target", "k8s", "--test", "worker", "--dry-run", "--out-dir", dir},
      &out, std::chrono::seconds(60), true);
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find("no Milvus deployment recognised among 1 pods"), std::string::npos) << out;
  // A scenario file's own mapping names the pods; --role on the command line wins over it.
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/mine.yaml") << "name: mine\nroles: {proxy: app=web}\ntests:\n"
                                       "  - {name: t, collection: c, faults: [{action: kill, selector: role=proxy, "
                                       "mode: one, at: 5s}]}\n";
  cli.On("kubectl -n milvus get pods -l app=web -o json",
         R"({"items":[{"metadata":{"name":"web-1"},"status":{"phase":"Running","podIP":"10.0.0.9"}}]})");
  out.clear();
  rc = RunCapture({mdrill::testing::DrillBinary(), "run", "--target", "k8s", "-f", dir + "/mine.yaml", "--dry-run",
                   "--deployment", "seed", "--out-dir", dir},
                  &out, std::chrono::seconds(60), true);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("now would hit: web-1"), std::string::npos) << out;
  out.clear();
  rc = RunCapture({mdrill::testing::DrillBinary(), "run", "--target", "k8s", "-f", dir + "/mine.yaml", "--dry-run",
                   "--deployment", "seed", "--role", "proxy=app=api", "--out-dir", dir},
                  &out, std::chrono::seconds(60), true);
  EXPECT_NE(out.find("app=api matches nothing"), std::string::npos) << out;
}

}  // namespace
}  // namespace mdrill::drill
