// Interop: the official Milvus Node SDK (from npm) runs its flow against the real
// standalone server. The script checks every step; this test checks its verdict
// and the facts it measured.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "lab/ha_lab_fixture.h"
#include "testing/server_process.h"

namespace mdrill::testing {
namespace {

std::string InteropDir() {
  const char* src = std::getenv("MDRILL_SOURCE_DIR");
  return std::string(src != nullptr ? src : ".") + "/tests/interop";
}

// Runs the SDK flow against `address` and checks its verdict and measured facts.
void RunFlow(const std::string& address) {
  struct stat st {};
  ASSERT_EQ(::stat((InteropDir() + "/node_modules/@zilliz/milvus2-sdk-node").c_str(), &st), 0)
      << "the Node SDK is not installed: run scripts/setup.sh";
  std::string out;
  // stderr joins stdout so an SDK exception shows in the failure message.
  int rc = RunCapture({"sh", "-c", "exec node \"$0\" \"$1\" 2>&1", InteropDir() + "/sdk_flow.mjs", address}, &out,
                      std::chrono::seconds(120));
  ASSERT_EQ(rc, 0) << out;
  size_t nl = out.rfind("\n{");
  auto line = nl == std::string::npos ? out : out.substr(nl + 1);
  auto j = nlohmann::json::parse(line, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << out;
  EXPECT_TRUE(j["ok"].get<bool>());
  EXPECT_EQ(j["facts"]["insert_cnt"], 1000);
  EXPECT_EQ(j["facts"]["count"], 1000);
  EXPECT_EQ(j["facts"]["hits"], 10);
  EXPECT_LT(std::abs(j["facts"]["top_score"].get<double>()), 1e-6);
  std::printf("node sdk facts against %s: %s\n", address.c_str(), j["facts"].dump().c_str());
}

TEST(NodeSdk, FullFlowAgainstStandalone) {
  ServerProcess server;
  std::string err;
  ASSERT_TRUE(server.Start(&err)) << err;
  RunFlow(server.address());
}

// The SDK's user management and sign-in against `lab up --auth`, standalone and HA.
void RunAuthFlow(const std::string& address) {
  std::string out;
  int rc = RunCapture({"sh", "-c", "exec node \"$0\" \"$1\" 2>&1", InteropDir() + "/sdk_auth.mjs", address}, &out,
                      std::chrono::seconds(120));
  ASSERT_EQ(rc, 0) << out;
  size_t nl = out.rfind("\n{");
  auto j = nlohmann::json::parse(nl == std::string::npos ? out : out.substr(nl + 1), nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << out;
  EXPECT_TRUE(j["ok"].get<bool>()) << out;
  std::printf("node sdk auth facts against %s: %s\n", address.c_str(), j["facts"].dump().c_str());
}

TEST(NodeSdk, UsersAndSignInAgainstStandaloneWithAuth) {
  ServerProcess server("", {"--auth"});
  std::string err;
  ASSERT_TRUE(server.Start(&err)) << err;
  RunAuthFlow(server.address());
}

TEST(NodeSdk, UsersAndSignInThroughTheHaLabFrontDoorWithAuth) {
  HaLabProcess lab;
  std::string out;
  ASSERT_TRUE(lab.Up(&out, {"--auth"})) << out;
  RunAuthFlow(lab.front_door());
}

TEST(NodeSdk, FullFlowThroughTheHaLabFrontDoor) {
  HaLabProcess lab;
  std::string out;
  ASSERT_TRUE(lab.Up(&out)) << out;
  RunFlow(lab.front_door());
}

}  // namespace
}  // namespace mdrill::testing
