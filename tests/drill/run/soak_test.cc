// A 3-minute soak on a lab of its own, through the command a user runs: every
// scheduled fault injected and healed, and every check passing (nothing lost or
// duplicated, no split-brain signal, no stale read, no failure that no fault
// explains).
#include "drill/run/soak.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "testing/server_process.h"
#include "util/subprocess.h"

namespace mdrill::testing {
namespace {

TEST(Soak, ThreeMinutesOfSeededFaultsOnTheLabPass) {
  const std::string dir = TempDir("soak");
  const int port = FreePort();
  std::string out;
  int rc = RunCapture(
      {DrillBinary(), "soak", "--duration=3m", "--seed=7", "--lab-dir=" + dir + "/lab", "--out-dir=" + dir + "/out",
       "--json=" + dir + "/soak.json", "--no-history", "--port=" + std::to_string(port), "--rows=500", "--replicas=2"},
      &out, std::chrono::minutes(8), true);
  std::printf("%s\n", out.substr(out.size() > 6000 ? out.size() - 6000 : 0).c_str());
  std::ifstream in(dir + "/soak.json");
  auto j = nlohmann::json::parse(in, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << out;
  ASSERT_EQ(j["tests"].size(), 1u);
  const auto& t = j["tests"][0];
  // The schedule the seed gives, all of it injected.
  drill::SoakOptions o;
  o.seed = 7;
  o.duration_s = 180;
  o.partition = ::geteuid() == 0;
  auto plan = drill::SoakScenario(o);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(t["faults"].size(), plan.value().tests[0].faults.size()) << t["faults"].dump();
  EXPECT_EQ(t["consistency"]["lost_count"], 0);
  EXPECT_EQ(t["failures"]["unexplained"], 0);
  EXPECT_EQ(rc, 0) << t["checks"].dump(1);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace mdrill::testing
