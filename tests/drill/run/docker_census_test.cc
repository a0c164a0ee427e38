// The census of a docker compose target (drill/run/docker_census.h) from a
// `docker inspect` array as docker writes it, and the exact commands it runs: each
// container with its compose service, state, health and restart count; one left
// paused or disconnected by a fault is named by the census check as outliving it.
#include "drill/run/docker_census.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "drill/check/census.h"
#include "drill/nemesis/recording_cli.h"

namespace mdrill::drill {
namespace {

using nlohmann::json;

json Inspect() {
  const char* src = std::getenv("MDRILL_SOURCE_DIR");
  std::ifstream in(std::string(src ? src : ".") + "/tests/data/docker/inspect-milvus.json");
  EXPECT_TRUE(in.good());
  return json::parse(in, nullptr, false);
}

const CensusEntry* Find(const std::vector<CensusEntry>& v, const std::string& name) {
  for (const auto& e : v)
    if (e.name == name) return &e;
  return nullptr;
}

TEST(DockerCensus, EachContainerWithItsServiceStateHealthAndRestarts) {
  const json containers = Inspect();
  auto census = CensusFromInspect(containers);
  ASSERT_EQ(census.size(), containers.size());
  const CensusEntry* s = Find(census, "milvus-standalone");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->role, "standalone");
  EXPECT_EQ(s->state, "running");
  EXPECT_TRUE(s->healthy);
  EXPECT_EQ(s->restarts, 1);
  EXPECT_EQ(s->pid, 48213);
  EXPECT_EQ(s->rss_kib, -1);
  EXPECT_EQ(Find(census, "milvus-minio")->state, "paused");
  EXPECT_FALSE(Find(census, "milvus-minio")->healthy);
  const CensusEntry* cut = Find(census, "milvus-etcd");
  EXPECT_EQ(cut->state, "partitioned");
  EXPECT_EQ(cut->fault, "network disconnected");
  EXPECT_EQ(Find(census, "milvus-attu")->state, "stopped");
  EXPECT_EQ(Find(census, "milvus-attu")->pid, 0);
  EXPECT_FALSE(Find(census, "milvus-proxy-2")->healthy) << "its health check still says starting";
  EXPECT_FALSE(CensusSettled(census));
  // An init job that ran to completion and a `compose run` one-off are not
  // components; a container on another's network stack is not cut off.
  json more = containers;
  json init = containers[3];
  init["Name"] = "/milvus-init";
  init["State"]["ExitCode"] = 0;
  json oneoff = containers[0];
  oneoff["Name"] = "/milvus-standalone-run-1a2b";
  oneoff["Config"]["Labels"]["com.docker.compose.oneoff"] = "True";
  json sidecar = containers[0];
  sidecar["Name"] = "/milvus-sidecar";
  sidecar["HostConfig"]["NetworkMode"] = "container:" + containers[0]["Id"].get<std::string>();
  sidecar["NetworkSettings"]["Networks"] = json::object();
  more.push_back(init);
  more.push_back(oneoff);
  more.push_back(sidecar);
  auto fuller = CensusFromInspect(more);
  EXPECT_EQ(fuller.size(), containers.size() + 1);
  EXPECT_EQ(Find(fuller, "milvus-init"), nullptr);
  EXPECT_EQ(Find(fuller, "milvus-standalone-run-1a2b"), nullptr);
  ASSERT_NE(Find(fuller, "milvus-sidecar"), nullptr);
  EXPECT_EQ(Find(fuller, "milvus-sidecar")->state, "running");
  // Not an array, or entries without a name: nothing, no crash.
  EXPECT_TRUE(CensusFromInspect(json::object()).empty());
  EXPECT_TRUE(CensusFromInspect(json::array({1, "x", json::object()})).empty());
}

TEST(DockerCensus, AContainerLeftPausedOrCutOffOutlivesItsFault) {
  json healthy = Inspect();
  healthy.erase(3);  // attu
  for (auto& c : healthy) {
    c["State"]["Paused"] = false;
    c["State"]["Status"] = "running";
    c["State"]["Health"]["Status"] = "healthy";
    if (c["NetworkSettings"]["Networks"].empty()) c["NetworkSettings"]["Networks"]["milvus"] = json::object();
  }
  ASSERT_TRUE(CensusSettled(CensusFromInspect(healthy)));
  json after = healthy;
  after[1]["State"]["Paused"] = true;                        // minio, still paused
  after[2]["NetworkSettings"]["Networks"] = json::object();  // etcd, still disconnected
  History h;
  h.events.push_back(
      Event{0, kEventCensus, "", {{"label", "start"}, {"components", CensusJson(CensusFromInspect(healthy))}}});
  h.events.push_back(Event{5'000'000, kEventFaultStart, "f1: pause milvus-minio"});
  h.events.push_back(Event{9'000'000, kEventFaultEnd, "f1 healed"});
  const json entries = CensusJson(CensusFromInspect(after));
  h.events.push_back(Event{12'000'000, kEventCensus, "", {{"label", "after f1"}, {"components", entries}}});
  h.events.push_back(Event{20'000'000, kEventCensus, "", {{"label", "end"}, {"components", entries}}});
  CensusResult r = CheckCensus(h);
  ASSERT_TRUE(r.ran);
  std::string outlived;
  for (const auto& o : r.outlived) outlived += o + "\n";
  EXPECT_NE(outlived.find("milvus-minio paused"), std::string::npos) << outlived;
  EXPECT_NE(outlived.find("milvus-etcd partitioned (network disconnected)"), std::string::npos) << outlived;
  EXPECT_EQ(outlived.find("milvus-standalone"), std::string::npos) << outlived;
}

TEST(DockerCensus, RunsExactlyTheseDockerCommands) {
  testing::RecordingCli cli({"docker"});
  cli.On("docker ps -a *", "1f0e1f0e1f0e\n2a9d2a9d2a9d\n");
  cli.On("docker inspect *", Inspect().dump());
  DockerOptions o;
  o.project = "milvus";
  auto census = DockerCensus(o)();
  ASSERT_TRUE(census.ok()) << census.status().ToString();
  EXPECT_EQ(cli.Calls(), (std::vector<std::string>{
                             "docker ps -a --filter label=com.docker.compose.project=milvus --format '{{.ID}}'",
                             "docker inspect --type container 1f0e1f0e1f0e 2a9d2a9d2a9d"}));
  EXPECT_EQ(census->size(), 5u);
  // An id that could be read as an option is refused, not passed on.
  testing::RecordingCli odd({"docker"});
  odd.On("docker ps -a *", "--privileged\n");
  auto refused = DockerCensus(o)();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().reason().find("unexpected id"), std::string::npos);
  // Docker refusing is the census's error, with its words.
  testing::RecordingCli down({"docker"});
  down.On("docker *", "", 1, "Cannot connect to the Docker daemon at unix:///var/run/docker.sock");
  auto failed = DockerCensus(o)();
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().reason().find("Cannot connect to the Docker daemon"), std::string::npos);
}

}  // namespace
}  // namespace mdrill::drill
