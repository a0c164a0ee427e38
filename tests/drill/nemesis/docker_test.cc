// DockerNemesis against a recording stand-in of docker: the exact command lines, in order.
#include "drill/nemesis/docker.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "drill/nemesis/recording_cli.h"

namespace mdrill::drill {
namespace {

using testing::RecordingCli;
using Calls = std::vector<std::string>;

std::string PsLine(const std::string& id, const std::string& name, const std::string& service) {
  return nlohmann::json({{"ID", id},
                         {"Names", name},
                         {"Image", "milvusdb/milvus:v2.4.5"},
                         {"Labels", "com.docker.compose.project=milvus,com.docker.compose.service=" + service},
                         {"State", "running"},
                         {"Status", "Up 3 minutes (healthy)"}})
             .dump() +
         "\n";
}

// Three querynode containers, listed out of order.
std::string ThreeQuerynodes() {
  return PsLine("ccc333", "milvus-querynode-3", "querynode") + PsLine("aaa111", "milvus-querynode-1", "querynode") +
         PsLine("bbb222", "milvus-querynode-2", "querynode");
}

FaultSpec Spec(const std::string& action, const std::string& mode = "one") {
  FaultSpec s;
  s.action = action;
  s.selector = "app=querynode";
  s.mode = mode;
  s.id = "d1";
  return s;
}

DockerOptions Opts() {
  DockerOptions o;
  o.project = "milvus";
  return o;
}

const char* kPs =
    "docker ps --filter status=running --filter label=com.docker.compose.project=milvus --filter "
    "label=com.docker.compose.service=querynode --format '{{json .}}'";

class DockerNemesisTest : public ::testing::Test {
 protected:
  RecordingCli cli_{{"docker"}};
};

TEST(DockerSelectors, AppAndServiceMapToTheComposeServiceLabel) {
  EXPECT_EQ(DockerNemesis::SelectorFilters("app=milvus-rootcoord").value(),
            std::vector<std::string>{"label=com.docker.compose.service=milvus-rootcoord"});
  EXPECT_EQ(DockerNemesis::SelectorFilters("service=proxy, com.example.tier=front").value(),
            (std::vector<std::string>{"label=com.docker.compose.service=proxy", "label=com.example.tier=front"}));
  EXPECT_FALSE(DockerNemesis::SelectorFilters("app!=proxy").ok());
  EXPECT_FALSE(DockerNemesis::SelectorFilters("app in (proxy)").ok());
  EXPECT_FALSE(DockerNemesis::SelectorFilters("tier=front").ok());
}

TEST_F(DockerNemesisTest, ResolveListsRunningContainersOfTheServiceOnly) {
  cli_.On("docker ps *", ThreeQuerynodes());
  DockerNemesis n(Opts());
  auto t = n.Resolve(Spec("kill", "all"));
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t.value(),
            (std::vector<Target>{
                {"milvus-querynode-1", "aaa111"}, {"milvus-querynode-2", "bbb222"}, {"milvus-querynode-3", "ccc333"}}));
  EXPECT_EQ(cli_.Calls(), Calls{kPs});
  DockerNemesis any_project(DockerOptions{});
  ASSERT_TRUE(any_project.Resolve(Spec("kill")).ok());
  EXPECT_EQ(
      cli_.Calls().back(),
      "docker ps --filter status=running --filter label=com.docker.compose.service=querynode --format '{{json .}}'");
}

TEST_F(DockerNemesisTest, KillOneContainerAndHealStartsIt) {
  cli_.On("docker ps *", ThreeQuerynodes());
  DockerNemesis n(Opts());
  auto f = n.Apply(Spec("kill"));
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(cli_.Calls(), (Calls{kPs, "docker kill --signal KILL aaa111"}));
  cli_.ClearCalls();
  ASSERT_TRUE(n.Heal(f.value()).ok());
  EXPECT_EQ(cli_.Calls(), (Calls{"docker start aaa111"}));
}

TEST_F(DockerNemesisTest, PauseCountAndHealIsIdempotent) {
  cli_.On("docker ps *", ThreeQuerynodes());
  DockerNemesis n(Opts());
  auto f = n.Apply(Spec("pause", "2"));
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(cli_.Calls(), (Calls{kPs, "docker pause aaa111", "docker pause bbb222"}));
  cli_.ClearCalls();
  ASSERT_TRUE(n.Heal(f.value()).ok());
  EXPECT_EQ(cli_.Calls(), (Calls{"docker unpause aaa111", "docker unpause bbb222"}));
  cli_.On("docker unpause aaa111", "", 1, "Error response from daemon: Container aaa111 is not paused\n");
  cli_.On("docker unpause bbb222", "", 1, "Error response from daemon: No such container: bbb222\n");
  EXPECT_TRUE(n.Heal(f.value()).ok());
}

TEST_F(DockerNemesisTest, PartitionDisconnectsEveryNetworkAndReconnectsWithAliases) {
  cli_.On("docker ps *", ThreeQuerynodes());
  cli_.On("docker inspect *",
          R"({"milvus":{"IPAMConfig":null,"Aliases":["querynode","aaa111"],"IPAddress":"172.18.0.5"},)"
          R"("backplane":{"IPAMConfig":{"IPv4Address":"10.9.0.7"},"Aliases":["qn1"],"IPAddress":"10.9.0.7"}})"
          "\n");
  DockerNemesis n(Opts());
  FaultSpec s = Spec("partition");
  s.duration = std::chrono::milliseconds(20000);
  auto f = n.Apply(s);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(cli_.Calls(),
            (Calls{kPs, "docker inspect --format '{{json .NetworkSettings.Networks}}' aaa111",
                   "docker network disconnect backplane aaa111", "docker network disconnect milvus aaa111"}));
  cli_.ClearCalls();
  ASSERT_TRUE(n.Heal(f.value()).ok());
  const Calls undo{"docker network connect --alias qn1 --ip 10.9.0.7 backplane aaa111",
                   "docker network connect --alias querynode --alias aaa111 milvus aaa111"};
  EXPECT_EQ(cli_.Calls(), undo);
  cli_.On("docker network connect *", "", 1,
          "Error response from daemon: endpoint with name milvus-querynode-1 already exists in network milvus\n");
  cli_.ClearCalls();
  EXPECT_TRUE(n.Heal(f.value()).ok());  // already back: still healed
  EXPECT_EQ(cli_.Calls(), undo);
}

TEST_F(DockerNemesisTest, DelayIsUnsupportedWithAReason) {
  DockerNemesis n(Opts());
  FaultSpec s = Spec("delay");
  s.latency_ms = 100;
  auto f = n.Apply(s);
  ASSERT_FALSE(f.ok());
  EXPECT_TRUE(IsUnsupported(f.status()));
  EXPECT_NE(f.status().reason().find("NET_ADMIN"), std::string::npos);
  EXPECT_TRUE(cli_.Calls().empty());
}

TEST_F(DockerNemesisTest, FailingDockerYieldsItsStderrAndActiveNeedsAResolver) {
  cli_.On("docker ps *", ThreeQuerynodes());
  cli_.On("docker pause *", "", 1,
          "Error response from daemon: Cannot pause container aaa111: OCI runtime pause failed: unknown\n");
  DockerNemesis n(Opts());
  auto f = n.Apply(Spec("pause"));
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().reason().find("Cannot pause container aaa111: OCI runtime pause failed"), std::string::npos)
      << f.status().reason();
  EXPECT_EQ(cli_.Calls(), (Calls{kPs, "docker pause aaa111", "docker unpause aaa111"}));  // undo after failure

  EXPECT_TRUE(IsUnsupported(n.Resolve(Spec("kill", "active")).status()));
  DockerOptions o = Opts();
  o.active_resolver = [](const FaultSpec&) -> Result<std::string> { return std::string("milvus-querynode-3"); };
  DockerNemesis with(o);
  auto standby = with.Resolve(Spec("kill", "standby"));
  ASSERT_TRUE(standby.ok());
  EXPECT_EQ(standby->front().name, "milvus-querynode-1");
  EXPECT_EQ(with.Resolve(Spec("kill", "active"))->front().detail, "ccc333");
}

TEST_F(DockerNemesisTest, DescribeRunsNothing) {
  DockerNemesis n(Opts());
  EXPECT_EQ(n.Describe(Spec("kill")),
            "docker kill --signal KILL <one of label=com.docker.compose.project=milvus,"
            "label=com.docker.compose.service=querynode>; heal: docker start");
  EXPECT_EQ(n.Describe(Spec("delay")).rfind("invalid: ", 0), 0u);  // latency_ms missing
  EXPECT_TRUE(cli_.Calls().empty());
}

}  // namespace
}  // namespace mdrill::drill
